/**
 * Conversations through the GraphQL API (issue #16): a question without one
 * starts one, titled from it; a follow-up names it; another tenant's is never
 * found; pages of conversations and of a conversation's requests.
 */
import assert from "node:assert/strict";
import { expectedSales, monthBefore, type Range } from "../eval/expected.ts";
import { SYNC_QUEUE } from "../mirror/sync_queue.ts";
import { askIn, waitForRequest } from "./helpers/analysis.ts";
import { apiTest, gql, signUp } from "./helpers/api.ts";
import { linkedStoreTest } from "./helpers/linked_store.ts";
import type { TestDatabase } from "./helpers/test_db.ts";

const SUBMIT = `mutation($prompt: String!, $conversation: ID) {
  submitAnalysisRequest(prompt: $prompt, conversationId: $conversation) {
    analysisRequest { id conversationId } userErrors { code field message } } }`;
const CONVERSATION = `query($id: ID!, $first: Int, $after: String) {
  conversation(id: $id) { id title requests(first: $first, after: $after) {
    edges { cursor node { prompt conversationId } } pageInfo { hasNextPage endCursor } } } }`;
const CONVERSATIONS = `query($first: Int, $after: String) {
  conversations(first: $first, after: $after) {
    edges { node { id title } } pageInfo { hasNextPage endCursor } } }`;

async function linkStore(t: TestDatabase, userId: string) {
  await t.db.withTenant(
    userId,
    (tx) =>
      tx`insert into linked_accounts (user_id, provider, account_identifier, encrypted_access_token)
       values (${userId}, 'shopify', ${`s${userId.slice(0, 8)}.myshopify.com`}, '\\x01')`,
  );
}

apiTest("a question starts a conversation; a follow-up continues it, in order", async (api, t) => {
  const user = await signUp(api.app);
  await linkStore(t, user.userId);
  const ask = async (prompt: string, conversation?: string) => {
    const res = await gql(api.app, SUBMIT, { prompt, conversation }, { token: user.accessToken });
    return res.body.data.submitAnalysisRequest;
  };
  const first = await ask("How were sales last week?");
  assert.deepEqual(first.userErrors, []);
  const conversation = first.analysisRequest.conversationId as string;
  assert.match(conversation, /^[0-9a-f-]{36}$/);
  const second = await ask("and the week before?", conversation);
  const third = await ask("break that down by product", conversation);
  assert.equal(second.analysisRequest.conversationId, conversation);
  assert.equal(third.analysisRequest.conversationId, conversation);
  // A question without one starts another.
  const other = await ask("How many orders did I get in October?");
  assert.notEqual(other.analysisRequest.conversationId, conversation);

  const read = (vars: Record<string, unknown>) =>
    gql(api.app, CONVERSATION, { id: conversation, ...vars }, { token: user.accessToken })
      .then((r) => r.body.data.conversation);
  const page1 = await read({ first: 2 });
  assert.equal(page1.title, "How were sales last week?");
  assert.deepEqual(page1.requests.edges.map((e: { node: { prompt: string } }) => e.node.prompt), [
    "How were sales last week?",
    "and the week before?",
  ]);
  assert.equal(page1.requests.pageInfo.hasNextPage, true);
  const page2 = await read({ first: 2, after: page1.requests.pageInfo.endCursor });
  assert.deepEqual(page2.requests.edges.map((e: { node: { prompt: string } }) => e.node.prompt), [
    "break that down by product",
  ]);
  assert.equal(page2.requests.pageInfo.hasNextPage, false);

  // Newest first: the October question's conversation, then the one continued before it.
  const list = await gql(api.app, CONVERSATIONS, { first: 10 }, { token: user.accessToken });
  assert.deepEqual(
    list.body.data.conversations.edges.map((e: { node: { title: string } }) => e.node.title),
    ["How many orders did I get in October?", "How were sales last week?"],
  );
  // Continuing an older conversation brings it to the top.
  await ask("what about October?", conversation);
  const again = await gql(api.app, CONVERSATIONS, { first: 1 }, { token: user.accessToken });
  assert.equal(again.body.data.conversations.edges[0].node.id, conversation);
  assert.equal(again.body.data.conversations.pageInfo.hasNextPage, true);
});

