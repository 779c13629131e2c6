/** The store mirror: import, resume, webhooks, incremental sync, isolation. */
import { DEFAULT_SHOPIFY_API_VERSION } from "../config/config.ts";
import assert from "node:assert/strict";
import { restOrder } from "../devstore/rest_payloads.ts";
import { importStore } from "../mirror/import.ts";
import { syncChanges } from "../mirror/incremental.ts";
import { ensureFresh, MirrorNotReady, runSyncJob } from "../mirror/sync_job.ts";
import { cachedShopifyQuery } from "../mirror/query_cache.ts";
import { SYNC_QUEUE } from "../mirror/sync_queue.ts";
import { contactHash } from "../mirror/upsert_customers.ts";
import { createAdminClient } from "../shopify/admin_client.ts";
import { credentialsFor } from "../shopify/credentials.ts";
import { ordersBetween } from "../shopify/queries.ts";
import { WEBHOOK_QUEUE } from "../shopify/webhooks.ts";
import { gql, TEST_LOOKUP_KEY } from "./helpers/api.ts";
import { type LinkedStore, linkedStoreTest, TEST_TODAY } from "./helpers/linked_store.ts";
import { createUser } from "./helpers/test_db.ts";

// Paging a month of orders is hundreds of requests; a generous bucket keeps the test quick
// without changing what is returned.
const FAST_BUCKET = { maximum: 100_000, restoreRate: 100_000 };
const DAY = 86_400_000;

const count = async (env: LinkedStore, table: string, userId = env.userId) => {
  const [row] = await env.t.db.withTenant(
    userId,
    (tx) => tx`select count(*)::int as n from ${tx(table)}`,
  );
  return row!.n as number;
};

