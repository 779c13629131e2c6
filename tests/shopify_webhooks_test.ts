/** Webhooks from the dev store: verified, deduplicated, acknowledged, then processed by the job. */
import assert from "node:assert/strict";
import { freePort } from "../db/embedded.ts";
import { SHOP_DOMAIN } from "../devstore/seed.ts";
import { createDevStore, type DevStore } from "../devstore/server.ts";
import { signWebhook } from "../shopify/signatures.ts";
import { processWebhook } from "../mirror/webhook_job.ts";
import { createTestApi, TEST_LOOKUP_KEY, TEST_SHOPIFY_APP, type TestApi } from "./helpers/api.ts";
import { createUser, dbTest, type TestDatabase } from "./helpers/test_db.ts";

interface Env {
  api: TestApi;
  store: DevStore;
  t: TestDatabase;
  url: string;
}

function webhookTest(name: string, fn: (env: Env) => Promise<void>) {
  dbTest(name, async (t) => {
    const store = createDevStore({
      app: TEST_SHOPIFY_APP,
      today: new Date("2026-11-22T00:00:00Z"),
    });
    const api = await createTestApi(t);
    const port = freePort();
    const server = Deno.serve({ port, hostname: "127.0.0.1", onListen: () => {} }, api.app.fetch);
    try {
      await fn({ api, store, t, url: `http://127.0.0.1:${port}/webhooks/shopify` });
    } finally {
      await server.shutdown();
      await api.close();
    }
  });
}

/** A user with the demo shop linked (and some cached data for it). */
async function linkedUser(t: TestDatabase) {
  const userId = await createUser(t.db);
  const accountId = await t.db.withTenant(userId, async (tx) => {
    const [row] = await tx`
      insert into linked_accounts (user_id, provider, account_identifier, encrypted_access_token,
                                   encrypted_refresh_token, scopes)
      values (${userId}, 'shopify', ${SHOP_DOMAIN}, '\\x01', '\\x02', '{read_orders}') returning id`;
    await tx`insert into cached_shopify_data (user_id, linked_account_id, data_key, data_value, expires_at)
             values (${userId}, ${row!.id}, 'orders:2026-11', '{}', now() + interval '1 hour')`;
    return row!.id as string;
  });
  return { userId, accountId };
}

/** Queued webhook jobs in the order they were delivered. */
async function jobsFor(t: TestDatabase): Promise<string[]> {
  const rows = await t
    .owner`select data->>'webhookId' as id from pgboss.job_common where name = 'shopify.webhook'
                               order by created_on, id`;
  return rows.map((r) => r.id);
}

webhookTest(
  "app/uninstalled revokes every account linking the shop and deletes its tokens",
  async ({ api, store, t, url }) => {
    const a = await linkedUser(t);
    const b = await linkedUser(t);
    const res = await store.sendWebhook(url, "app/uninstalled", { id: 1, domain: SHOP_DOMAIN });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { received: true, duplicate: false });
    const [webhookId] = await jobsFor(t);
    assert.deepEqual(
      await processWebhook(
        { db: api.services.db, log: t.log, lookupKey: TEST_LOOKUP_KEY, boss: api.boss },
        webhookId!,
      ),
      {
        topic: "app/uninstalled",
        accounts: 2,
      },
    );
    for (const { userId } of [a, b]) {
      const [row] = await t.db.withTenant(
        userId,
        (tx) =>
          tx`select status, encrypted_access_token, encrypted_refresh_token from linked_accounts`,
      );
      assert.deepEqual({ ...row }, {
        status: "revoked",
        encrypted_access_token: null,
        encrypted_refresh_token: null,
      });
    }
    const [delivery] = await t.owner`select processed_at, payload from shopify_webhook_deliveries`;
    assert.ok(delivery!.processed_at);
    assert.equal(delivery!.payload, null);
    // Idempotent: a second run of the same job changes nothing.
    assert.equal(
      await processWebhook(
        { db: api.services.db, log: t.log, lookupKey: TEST_LOOKUP_KEY, boss: api.boss },
        webhookId!,
      ),
      null,
    );
  },
);

