/**
 * A store's returns policy over the API: the defaults until changed, a change that keeps what it
 * omits, refusals that name the field and change nothing, and another tenant's store as not found.
 */
import assert from "node:assert/strict";
import { returnPolicyOf } from "../actions/returns_policy.ts";
import { apiTest, gql, signUp } from "./helpers/api.ts";

const POLICY = "returnWindowDays finalSaleTags allowedReasons restockingFeePercent";
const READ = `{ linkedAccounts { id returnPolicy { ${POLICY} } } }`;
const UPDATE = `mutation($id: ID!, $days: Int, $tags: [String!], $reasons: [String!], $fee: Float) {
  updateReturnPolicy(linkedAccountId: $id, returnWindowDays: $days, finalSaleTags: $tags,
                     allowedReasons: $reasons, restockingFeePercent: $fee) {
    returnPolicy { ${POLICY} } userErrors { code field message }
  }
}`;

apiTest(
  "a store's returns policy: defaults, a change that keeps what it omits, refusals",
  async ({ app }, t) => {
    const { accessToken: token, userId } = await signUp(app);
    const [store] = await t.owner<{ id: string }[]>`
    insert into linked_accounts (user_id, provider, account_identifier, scopes, encrypted_access_token)
    values (${userId}, 'shopify', 'policy-shop.myshopify.com', '{}', '\\x01') returning id`;
    const id = store!.id;

    const read = await gql(app, READ, {}, { token });
    assert.deepEqual(read.body.data.linkedAccounts[0].returnPolicy, {
      returnWindowDays: 30,
      finalSaleTags: ["final-sale"],
      allowedReasons: [
        "damaged",
        "defective",
        "wrong_item",
        "not_as_described",
        "size_or_fit",
        "changed_mind",
      ],
      restockingFeePercent: 0,
    });

    const changed = await gql(app, UPDATE, { id, days: 60, fee: 10 }, { token });
    assert.deepEqual(changed.body.data.updateReturnPolicy.userErrors, []);
    const policy = changed.body.data.updateReturnPolicy.returnPolicy;
    assert.equal(policy.returnWindowDays, 60);
    assert.equal(policy.restockingFeePercent, 10);
    assert.deepEqual(policy.finalSaleTags, ["final-sale"], "omitted: kept");
    // What refunds are checked against (actions/returns_policy.ts) reads the change.
    const stored = await t.db.withTenant(userId, (tx) => returnPolicyOf(tx, id));
    assert.equal(stored.returnWindowDays, 60);

    const second = await gql(app, UPDATE, {
      id,
      tags: [" clearance ", "final-sale"],
      reasons: ["damaged", "defective"],
    }, { token });
    assert.deepEqual(second.body.data.updateReturnPolicy.returnPolicy, {
      returnWindowDays: 60,
      finalSaleTags: ["clearance", "final-sale"],
      allowedReasons: ["damaged", "defective"],
      restockingFeePercent: 10,
    });

    const [audited] = await t.owner<{ n: number }[]>`
    select count(*)::int as n from audit_log where user_id = ${userId} and action = 'returns_policy.updated'`;
    assert.equal(audited?.n, 2);

    // Refused, naming the field, and nothing changes.
    for (
      const [variables, field] of [
        [{ days: 400 }, "returnWindowDays"],
        [{ fee: -1 }, "restockingFeePercent"],
        [{ reasons: ["because"] }, "allowedReasons"],
        [{ tags: [""] }, "finalSaleTags"],
      ] as const
    ) {
      const refused = await gql(app, UPDATE, { id, ...variables }, { token });
      const [error] = refused.body.data.updateReturnPolicy.userErrors;
      assert.equal(error.code, "INVALID_INPUT", JSON.stringify(variables));
      assert.equal(error.field, field);
    }
    const after = await gql(app, READ, {}, { token });
    assert.equal(after.body.data.linkedAccounts[0].returnPolicy.returnWindowDays, 60);

    // Another tenant's store is not found, and stays as it was.
    const other = await signUp(app);
    const foreign = await gql(app, UPDATE, { id, days: 1 }, { token: other.accessToken });
    assert.equal(foreign.body.data.updateReturnPolicy.userErrors[0].code, "NOT_FOUND");
    const unchanged = await t.db.withTenant(userId, (tx) => returnPolicyOf(tx, id));
    assert.equal(unchanged.returnWindowDays, 60);
  },
);
