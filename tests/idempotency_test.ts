/**
 * A phone that lost the answer to its submit retries it. With the same client
 * key the retry returns the request the first one made — one row, one job —
 * instead of a second analysis.
 */
import assert from "node:assert/strict";
import { decide, proposalsOf } from "./helpers/actions.ts";
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

linkedStoreTest(
  "a retried approval or rejection with the same client key returns the first outcome and runs nothing again",
  async (env) => {
    const { api, token, t, store } = env;
    const [approve, tamper, reject] = [
      ...await proposalsOf(env, "Which products should I discount?", "create_discount_code"),
      ...await proposalsOf(env, "Why did sales drop last week?", "create_discount_code"),
      ...await proposalsOf(env, "Which products should I discount?", "create_discount_code"),
    ];
    assert.ok(approve && tamper && reject, "three proposals");
    const codes = () => store.shop.discounts.filter((d) => d.code === approve.parameters.code);

    const first = await decide(api.app, token, approve.id, "userApprovesAction", "tap-1");
    assert.equal(first.proposedAction.status, "EXECUTED");
    const again = await decide(api.app, token, approve.id, "userApprovesAction", "tap-1");
    assert.deepEqual(again, first, "the retry answers exactly as the first approval did");
    assert.equal(codes().length, 1, "one discount in the store");

    // A key reused for another action, or for the other decision, is refused and moves nothing.
    const reused = await decide(api.app, token, reject.id, "userRejectsAction", "tap-1");
    assert.deepEqual(reused.userErrors.map((e: { code: string; field: string }) => e.field), [
      "clientMutationId",
    ]);
    assert.equal(reused.userErrors[0].code, "INVALID_INPUT");
    assert.equal(reused.proposedAction, null);
    const flipped = await decide(api.app, token, approve.id, "userRejectsAction", "tap-1");
    assert.equal(flipped.userErrors[0].code, "INVALID_INPUT");

    // A failed approval replays its error, not "already failed".
    await t.owner`update proposed_actions
      set parameters = jsonb_set(parameters, '{percentage}', '0.95') where id = ${tamper.id}`;
    const failed = await decide(api.app, token, tamper.id, "userApprovesAction", "tap-2");
    assert.equal(failed.proposedAction.status, "FAILED");
    assert.equal(failed.userErrors[0].code, "INVALID_INPUT");
    assert.deepEqual(
      await decide(api.app, token, tamper.id, "userApprovesAction", "tap-2"),
      failed,
    );

    // Rejection by the header a Shortcut can send; the retry is the same answer.
    const byHeader = async () => {
      const res = await api.app.request("/graphql", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${token}`,
          "idempotency-key": "tap-3",
        },
        body: JSON.stringify({
          query: `mutation($id: ID!) { userRejectsAction(actionId: $id) {
            success proposedAction { id status } action { id status } userErrors { code } } }`,
          variables: { id: reject.id },
        }),
      });
      return (await res.json()).data.userRejectsAction;
    };
    const rejected = await byHeader();
    // The seed's payload, and `action`, its deprecated alias, alike.
    assert.deepEqual(rejected, {
      success: true,
      proposedAction: { id: reject.id, status: "REJECTED" },
      action: { id: reject.id, status: "REJECTED" },
      userErrors: [],
    });
    assert.deepEqual(await byHeader(), rejected);

    // Without a key, a second approval is refused as before.
    const plain = await decide(api.app, token, approve.id);
    assert.match(plain.userErrors[0].message, /already executed/);

    // One audited move each: nothing was decided twice.
    const moves = await t.owner<{ action: string; n: number }[]>`
      select action, count(*)::int as n from audit_log
      where entity_id in ${t.owner([approve.id, tamper.id, reject.id])}
      group by action order by action`;
    assert.deepEqual(
      Object.fromEntries(moves.map((m) => [m.action, m.n])),
      {
        "action.approved": 2,
        "action.executed": 1,
        "action.executing": 1,
        "action.failed": 1,
        "action.proposed": 3,
        "action.rejected": 1,
      },
    );
  },
  { worker: true },
);