webhookTest(
  "a forged, tampered or unsigned webhook gets 401 and stores nothing",
  async ({ t, url }) => {
    const body = new TextEncoder().encode(JSON.stringify({ id: 1 }));
    const headers = (hmac: string | null) => ({
      "content-type": "application/json",
      "x-shopify-topic": "app/uninstalled",
      "x-shopify-shop-domain": SHOP_DOMAIN,
      "x-shopify-webhook-id": crypto.randomUUID(),
      ...(hmac ? { "x-shopify-hmac-sha256": hmac } : {}),
    });
    const attempts = [
      { body, hmac: signWebhook(body, "not the app secret") },
      {
        body: new TextEncoder().encode(JSON.stringify({ id: 2 })),
        hmac: signWebhook(body, TEST_SHOPIFY_APP.apiSecret),
      },
      { body, hmac: null },
    ];
    for (const attempt of attempts) {
      const res = await fetch(url, {
        method: "POST",
        headers: headers(attempt.hmac),
        body: attempt.body,
      });
      assert.equal(res.status, 401);
      assert.equal((await res.json()).error.code, "UNAUTHORIZED");
    }
    const [row] = await t.owner`select count(*)::int as n from shopify_webhook_deliveries`;
    assert.equal(row!.n, 0);
    assert.deepEqual(await jobsFor(t), []);
  },
);

webhookTest(
  "a redelivered webhook is acknowledged once and processed once",
  async ({ store, t, url }) => {
    const webhookId = crypto.randomUUID();
    for (let i = 0; i < 3; i++) {
      const res = await store.sendWebhook(url, "customers/data_request", { customer: { id: 7 } }, {
        webhookId,
      });
      assert.equal(res.status, 200);
      assert.equal((await res.json()).duplicate, i > 0);
    }
    assert.deepEqual(await jobsFor(t), [webhookId]);
  },
);

webhookTest(
  "shop/redact deletes the account and its cached data, is audited, and spares the user's other store",
  async ({ api, store, t, url }) => {
    const { userId } = await linkedUser(t);
    // The same merchant's second store, with its cache, an analysis and an insight.
    const other = await t.db.withTenant(userId, async (tx) => {
      const [row] = await tx`
        insert into linked_accounts (user_id, provider, account_identifier, encrypted_access_token,
                                     scopes)
        values (${userId}, 'shopify', 'alatar-eu.myshopify.com', '\\x03', '{read_orders}')
        returning id`;
      await tx`insert into cached_shopify_data (user_id, linked_account_id, data_key, data_value,
                 expires_at)
               values (${userId}, ${row!.id}, 'orders:2026-11', '{}', now() + interval '1 hour')`;
      const [request] = await tx`insert into analysis_requests (user_id, linked_account_id, prompt)
        values (${userId}, ${row!.id}, 'sales last week') returning id`;
      await tx`insert into insights (user_id, linked_account_id, kind, cause, severity, title,
                 summary, period_from, period_to, analysis_request_id)
               values (${userId}, ${row!.id}, 'anomaly', 'netSales:down', 'warning', 'Sales fell',
                 'Sales fell.', '2026-12-01', '2026-12-01', ${request!.id})`;
      return row!.id as string;
    });
    await store.sendWebhook(url, "shop/redact", { shop_id: 1, shop_domain: SHOP_DOMAIN });
    const [webhookId] = await jobsFor(t);
    await processWebhook(
      { db: api.services.db, log: t.log, lookupKey: TEST_LOOKUP_KEY, boss: api.boss },
      webhookId!,
    );
    const remaining = await t.db.withTenant(userId, async (tx) => ({
      accounts: (await tx`select id from linked_accounts`).map((r) => r.id),
      cache: (await tx`select linked_account_id from cached_shopify_data`).map((r) =>
        r.linked_account_id
      ),
      requests: (await tx`select linked_account_id from analysis_requests`).map((r) =>
        r.linked_account_id
      ),
      insights: (await tx`select linked_account_id from insights`).map((r) => r.linked_account_id),
      audit: (await tx`select details from audit_log where action = 'shopify.shop_redacted'`).map((
        r,
      ) => r.details),
    }));
    assert.deepEqual(remaining, {
      accounts: [other],
      cache: [other],
      requests: [other],
      insights: [other],
      audit: [{ cached_rows_deleted: 1 }],
    });
  },
);