linkedStoreTest(
  "linking imports the whole store in the background; it matches what the Admin API pages",
  async (env) => {
    const { store, t, userId, accountId } = env;
    const listed = await gql(env.api.app, `{ linkedAccounts { syncStatus } }`, {}, {
      token: env.token,
    });
    assert.equal(listed.body.data.linkedAccounts[0].syncStatus, "SYNCING");

    const run = await env.waitForJob(SYNC_QUEUE);
    assert.equal(run.outcome, "completed", String(run.error));

    const shop = store.shop;
    assert.equal(await count(env, "shop_orders"), shop.orders.length);
    assert.equal(await count(env, "shop_products"), shop.products.length);
    assert.equal(
      await count(env, "shop_variants"),
      shop.products.reduce((n, p) => n + p.variants.length, 0),
    );
    assert.equal(await count(env, "shop_customers"), shop.customers.length);
    assert.equal(await count(env, "shop_collections"), shop.collections.length);
    assert.equal(
      await count(env, "shop_refunds"),
      shop.orders.reduce((n, o) => n + o.refunds.length, 0),
    );
    assert.equal(await count(env, "shop_discount_codes"), shop.discounts.length);
    // The shop's profile: its calendar's timezone, currency and country (the date order).
    const [profile] = await env.t.db.withTenant(
      env.userId,
      (tx) => tx`select shop_timezone, shop_currency, shop_country from store_sync_state`,
    );
    assert.deepEqual({ ...profile }, {
      shop_timezone: shop.timezone,
      shop_currency: shop.currency,
      shop_country: "US",
    });
    assert.equal(
      await count(env, "shop_order_lines"),
      shop.orders.reduce((n, o) => n + o.lineItems.length, 0),
    );

    // Per day, over the last month, the mirror holds exactly what paging the API returns.
    const credentials = await credentialsFor(env.api.services, userId, accountId);
    const client = createAdminClient({
      shop: credentials.shop,
      accessToken: () => credentials.accessToken,
      adminBaseUrl: env.deps.shopify.adminBaseUrl,
      apiVersion: DEFAULT_SHOPIFY_API_VERSION,
      log: t.log,
    });
    const from = new Date(TEST_TODAY.getTime() - 30 * DAY).toISOString();
    const paged = new Map<string, { orders: number; total: number; refunded: number }>();
    for await (const order of ordersBetween(client, { from })) {
      const day = order.createdAt.slice(0, 10);
      const entry = paged.get(day) ?? { orders: 0, total: 0, refunded: 0 };
      entry.orders++;
      entry.total += Number(order.totalPriceSet.shopMoney.amount);
      entry.refunded += Number(order.totalRefundedSet.shopMoney.amount);
      paged.set(day, entry);
    }
    const mirrored = await t.db.withTenant(
      userId,
      (tx) =>
        tx<{ day: string; orders: number; total: string; refunded: string }[]>`
        select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') as day, count(*)::int as orders,
               sum(total_price)::text as total, sum(total_refunded)::text as refunded
        from shop_orders where created_at >= ${from} group by 1 order by 1`,
    );
    assert.ok(mirrored.length >= 30, `only ${mirrored.length} days mirrored`);
    assert.deepEqual(
      mirrored.map((
        r,
      ) => [r.day, r.orders, Number(r.total).toFixed(2), Number(r.refunded).toFixed(2)]),
      [...paged.entries()].sort().map((
        [day, p],
      ) => [day, p.orders, p.total.toFixed(2), p.refunded.toFixed(2)]),
    );

    // Webhooks for the mirror were registered at our address.
    assert.deepEqual(
      store.webhooks.map((w) => w.topic).sort(),
      [
        "APP_UNINSTALLED",
        "CUSTOMERS_UPDATE",
        "ORDERS_CREATE",
        "ORDERS_UPDATED",
        "PRODUCTS_UPDATE",
        "REFUNDS_CREATE",
      ],
    );
    assert.ok(store.webhooks.every((w) => w.uri === `${env.deps.appUrl}/webhooks/shopify`));

    // Customers are kept without their e-mail: a keyed hash matches what a merchant types.
    const customer = shop.customers[0]!;
    const [found] = await t.db.withTenant(userId, (tx) =>
      tx`select shopify_id from shop_customers
         where email_hash = ${
        contactHash(TEST_LOOKUP_KEY, "email", ` ${customer.email.toUpperCase()}`)
      }`);
    assert.equal(String(found!.shopify_id), String(customer.id));
    const [kept] = await t.owner`select count(*)::int as n,
      count(*) filter (where octet_length(email_hash) = 32)::int as hashed from shop_customers`;
    assert.equal(kept!.hashed, kept!.n, "every e-mail is kept as a 32-byte hash, nothing else");

    const after = await gql(
      env.api.app,
      `{ linkedAccounts { syncStatus lastSyncedAt mirror { orders products customers refunds discountCodes } } }`,
      {},
      { token: env.token },
    );
    const account = after.body.data.linkedAccounts[0];
    assert.equal(account.syncStatus, "READY");
    assert.ok(Date.now() - Date.parse(account.lastSyncedAt) < 60_000);
    assert.deepEqual(account.mirror, {
      orders: shop.orders.length,
      products: shop.products.length,
      customers: shop.customers.length,
      refunds: shop.orders.reduce((n, o) => n + o.refunds.length, 0),
      discountCodes: shop.discounts.length,
    });
  },
  { worker: true, bucket: FAST_BUCKET },
);

linkedStoreTest(
  "an import that crashes mid-way resumes where it stopped, without duplicates",
  async (env) => {
    const crash = new Error("worker killed");
    await assert.rejects(
      importStore(env.deps, { userId: env.userId, accountId: env.accountId }, {
        pollIntervalMs: 20,
        afterBatch: (resource, committed) => {
          if (resource === "orders" && committed >= 1000) throw crash;
        },
      }),
      crash,
    );
    assert.equal(await count(env, "shop_orders"), 1000);
    await assert.rejects(
      ensureFresh(env.deps, { userId: env.userId, accountId: env.accountId }, 60_000),
      MirrorNotReady,
    );
    const listed = await gql(env.api.app, `{ linkedAccounts { syncStatus } }`, {}, {
      token: env.token,
    });
    assert.equal(listed.body.data.linkedAccounts[0].syncStatus, "SYNCING");

    const report = await importStore(env.deps, { userId: env.userId, accountId: env.accountId }, {
      pollIntervalMs: 20,
    });
    assert.equal(report.resumedFrom.orders, 1000);
    assert.equal(report.written.orders, env.store.shop.orders.length - 1000);
    assert.equal(report.written.products, undefined, "finished resources are not imported again");
    assert.equal(await count(env, "shop_orders"), env.store.shop.orders.length);
    assert.equal(
      await count(env, "shop_order_lines"),
      env.store.shop.orders.reduce((n, o) => n + o.lineItems.length, 0),
    );
    const again = await gql(env.api.app, `{ linkedAccounts { syncStatus } }`, {}, {
      token: env.token,
    });
    assert.equal(again.body.data.linkedAccounts[0].syncStatus, "READY");
  },
);

