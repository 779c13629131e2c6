/**
 * Human-approved actions (issue #8), end to end: a proposal from a real
 * analysis, approved or rejected through GraphQL, executed on the dev store,
 * and audited. Races, missing scopes, Shopify's userErrors, transport
 * failures, tampered parameters and other tenants are refused as the
 * contract says.
 */
import assert from "node:assert/strict";
import { decide, proposalsOf } from "./helpers/actions.ts";
import { gql, signUp } from "./helpers/api.ts";
import { FULL_SCOPES, linkedStoreTest } from "./helpers/linked_store.ts";

/** The discount codes an analysis of `question` proposes, once the store is imported. */
const proposedDiscounts = (
  env: Parameters<typeof proposalsOf>[0],
  question = "Which products should I discount?",
) => proposalsOf(env, question, "create_discount_code");

linkedStoreTest(
  "a merchant approves one discount (it exists in the store), rejects another; both are audited",
  async (env) => {
    const { api, token, t, store } = env;
    const [approve] = await proposedDiscounts(env, "Which products should I discount?");
    const [reject] = await proposedDiscounts(env, "Why did sales drop last week?");
    const listed = await gql(
      api.app,
      `{ proposedActions(status: PROPOSED) { edges { node { id preview } } } }`,
      {},
      { token },
    );
    const preview = listed.body.data.proposedActions.edges
      .find((e: { node: { id: string } }) => e.node.id === approve!.id).node.preview;
    assert.match(
      preview,
      new RegExp(`^Create discount code ${approve!.parameters.code}: \\d+% off`),
    );
    assert.ok(preview.endsWith(` Store: ${store.shop.domain}.`), preview);

    const approved = await decide(api.app, token, approve!.id);
    assert.deepEqual(approved.userErrors, []);
    assert.equal(approved.success, true);
    assert.equal(approved.proposedAction.status, "EXECUTED");
    assert.match(
      approved.proposedAction.executionResult.discountId,
      /^gid:\/\/shopify\/DiscountCodeNode\/\d+$/,
    );
    const created = store.shop.discounts.find((d) => d.code === approve!.parameters.code);
    assert.ok(created, "the discount exists in the store");
    assert.equal(created.percentage, approve!.parameters.percentage * 100, "stored in percent");
    assert.ok(created.productIds!.length > 0);

    const rejected = await decide(api.app, token, reject!.id, "userRejectsAction");
    assert.deepEqual(rejected.userErrors, []);
    assert.equal(rejected.proposedAction.status, "REJECTED");
    assert.equal(store.shop.discounts.some((d) => d.code === reject!.parameters.code), false);

    // Decided actions do not move again.
    const again = await decide(api.app, token, approve!.id);
    assert.equal(again.userErrors[0].code, "INVALID_INPUT");
    assert.match(again.userErrors[0].message, /already executed/);
    assert.equal((await decide(api.app, token, reject!.id)).userErrors[0].code, "INVALID_INPUT");

    // The same code in another action is Shopify's to refuse, never taken for this one's.
    const [copy] = await t.owner<{ id: string }[]>`
      insert into proposed_actions (analysis_request_id, user_id, linked_account_id, description,
        action_type, parameters)
      select analysis_request_id, user_id, linked_account_id, description, action_type, parameters
      from proposed_actions where id = ${approve!.id}
      returning id`;
    const twice = await decide(api.app, token, copy!.id);
    assert.equal(twice.success, false);
    assert.equal(twice.proposedAction.status, "FAILED");
    assert.match(twice.userErrors[0].message, /Code must be unique/);
    const [stored] = await t.owner<{ key: string }[]>`
      select idempotency_key::text as key from proposed_actions where id = ${approve!.id}`;
    assert.equal(
      created.title,
      `${approved.proposedAction.parameters.title} (Alatar ${stored!.key.slice(0, 8)})`,
    );

    // Both are in the merchant's own audit trail, from proposal to outcome.
    const trail = await gql(
      api.app,
      `{ auditLog(first: 100) { edges { node {
         actor action entityId analysisRequestId beforeStatus afterStatus details } } } }`,
      {},
      { token },
    );
    const entries = trail.body.data.auditLog.edges
      .map((e: { node: Record<string, unknown> }) => e.node)
      .filter((n: { entityId: string }) => n.entityId === approve!.id || n.entityId === reject!.id)
      .reverse();
    assert.deepEqual(
      entries.map((n: Record<string, unknown>) => [
        n.entityId,
        n.actor,
        n.action,
        n.beforeStatus,
        n.afterStatus,
      ]),
      [
        [approve!.id, "AGENT", "action.proposed", null, "proposed"],
        [reject!.id, "AGENT", "action.proposed", null, "proposed"],
        [approve!.id, "USER", "action.approved", "proposed", "approved"],
        [approve!.id, "USER", "action.executing", "approved", "executing"],
        [approve!.id, "USER", "action.executed", "executing", "executed"],
        [reject!.id, "USER", "action.rejected", "proposed", "rejected"],
      ],
    );
    assert.equal(entries[4].details.discountId, approved.proposedAction.executionResult.discountId);
    assert.ok(entries.every((n: { analysisRequestId: string }) => n.analysisRequestId));
    // Another user's trail holds none of it.
    const stranger = await signUp(api.app);
    const theirs = await gql(
      api.app,
      `{ auditLog { edges { node { entityId } } } }`,
      {},
      { token: stranger.accessToken },
    );
    assert.equal(
      theirs.body.data.auditLog.edges.some((e: { node: { entityId: string } }) =>
        e.node.entityId === approve!.id
      ),
      false,
    );
    const [leak] = await t
      .owner`select count(*)::int as n from audit_log where details::text ~* 'shpat_|token'`;
    assert.equal(leak!.n, 0, "no token in the audit log");
  },
  { worker: true },
);