apiTest("another tenant's conversation is not found, and nothing is written", async (api, t) => {
  const owner = await signUp(api.app);
  const other = await signUp(api.app);
  await linkStore(t, owner.userId);
  await linkStore(t, other.userId);
  const started = await gql(api.app, SUBMIT, { prompt: "How were sales last week?" }, {
    token: owner.accessToken,
  });
  const conversation = started.body.data.submitAnalysisRequest.analysisRequest.conversationId;

  for (const id of [conversation, "not-a-uuid", crypto.randomUUID()]) {
    const res = await gql(api.app, SUBMIT, { prompt: "and the week before?", conversation: id }, {
      token: other.accessToken,
    });
    assert.deepEqual(res.body.data.submitAnalysisRequest, {
      analysisRequest: null,
      userErrors: [{
        code: "NOT_FOUND",
        field: "conversationId",
        message: "There is no conversation with this id.",
      }],
    });
  }
  const seen = await gql(api.app, CONVERSATION, { id: conversation }, { token: other.accessToken });
  assert.equal(seen.body.data.conversation, null);
  const [counts] = await t.owner`select
      (select count(*)::int from analysis_requests where user_id = ${other.userId}) as requests,
      (select count(*)::int from conversations where user_id = ${other.userId}) as conversations`;
  assert.deepEqual({ ...counts }, { requests: 0, conversations: 0 });
});

linkedStoreTest(
  "follow-ups are answered against the previous question, with figures from the store",
  async ({ api, token, t, store, waitForJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    const october = monthBefore(store.shop.today, 2);
    const turns: Array<[string, string, (r: Range) => Range, string | undefined]> = [
      ["How many orders did I get in October?", "orders", () => october, undefined],
      ["and in September?", "orders", () => monthBefore(store.shop.today, 3), undefined],
      ["just online orders", "orders", (r) => r, "web"],
    ];
    let conversation: string | undefined;
    let range: Range = october;
    for (const [prompt, metric, next, channel] of turns) {
      const asked = await askIn(api.app, token, prompt, conversation);
      conversation ??= asked.conversationId;
      assert.equal(asked.conversationId, conversation);
      const request = await waitForRequest(t, api.app, token, asked.id);
      assert.equal(request.status, "COMPLETED", JSON.stringify(request));
      range = next(range);
      const { interpretation, rawData } = request.result;
      assert.deepEqual(interpretation.range, { from: range.from, to: range.to });
      const fact = rawData.facts.find((f: { id: string }) => f.id === `sales.${metric}`);
      // Computed from the dev store's own objects, not through the pipeline.
      assert.equal(fact.value, expectedSales(store.shop, range, channel).orders, prompt);
      if (prompt !== turns[0]![0]) {
        assert.ok(
          interpretation.assumptions.some((a: string) => a.includes("from your previous question")),
          JSON.stringify(interpretation),
        );
      }
    }
  },
  { worker: true },
);

linkedStoreTest(
  "'why did sales drop?' then 'make a discount for the worst one': a discount on the biggest faller",
  async ({ api, token, t, store, waitForJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    const why = await askIn(api.app, token, "Why did sales drop last week?");
    const explained = await waitForRequest(t, api.app, token, why.id);
    assert.equal(explained.status, "COMPLETED", JSON.stringify(explained));
    const asked = await askIn(
      api.app,
      token,
      "ok, make a discount for the worst one",
      why.conversationId,
    );
    const request = await waitForRequest(t, api.app, token, asked.id);
    assert.equal(request.status, "COMPLETED", JSON.stringify(request));

    // The biggest fall, product by product, from the dev store's raw orders.
    const week = explained.result.rawData.plan.range as Range;
    const before = explained.result.rawData.plan.comparisonRange as Range;
    assert.ok(week && before, JSON.stringify(explained.result.rawData.plan));
    const worst = store.shop.products.map((p) => ({
      id: String(p.id),
      title: p.title,
      change: expectedSales(store.shop, week, undefined, p.id).netSales -
        expectedSales(store.shop, before, undefined, p.id).netSales,
    })).sort((a, b) => a.change - b.change)[0]!;
    assert.ok(
      request.result.interpretation.assumptions.some((a: string) =>
        a.startsWith(`"the worst one" read as ${worst.title}`)
      ),
      JSON.stringify(request.result.interpretation),
    );
    const discounts = request.proposedActions.filter((a: { actionType: string }) =>
      a.actionType === "create_discount_code"
    );
    assert.ok(discounts.length >= 1, JSON.stringify(request.proposedActions));
    for (const d of discounts) assert.deepEqual(d.parameters.productIds, [worst.id]);
  },
  { worker: true },
);