linkedStoreTest(
  "a stopping worker ends an import before its next batch; the sync is not failed and resumes",
  async (env) => {
    const scope = { userId: env.userId, accountId: env.accountId };
    const stopping = new AbortController();
    const reason = new DOMException("The process is stopping", "AbortError");
    await assert.rejects(
      importStore(env.deps, scope, {
        pollIntervalMs: 20,
        signal: stopping.signal,
        afterBatch: (resource, committed) => {
          if (resource === "orders" && committed >= 1000) stopping.abort(reason);
        },
      }),
      (error) => error === reason,
    );
    assert.equal(await count(env, "shop_orders"), 1000, "the batch in hand was not written");

    // The job's way: an interrupted run fails the job (for its retry) without failing the sync.
    const job = { ...scope, mode: "import" as const };
    await assert.rejects(runSyncJob(env.deps, job, 0, stopping.signal), (e) => e === reason);
    const [state] = await env.t.owner<{ sync_status: string; last_error: string | null }[]>`
      select a.sync_status, s.last_error from linked_accounts a
      join store_sync_state s on s.linked_account_id = a.id where a.id = ${env.accountId}`;
    assert.deepEqual({ ...state }, { sync_status: "syncing", last_error: null });

    const report = await runSyncJob(env.deps, job, 1);
    assert.ok("resumedFrom" in report, JSON.stringify(report));
    assert.equal(report.resumedFrom.orders, 1000);
    assert.equal(await count(env, "shop_orders"), env.store.shop.orders.length);
  },
);

linkedStoreTest(
  "webhooks keep the mirror current, and a late delivery of an older version changes nothing",
  async (env) => {
    await env.waitForJob(SYNC_QUEUE);
    const { store, t, userId } = env;
    const order = store.shop.orders.at(-1)!;
    const before = structuredClone(restOrder(store.shop, order));

    const cancellation = env.nextJob(WEBHOOK_QUEUE);
    await store.changes.updateOrder(order.id, (o) => {
      o.cancelledAt = new Date().toISOString();
      o.cancelReason = "customer";
    });
    await cancellation;
    const read = () =>
      t.db.withTenant(
        userId,
        (tx) =>
          tx`select cancelled_at, shopify_updated_at from shop_orders where shopify_id = ${order.id}`,
      );
    const [cancelled] = await read();
    assert.ok(cancelled!.cancelled_at, "the cancellation did not reach the mirror");

    // Shopify does not promise order: the version from before the cancellation arrives last.
    const lateRun = env.nextJob(WEBHOOK_QUEUE);
    const late = await store.sendWebhook(
      `${env.deps.appUrl}/webhooks/shopify`,
      "orders/updated",
      before,
    );
    assert.equal(late.status, 200);
    await lateRun;
    const [still] = await read();
    assert.ok(still!.cancelled_at, "an older delivery rolled the order back");
    assert.equal(still!.shopify_updated_at.getTime(), cancelled!.shopify_updated_at.getTime());

    // A refund, a new order, a product and a customer change, each through its own webhook.
    const line = order.lineItems[0]!;
    const fiveMore = env.nextJob(WEBHOOK_QUEUE, { count: 5 });
    await store.changes.refundLine(order.id, line.id, 1);
    const placed = await store.changes.placeOrder({
      variantId: store.shop.products[3]!.variants[0]!.id,
      quantity: 2,
    });
    await store.changes.updateProduct(store.shop.products[3]!.id, (p) => {
      p.title = "Renamed in Shopify";
    });
    await store.changes.updateCustomer(store.shop.customers[0]!.id, (c) => {
      c.tags = ["vip"];
    });
    await fiveMore;
    const [state] = await t.db.withTenant(userId, (tx) =>
      tx`select
          (select count(*)::int from shop_refunds where order_id = ${order.id}) as refunds,
          (select count(*)::int from shop_orders where shopify_id = ${placed.id}) as placed,
          (select title from shop_products where shopify_id = ${
        store.shop.products[3]!.id
      }) as title,
          (select seo_title from shop_products where shopify_id = ${
        store.shop.products[3]!.id
      }) as seo,
          (select tags from shop_customers where shopify_id = ${
        store.shop.customers[0]!.id
      }) as tags,
          (select count(*)::int from shop_variants where product_id = ${store.shop.products[3]!.id}
             and unit_cost is not null) as costed`);
    assert.equal(state!.refunds, order.refunds.length);
    assert.equal(state!.placed, 1);
    assert.equal(state!.title, "Renamed in Shopify");
    assert.equal(state!.seo, store.shop.products[3]!.seo.title, "REST carries no SEO: kept");
    assert.equal(state!.costed, store.shop.products[3]!.variants.length, "unit cost kept");
    assert.deepEqual(state!.tags, ["vip"]);
  },
  { worker: true },
);