linkedStoreTest(
  "two devices approving at once run the action exactly once",
  async (env) => {
    const { api, token, t, store } = env;
    const [action] = await proposedDiscounts(env);
    const before = store.shop.discounts.length;
    const [a, b] = await Promise.all([
      decide(api.app, token, action!.id),
      decide(api.app, token, action!.id),
    ]);
    const winners = [a, b].filter((r) => r.userErrors.length === 0);
    assert.equal(winners.length, 1);
    assert.equal(winners[0].proposedAction.status, "EXECUTED");
    const loser = [a, b].find((r) => r.userErrors.length > 0);
    assert.equal(loser.userErrors[0].code, "INVALID_INPUT");
    assert.equal(store.shop.discounts.length, before + 1);
    const [executions] = await t.owner`select count(*)::int as n from audit_log
      where entity_id = ${action!.id} and action = 'action.executing'`;
    assert.equal(executions!.n, 1);
  },
  { worker: true },
);

linkedStoreTest(
  "without write_discounts the action fails with PERMISSION_DENIED naming the scope",
  async (env) => {
    const { api, token, store } = env;
    const [action] = await proposedDiscounts(env);
    const before = store.shop.discounts.length;
    const result = await decide(api.app, token, action!.id);
    assert.equal(result.proposedAction.status, "FAILED");
    assert.equal(result.userErrors[0].code, "PERMISSION_DENIED");
    assert.match(result.userErrors[0].message, /`write_discounts`.*Link the store again/);
    assert.equal(store.shop.discounts.length, before, "nothing was sent to Shopify");
  },
  { worker: true, scopes: FULL_SCOPES.filter((s) => s !== "write_discounts") },
);

linkedStoreTest(
  "Shopify's userErrors, a transport failure and tampered parameters each fail the action",
  async (env) => {
    const { api, token, t, store } = env;
    const actions = [
      ...await proposedDiscounts(env, "Which products should I discount?"),
      ...await proposedDiscounts(env, "Why did sales drop last week?"),
    ];
    assert.ok(actions.length >= 2);
    const [taken, unreachable] = actions;

    // Someone made a discount with the same code by hand: Shopify answers 200 with userErrors.
    store.shop.discounts.push({
      id: 1,
      code: taken!.parameters.code,
      title: "Made by hand",
      percentage: 0.05,
      startsAt: "2026-01-01T00:00:00Z",
      endsAt: null,
    });
    const refused = await decide(api.app, token, taken!.id);
    assert.equal(refused.proposedAction.status, "FAILED");
    assert.equal(refused.userErrors[0].code, "EXTERNAL_SERVICE_ERROR");
    assert.match(refused.userErrors[0].message, /Code must be unique/);
    assert.equal(refused.proposedAction.executionResult.userErrors[0].code, "TAKEN");

    // Shopify keeps failing: the client's retries run out.
    for (let i = 0; i < 10; i++) store.faults.push({ kind: "server_error", status: 503 });
    const down = await decide(api.app, token, unreachable!.id);
    store.faults.length = 0;
    assert.equal(down.proposedAction.status, "FAILED");
    assert.equal(down.userErrors[0].code, "EXTERNAL_SERVICE_ERROR");
    assert.match(down.userErrors[0].message, /^Shopify did not carry it out/);

    // Parameters changed in the database after the proposal are checked again.
    const [fresh] = await proposedDiscounts(env, "Which products should I discount?");
    await t.owner`update proposed_actions
      set parameters = jsonb_set(parameters, '{percentage}', '0.95') where id = ${fresh!.id}`;
    const before = store.shop.discounts.length;
    const tampered = await decide(api.app, token, fresh!.id);
    assert.equal(tampered.proposedAction.status, "FAILED");
    assert.equal(tampered.userErrors[0].code, "INVALID_INPUT");
    assert.match(tampered.userErrors[0].message, /percentage/);
    assert.equal(store.shop.discounts.length, before);
  },
  { worker: true },
);

linkedStoreTest(
  "another tenant approving or rejecting an action is told it does not exist",
  async (env) => {
    const { api, token, t, store } = env;
    const [action] = await proposedDiscounts(env);
    const stranger = await signUp(api.app);
    for (const verb of ["userApprovesAction", "userRejectsAction"] as const) {
      const result = await decide(api.app, stranger.accessToken, action!.id, verb);
      assert.deepEqual(result, {
        success: false,
        proposedAction: null,
        userErrors: [{
          code: "NOT_FOUND",
          message: "There is no proposed action with this id.",
          field: "actionId",
        }],
      });
    }
    const invalid = await decide(api.app, token, "not-an-id");
    assert.equal(invalid.userErrors[0].code, "NOT_FOUND");
    const [row] = await t.owner`select status from proposed_actions where id = ${action!.id}`;
    assert.equal(row!.status, "proposed");
    assert.equal(store.shop.discounts.some((d) => d.code === action!.parameters.code), false);
  },
  { worker: true },
);
