/**
 * A phone that lost the answer to its submit retries it. With the same client
 * key the retry returns the request the first one made — one row, one job —
 * instead of a second analysis.
 */
import assert from "node:assert/strict";
import { gql } from "./helpers/api.ts";
import { linkedStoreTest } from "./helpers/linked_store.ts";

const SUBMIT = `mutation($prompt: String!, $key: String) {
  submitAnalysisRequest(prompt: $prompt, clientMutationId: $key) {
    analysisRequest { id prompt status } userErrors { code field message }
  }
}`;

linkedStoreTest(
  "a retried submit with the same client key returns the first request",
  async ({ api, token, t }) => {
    const ask = async (prompt: string, key?: string, headers: Record<string, string> = {}) => {
      const res = await api.app.request("/graphql", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${token}`,
          ...headers,
        },
        body: JSON.stringify({ query: SUBMIT, variables: { prompt, key } }),
      });
      return await res.json();
    };

    const first = await ask("How were sales last week?", "phone-1:42");
    const again = await ask("How were sales last week?", "phone-1:42");
    const id = first.data.submitAnalysisRequest.analysisRequest.id;
    assert.ok(id);
    assert.equal(again.data.submitAnalysisRequest.analysisRequest.id, id);
    assert.deepEqual(again.data.submitAnalysisRequest.userErrors, []);

    // The Idempotency-Key header is the same key for clients that cannot add an argument.
    const byHeader = await ask("orders in october", undefined, { "idempotency-key": "shortcut-7" });
    const byHeaderAgain = await ask("orders in october", undefined, {
      "idempotency-key": "shortcut-7",
    });
    assert.equal(
      byHeaderAgain.data.submitAnalysisRequest.analysisRequest.id,
      byHeader.data.submitAnalysisRequest.analysisRequest.id,
    );

    // A key reused for another question is refused, not answered with the first.
    const other = await ask("Why did sales drop?", "phone-1:42");
    assert.equal(other.data.submitAnalysisRequest.analysisRequest, null);
    assert.deepEqual(
      other.data.submitAnalysisRequest.userErrors.map((
        e: { code: string; field: string },
      ) => [e.code, e.field]),
      [
        ["INVALID_INPUT", "clientMutationId"],
      ],
    );

    // Without a key every submit is its own request.
    const plain = await gql(api.app, SUBMIT, { prompt: "How were sales last week?" }, { token });
    assert.notEqual(plain.body.data.submitAnalysisRequest.analysisRequest.id, id);

    const [rows] = await t.owner`select count(*)::int as n from analysis_requests`;
    assert.equal(rows!.n, 3, "the first two keyed requests and the unkeyed one");
    const [jobs] = await t.owner`select count(*)::int as n from pgboss.job
    where name = 'analysis' and data->>'requestId' = ${id}`;
    assert.equal(jobs!.n, 1, "one job for the keyed request");
  },
);
