/**
 * A question across stores, end to end: the real API, queue, worker and graph
 * answer each store, and the question's answer puts them side by side. The
 * second store is the dev store's mirror copied under another account that
 * sells in euros, so each store's figures are known independently (from the
 * dev store's raw data) and a blended total would be wrong.
 */
import assert from "node:assert/strict";
import { expectedSales } from "../eval/expected.ts";
import { SYNC_QUEUE } from "../mirror/sync_queue.ts";
import { waitForRequest } from "./helpers/analysis.ts";
import { gql, signUp } from "./helpers/api.ts";
import { FULL_SCOPES, linkedStoreTest, TEST_TODAY, weekBefore } from "./helpers/linked_store.ts";
import type { Sql } from "../db/database.ts";

const SUBMIT = `mutation($prompt: String!, $ids: [ID!], $conversation: ID) {
  submitAnalysisRequest(prompt: $prompt, linkedAccountIds: $ids, conversationId: $conversation) {
    analysisRequest { id status linkedAccountId conversationId }
    userErrors { code field message } } }`;
const READ = `query($id: ID!) { analysisRequest(id: $id) {
  id status linkedAccountId
  result { summary currency visualizations { type title data } rawData }
  storeAnswers { id status linkedAccountId result { currency } }
  proposedActions { id shop } } }`;
const LIST = `{ listAnalysisRequests(first: 50) { edges { node { id } } } }`;

/** The mirror of `from` copied under a new account of the same user, selling in euros. */
async function euroCopy(owner: Sql, userId: string, from: string): Promise<string> {
  const [account] = await owner`
    insert into linked_accounts (user_id, provider, account_identifier, encrypted_access_token,
      scopes, sync_status, last_synced_at)
    values (${userId}, 'shopify', 'alatar-eu.myshopify.com', '\\x01', ${FULL_SCOPES}, 'ready', now())
    returning id`;
  const id = account!.id as string;
  await owner`
    insert into store_sync_state (linked_account_id, user_id, shop_timezone, shop_currency,
      shop_country, import_finished_at, orders_synced_through, products_synced_through,
      customers_synced_through, rollup_version)
    select ${id}, user_id, shop_timezone, 'EUR', 'DE', now(), orders_synced_through,
      products_synced_through, customers_synced_through, rollup_version
    from store_sync_state where linked_account_id = ${from}`;
  const tables = await owner<{ table_name: string; columns: string }[]>`
    select table_name, string_agg(quote_ident(column_name), ', ' order by ordinal_position)
      filter (where column_name <> 'linked_account_id') as columns
    from information_schema.columns
    where table_schema = 'public' and table_name like 'shop\\_%' and is_generated = 'NEVER'
    group by table_name
    having bool_or(column_name = 'linked_account_id')`;
  // Referenced tables first (products before variants, orders before their lines and changes).
  const ORDER = [
    "shop_products",
    "shop_variants",
    "shop_collections",
    "shop_product_collections",
    "shop_customers",
    "shop_discount_codes",
    "shop_orders",
    "shop_order_lines",
    "shop_refunds",
    "shop_refund_lines",
  ];
  const rank = (name: string) => ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length;
  tables.sort((a, b) => rank(a.table_name) - rank(b.table_name));
  for (const { table_name, columns } of tables) {
    await owner.unsafe(
      `insert into ${table_name} (linked_account_id, ${columns})
       select $1, ${columns} from ${table_name} where linked_account_id = $2`,
      [id, from],
    );
  }
  // Its profile is cached, so the analysis never calls a Shopify that has no such shop.
  await owner`
    insert into cached_shopify_data (user_id, linked_account_id, data_key, data_value, expires_at)
    values (${userId}, ${id}, 'shop:profile', ${
    owner.json({
      name: "Alatar EU",
      email: "eu@example.com",
      myshopifyDomain: "alatar-eu.myshopify.com",
      currencyCode: "EUR",
      ianaTimezone: "America/New_York",
      billingAddress: { countryCodeV2: "DE" },
    })
  }, now() + interval '1 day')`;
  return id;
}