linkedStoreTest(
  "incremental sync picks up 100 orders changed while no webhook arrived",
  async (env) => {
    const scope = { userId: env.userId, accountId: env.accountId };
    await importStore(env.deps, scope, { pollIntervalMs: 20 });
    // Changed in Shopify without webhooks (missed deliveries): only paging can find them.
    const recent = env.store.shop.orders.slice(-100);
    for (const order of recent) {
      order.cancelledAt = new Date().toISOString();
      order.updatedAt = new Date(Date.now() + 1000).toISOString();
    }
    const report = await syncChanges(env.deps, scope, { pollIntervalMs: 20 });
    assert.ok(report.orders >= 100, `${report.orders} orders synced`);
    const [row] = await env.t.db.withTenant(
      env.userId,
      (tx) =>
        tx`select count(*)::int as n from shop_orders
         where cancelled_at is not null and shopify_id in ${tx(recent.map((o) => o.id))}`,
    );
    assert.equal(row!.n, 100);
    assert.equal(report.discountCodes, env.store.shop.discounts.length);

    // Later (the watermark moves past the overlap), a handful of changes is paged.
    await env.t
      .owner`update store_sync_state set orders_synced_through = now() + interval '3 minutes'`;
    const few = env.store.shop.orders.slice(0, 3);
    for (const order of few) {
      order.note = "gift wrap";
      order.cancelledAt = new Date().toISOString();
      order.updatedAt = new Date(Date.now() + 5 * 60_000).toISOString();
    }
    const small = await syncChanges(env.deps, scope);
    assert.equal(small.orders, 3);
    // Counting, two pages of three orders, the other resources' counts and discount codes;
    // no bulk operation (which would add a run and polls).
    assert.ok(small.requests <= 8, `${small.requests} requests`);

    // Before an analysis: a mirror older than the TTL is synced first, a fresh one is not.
    await env.t.owner`update linked_accounts set last_synced_at = now() - interval '2 hours'`;
    const stale = await ensureFresh(env.deps, scope, 60 * 60_000);
    assert.equal(stale.refreshed, true);
    const fresh = await ensureFresh(env.deps, scope, 60 * 60_000);
    assert.equal(fresh.refreshed, false);
    const [paged] = await env.t.db.withTenant(
      env.userId,
      (tx) =>
        tx`select count(*)::int as n from shop_orders
         where cancelled_at is not null and shopify_id in ${tx(few.map((o) => o.id))}`,
    );
    assert.equal(paged!.n, 3);
  },
  { bucket: FAST_BUCKET },
);

