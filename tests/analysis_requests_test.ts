/** Submitting and cancelling analysis requests through the GraphQL API (issue #6, step 1). */
import assert from "node:assert/strict";
import { ANALYSIS_QUEUE } from "../graph/queues.ts";
import { apiTest, gql, signUp } from "./helpers/api.ts";
import type { TestDatabase } from "./helpers/test_db.ts";

const SUBMIT = `mutation($prompt: String!, $account: ID) {
  submitAnalysisRequest(prompt: $prompt, linkedAccountId: $account) {
    analysisRequest { id prompt status progress { stage percent } linkedAccountId }
    userErrors { code field message } } }`;
const CANCEL = `mutation($id: ID!) { cancelAnalysisRequest(id: $id) {
  analysisRequest { id status errorCode errorMessage } userErrors { code field message } } }`;

async function linkStore(t: TestDatabase, userId: string, shop: string, status = "active") {
  return await t.db.withTenant(userId, async (tx) => {
    const [row] = await tx`
      insert into linked_accounts (user_id, provider, account_identifier, encrypted_access_token, status)
      values (${userId}, 'shopify', ${shop}, ${status === "active" ? "\\x01" : null}, ${status})
      returning id`;
    return row!.id as string;
  });
}

const jobs = (t: TestDatabase) =>
  t.owner<{ data: { userId: string; requestId: string } }[]>`
    select data from pgboss.job_common where name = ${ANALYSIS_QUEUE}`;

apiTest("a question to the only linked store is queued with its job, at once", async (api, t) => {
  const user = await signUp(api.app);
  const account = await linkStore(t, user.userId, "one.myshopify.com");
  const res = await gql(api.app, SUBMIT, { prompt: "  Why did sales drop last week?  " }, {
    token: user.accessToken,
  });
  const payload = res.body.data.submitAnalysisRequest;
  assert.deepEqual(payload.userErrors, []);
  assert.equal(payload.analysisRequest.status, "PENDING");
  assert.equal(payload.analysisRequest.prompt, "Why did sales drop last week?");
  assert.equal(payload.analysisRequest.linkedAccountId, account);
  assert.deepEqual(payload.analysisRequest.progress, { stage: "queued", percent: 0 });
  assert.deepEqual((await jobs(t)).map((j) => j.data), [{
    userId: user.userId,
    requestId: payload.analysisRequest.id,
  }]);
  const [audit] = await t.owner`select action, after_status from audit_log
                                where action = 'analysis.submitted'`;
  assert.deepEqual({ ...audit }, { action: "analysis.submitted", after_status: "pending" });
});

apiTest(
  "bad questions and stores are refused with a code, and nothing is written",
  async (api, t) => {
    const user = await signUp(api.app);
    const other = await signUp(api.app);
    const submit = (prompt: string, account?: string) =>
      gql(api.app, SUBMIT, { prompt, account }, { token: user.accessToken })
        .then((r) => r.body.data.submitAnalysisRequest.userErrors[0]);

    assert.equal(
      (await submit("Why did sales drop?")).code,
      "INVALID_INPUT",
      "no store linked yet",
    );
    const first = await linkStore(t, user.userId, "one.myshopify.com");
    await linkStore(t, user.userId, "two.myshopify.com");
    const revoked = await linkStore(t, user.userId, "gone.myshopify.com", "revoked");
    const theirs = await linkStore(t, other.userId, "theirs.myshopify.com");

    assert.deepEqual(await submit("hi", first), {
      code: "INVALID_INPUT",
      field: "prompt",
      message: "Ask a question of 3 to 2000 characters.",
    });
    assert.equal((await submit("x".repeat(2001), first)).field, "prompt");
    assert.match((await submit("Why did sales drop?")).message, /several stores/);
    assert.equal((await submit("Why did sales drop?", theirs)).code, "NOT_FOUND");
    assert.equal((await submit("Why did sales drop?", "not-a-uuid")).code, "NOT_FOUND");
    assert.equal((await submit("Why did sales drop?", revoked)).code, "PERMISSION_DENIED");

    const [rows] = await t.owner`select count(*)::int as n from analysis_requests`;
    assert.equal(rows!.n, 0);
    assert.equal((await jobs(t)).length, 0);

    const anonymous = await gql(api.app, SUBMIT, { prompt: "Why did sales drop?" });
    assert.equal(anonymous.body.errors[0].extensions.code, "AUTHENTICATION_REQUIRED");
  },
);