webhookTest(
  "customers/redact and customers/data_request are carried out and recorded",
  async ({ api, store, t, url }) => {
    const { userId, accountId } = await linkedUser(t);
    // The mirror holds the customer and two of their orders.
    await t.db.withTenant(userId, async (tx) => {
      await tx`insert into shop_customers (user_id, linked_account_id, shopify_id, email_hash,
                 created_at, shopify_updated_at)
               values (${userId}, ${accountId}, 42, '\\x01', now(), now())`;
      for (const id of [1001, 1002]) {
        await tx`insert into shop_orders (user_id, linked_account_id, shopify_id, name, created_at,
                   shopify_updated_at, currency, presentment_currency, customer_id, subtotal,
                   total_discounts, total_shipping, total_tax, total_price, total_refunded,
                   presentment_total_price)
                 values (${userId}, ${accountId}, ${id}, ${
          "#" + id
        }, now(), now(), 'USD', 'USD', 42,
                   10, 0, 0, 0, 10, 0, 10)`;
      }
    });
    await store.sendWebhook(url, "customers/data_request", {
      shop_domain: SHOP_DOMAIN,
      customer: { id: 42, email: "ann@example.com" },
      orders_requested: [1001, 1002],
    });
    await store.sendWebhook(url, "customers/redact", {
      shop_domain: SHOP_DOMAIN,
      customer: { id: 42, email: "ann@example.com" },
      orders_to_redact: [1001],
    });
    for (const webhookId of await jobsFor(t)) {
      await processWebhook({
        db: api.services.db,
        log: t.log,
        lookupKey: TEST_LOOKUP_KEY,
        boss: api.boss,
      }, webhookId);
    }
    const audit = await t.db.withTenant(
      userId,
      (tx) =>
        tx`select action, details from audit_log where action like 'shopify.customer%' order by id`,
    );
    assert.deepEqual(
      audit.map((r) => r.action),
      ["shopify.customer_data_requested", "shopify.customer_redacted"],
    );
    assert.deepEqual(audit[0]!.details, {
      customer_id: 42,
      orders: [1001, 1002],
      held: { mirrored_customer_records: 1, mirrored_orders: 2, cached_query_results_for_shop: 1 },
    });
    assert.deepEqual(audit[1]!.details, {
      customer_id: 42,
      orders: [1001],
      cached_rows_deleted: 1,
      mirrored_customers_deleted: 1,
      mirrored_orders_unlinked: 2,
    });
    const left = await t.db.withTenant(
      userId,
      (tx) =>
        tx`select (select count(*)::int from shop_customers) as customers,
                (select count(*)::int from shop_orders where customer_id is not null) as linked,
                (select count(*)::int from shop_orders) as orders`,
    );
    assert.deepEqual({ ...left[0] }, { customers: 0, linked: 0, orders: 2 });
    // No customer e-mail is written anywhere we keep.
    const [leak] = await t
      .owner`select count(*)::int as n from audit_log where details::text like '%ann@example.com%'`;
    assert.equal(leak!.n, 0);
    const [payloads] = await t
      .owner`select count(*)::int as n from shopify_webhook_deliveries where payload is not null`;
    assert.equal(payloads!.n, 0);
  },
);

webhookTest(
  "a mirror webhook whose body is not an order is acknowledged once, not retried",
  async ({ api, store, t, url }) => {
    const { userId } = await linkedUser(t);
    const res = await store.sendWebhook(url, "orders/updated", { id: "not-a-number", name: 7 });
    assert.equal(res.status, 200);
    const [webhookId] = await jobsFor(t);
    assert.deepEqual(
      await processWebhook(
        { db: api.services.db, log: t.log, lookupKey: TEST_LOOKUP_KEY, boss: api.boss },
        webhookId!,
      ),
      { topic: "orders/updated", accounts: 1 },
    );
    const orders = await t.db.withTenant(userId, (tx) => tx`select 1 from shop_orders`);
    assert.equal(orders.length, 0);
    const [left] = await t.owner`select processed_at from shopify_webhook_deliveries`;
    assert.ok(left!.processed_at, "the delivery is done with");
  },
);