linkedStoreTest(
  "an uninstalled store stops syncing, and shop/redact deletes its mirror",
  async (env) => {
    const scope = { userId: env.userId, accountId: env.accountId };
    await importStore(env.deps, scope, { pollIntervalMs: 20 });
    env.store.tokens.revokeShop(env.store.shop.domain);
    await env.store.sendWebhook(`${env.deps.appUrl}/webhooks/shopify`, "app/uninstalled", {
      id: 1,
      domain: env.store.shop.domain,
    });
    await env.store.sendWebhook(
      `${env.deps.appUrl}/webhooks/shopify`,
      "orders/updated",
      restOrder(env.store.shop, env.store.shop.orders[0]!),
    );
    const { processWebhook } = await import("../mirror/webhook_job.ts");
    const ids = await env.t
      .owner`select data->>'webhookId' as id from pgboss.job_common where name = ${WEBHOOK_QUEUE} order by created_on`;
    for (const { id } of ids) {
      await processWebhook({ db: env.t.db, log: env.t.log, lookupKey: TEST_LOOKUP_KEY }, id);
    }
    const result = await runSyncJob(env.deps, { ...scope, mode: "changes" }, 0);
    assert.ok("skipped" in result, "a revoked store was synced");
    const listed = await gql(
      env.api.app,
      `{ linkedAccounts { status syncStatus syncError } }`,
      {},
      {
        token: env.token,
      },
    );
    assert.deepEqual(listed.body.data.linkedAccounts[0].status, "REVOKED");
    assert.deepEqual(listed.body.data.linkedAccounts[0].syncStatus, "FAILED");
    assert.match(listed.body.data.linkedAccounts[0].syncError, /Link it again/);

    await env.store.sendWebhook(`${env.deps.appUrl}/webhooks/shopify`, "shop/redact", {
      shop_id: 1,
      shop_domain: env.store.shop.domain,
    });
    const [redact] = await env.t
      .owner`select data->>'webhookId' as id from pgboss.job_common where name = ${WEBHOOK_QUEUE}
           order by created_on desc limit 1`;
    await processWebhook({ db: env.t.db, log: env.t.log, lookupKey: TEST_LOOKUP_KEY }, redact!.id);
    for (const table of ["shop_orders", "shop_order_lines", "shop_customers", "shop_products"]) {
      const [left] = await env.t.owner`select count(*)::int as n from ${env.t.owner(table)}`;
      assert.equal(left!.n, 0, `${table} kept rows after shop/redact`);
    }
  },
  { bucket: FAST_BUCKET },
);

linkedStoreTest("another tenant sees nothing of the mirror", async (env) => {
  await importStore(env.deps, { userId: env.userId, accountId: env.accountId }, {
    pollIntervalMs: 20,
  });
  const other = await createUser(env.t.db);
  for (
    const table of [
      "shop_orders",
      "shop_order_lines",
      "shop_refunds",
      "shop_products",
      "shop_variants",
      "shop_customers",
      "shop_discount_codes",
      "store_sync_state",
    ]
  ) {
    assert.ok(await count(env, table) > 0, `${table} is empty for its owner`);
    assert.equal(await count(env, table, other), 0, `${table} leaks to another tenant`);
  }
});

linkedStoreTest(
  "reads the mirror does not hold are cached per account for their TTL",
  async (env) => {
    const scope = { userId: env.userId, accountId: env.accountId };
    let fetched = 0;
    const report = () => Promise.resolve({ rows: [[++fetched]] });
    const first = await cachedShopifyQuery(env.t.db, scope, "shopifyql:sales by hour", report);
    const second = await cachedShopifyQuery(env.t.db, scope, "shopifyql:sales by hour", report);
    assert.deepEqual([first.cached, second.cached, fetched], [false, true, 1]);
    assert.deepEqual(second.value, { rows: [[1]] });
    await env.t.owner`update cached_shopify_data set expires_at = now() - interval '1 second'`;
    const third = await cachedShopifyQuery(env.t.db, scope, "shopifyql:sales by hour", report);
    assert.deepEqual([third.cached, third.value], [false, { rows: [[2]] }]);
    const other = await createUser(env.t.db);
    assert.equal(await count(env, "cached_shopify_data", other), 0);
  },
);