apiTest(
  "with several stores, the question may name one; a revoked or another tenant's store is never chosen",
  async (api, t) => {
    const user = await signUp(api.app);
    const other = await signUp(api.app);
    const us = await linkStore(t, user.userId, "alatar-us.myshopify.com");
    const eu = await linkStore(t, user.userId, "alatar-eu.myshopify.com");
    await linkStore(t, user.userId, "alatar-uk.myshopify.com", "revoked");
    await linkStore(t, other.userId, "alatar-ca.myshopify.com");
    const submit = (prompt: string) =>
      gql(api.app, SUBMIT, { prompt }, { token: user.accessToken })
        .then((r) => r.body.data.submitAnalysisRequest);

    const named = await submit("How were sales in my EU store last week?");
    assert.deepEqual(named.userErrors, []);
    assert.equal(named.analysisRequest.linkedAccountId, eu);
    const byDomain = await submit("orders on alatar-us.myshopify.com yesterday");
    assert.equal(byDomain.analysisRequest.linkedAccountId, us);

    // A revoked store and a stranger's are not candidates: naming them names no store of yours.
    for (const prompt of ["sales in my UK store", "sales in my CA store", "sales last week"]) {
      const refused = await submit(prompt);
      assert.equal(refused.analysisRequest, null, prompt);
      assert.equal(refused.userErrors[0].code, "INVALID_INPUT", prompt);
      assert.match(
        refused.userErrors[0].message,
        /several stores linked \(alatar-us\.myshopify\.com, alatar-eu\.myshopify\.com\)/,
      );
    }
    // Two stores named: one question across them, with a part per store (tests/store_breakdown_test.ts).
    const both = await submit("compare my US and EU stores");
    assert.deepEqual(both.userErrors, []);
    assert.equal(both.analysisRequest.linkedAccountId, null);
    const parts = await t.owner`select linked_account_id from analysis_requests
      where parent_request_id = ${both.analysisRequest.id} order by linked_account_id`;
    assert.deepEqual(parts.map((p) => p.linked_account_id), [us, eu].sort());
    const [rows] = await t.owner`select count(*)::int as n from analysis_requests`;
    assert.equal(rows!.n, 5);
    // Cancelling the question cancels its stores' parts.
    const cancelled = await gql(api.app, CANCEL, { id: both.analysisRequest.id }, {
      token: user.accessToken,
    });
    assert.equal(cancelled.body.data.cancelAnalysisRequest.analysisRequest.status, "CANCELLED");
    const statuses = await t.owner`select status from analysis_requests
      where parent_request_id = ${both.analysisRequest.id}`;
    assert.deepEqual(statuses.map((r) => r.status), ["cancelled", "cancelled"]);
  },
);

apiTest("a pending request can be cancelled once, and only by its owner", async (api, t) => {
  const user = await signUp(api.app);
  const other = await signUp(api.app);
  await linkStore(t, user.userId, "one.myshopify.com");
  const submitted = await gql(api.app, SUBMIT, { prompt: "Which products should I discount?" }, {
    token: user.accessToken,
  });
  const id = submitted.body.data.submitAnalysisRequest.analysisRequest.id;

  const stranger = await gql(api.app, CANCEL, { id }, { token: other.accessToken });
  assert.equal(stranger.body.data.cancelAnalysisRequest.userErrors[0].code, "NOT_FOUND");

  const cancelled = await gql(api.app, CANCEL, { id }, { token: user.accessToken });
  assert.deepEqual(cancelled.body.data.cancelAnalysisRequest, {
    analysisRequest: {
      id,
      status: "CANCELLED",
      errorCode: "TASK_CANCELLED",
      errorMessage: "Cancelled at your request.",
    },
    userErrors: [],
  });
  const again = await gql(api.app, CANCEL, { id }, { token: user.accessToken });
  assert.match(again.body.data.cancelAnalysisRequest.userErrors[0].message, /already cancelled/);

  // Each change of the request was logged for subscribers (#7).
  const events = await t.owner`select status from analysis_request_events
                               where analysis_request_id = ${id} order by id`;
  assert.deepEqual(events.map((e) => e.status), ["pending", "cancelled"]);
});