linkedStoreTest(
  "across all my stores: each store answered, money side by side in its currency, counts added",
  async ({ api, t, store, token, userId, accountId, waitForJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    const eu = await euroCopy(t.owner, userId, accountId);
    const week = weekBefore(TEST_TODAY);
    const submitted = await gql(api.app, SUBMIT, {
      prompt: "How many orders and net sales did I get last week across all my stores?",
    }, { token });
    const question = submitted.body.data.submitAnalysisRequest.analysisRequest;
    assert.equal(question.linkedAccountId, null, JSON.stringify(submitted.body));

    const done = await waitForRequest(t, api.app, token, question.id);
    assert.equal(done.status, "COMPLETED", JSON.stringify(done));
    const read = await gql(api.app, READ, { id: question.id }, { token });
    const request = read.body.data.analysisRequest;
    assert.deepEqual(
      request.storeAnswers.map((
        s: { linkedAccountId: string; status: string; result: { currency: string } },
      ) => [
        s.linkedAccountId,
        s.status,
        s.result.currency,
      ]),
      [[accountId, "COMPLETED", "USD"], [eu, "COMPLETED", "EUR"]],
    );

    // Expected from the dev store's raw orders (eval/expected.ts), not from the mirror's SQL.
    const expected = expectedSales(store.shop, week);
    const rows = request.result.visualizations.find((v: { type: string }) => v.type === "TABLE")
      .data.rows;
    assert.deepEqual(rows.map((r: Record<string, unknown>) => [r.store, r.currency, r.orders]), [
      [store.shop.domain, "USD", expected.orders],
      ["alatar-eu.myshopify.com", "EUR", expected.orders],
      ["All stores", null, expected.orders * 2],
    ]);
    assert.ok(Math.abs(rows[0].netSales - expected.netSales) < 0.01, `${rows[0].netSales}`);
    assert.ok(Math.abs(rows[1].netSales - expected.netSales) < 0.01, `${rows[1].netSales}`);
    assert.equal(rows[2].netSales, null, "dollars and euros are never added");
    assert.equal(request.result.currency, null);
    assert.match(request.result.summary, /sell in USD and EUR/);

    // One question in the merchant's history, not three.
    const list = await gql(api.app, LIST, {}, { token });
    assert.deepEqual(
      list.body.data.listAnalysisRequests.edges.map((e: { node: { id: string } }) => e.node.id),
      [
        question.id,
      ],
    );

    // A follow-up that names no store goes on across the same stores, with the same figures,
    // a week earlier (not "which store?", and not the question before this one).
    const followUp = (await gql(api.app, SUBMIT, {
      prompt: "and the week before?",
      conversation: question.conversationId,
    }, { token })).body.data.submitAnalysisRequest;
    assert.deepEqual(followUp.userErrors, []);
    assert.equal(followUp.analysisRequest.linkedAccountId, null, "a question across stores again");
    assert.equal(
      (await waitForRequest(t, api.app, token, followUp.analysisRequest.id)).status,
      "COMPLETED",
    );
    const earlier = (await gql(api.app, READ, { id: followUp.analysisRequest.id }, { token }))
      .body.data.analysisRequest;
    assert.deepEqual(
      earlier.storeAnswers.map((s: { linkedAccountId: string }) => s.linkedAccountId),
      [accountId, eu],
    );
    const weekEarlier = weekBefore(new Date(`${week.from}T00:00:00Z`));
    const expectedEarlier = expectedSales(store.shop, weekEarlier);
    const earlierRows =
      earlier.result.visualizations.find((v: { type: string }) => v.type === "TABLE").data.rows;
    assert.deepEqual(
      earlierRows.map((r: Record<string, unknown>) => [r.store, r.orders]),
      [
        [store.shop.domain, expectedEarlier.orders],
        ["alatar-eu.myshopify.com", expectedEarlier.orders],
        ["All stores", expectedEarlier.orders * 2],
      ],
    );
    assert.ok(Math.abs(earlierRows[0].netSales - expectedEarlier.netSales) < 0.01);
    // Proposals, if any, each name their store.
    for (const action of request.proposedActions) assert.ok(action.shop, JSON.stringify(action));

    // Another tenant can neither read it nor ask across these stores.
    const stranger = await signUp(api.app);
    const theirs = await gql(api.app, READ, { id: question.id }, { token: stranger.accessToken });
    assert.equal(theirs.body.data.analysisRequest, null);
    const foreign = await gql(api.app, SUBMIT, {
      prompt: "sales last week",
      ids: [accountId, eu],
    }, { token: stranger.accessToken });
    assert.equal(foreign.body.data.submitAnalysisRequest.userErrors[0].code, "NOT_FOUND");
  },
  { worker: true },
);
