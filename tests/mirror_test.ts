/** The store mirror: import, resume, webhooks, incremental sync, isolation. */
import { DEFAULT_SHOPIFY_API_VERSION } from "../config/config.ts";
import assert from "node:assert/strict";
import { restOrder } from "../devstore/rest_payloads.ts";
import { importStore } from "../mirror/import.ts";
import { syncChanges } from "../mirror/incremental.ts";
import { ensureFresh, MirrorNotReady, runSyncJob } from "../mirror/sync_job.ts";
import { costGaps, salesKpis } from "../metrics/sales.ts";
import { kpiScope } from "../metrics/scope.ts";
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

    // Every edit's and exchange's product sales, from the orders' sales agreements (which a
    // bulk operation cannot reach: they are asked for per edited or returned order).
    const changeSales = shop.orders.flatMap((o) => o.changes.flatMap((c) => c.sales));
    assert.ok(changeSales.length > 100);
    assert.equal(await count(env, "shop_line_changes"), changeSales.length);

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
        "ORDERS_CANCELLED",
        "ORDERS_CREATE",
        "ORDERS_EDITED",
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
  "an order edit and a cancellation reach the mirror through their webhooks, each on its own day",
  async (env) => {
    await env.waitForJob(SYNC_QUEUE);
    const { store, t, userId } = env;
    const order = store.shop.orders.findLast((o) =>
      !o.cancelledAt && !o.test && o.refunds.length === 0 && o.changes.length === 0
    )!;
    // The whole mirror's net sales, taxes and shipping, over every day.
    const totals = async () => {
      const [row] = await t.db.withTenant(
        userId,
        (tx) =>
          tx`select sum(gross - discount - returned)::float8 as net, sum(tax)::float8 as tax,
                  sum(shipping)::float8 as shipping, sum(units)::int as units
           from shop_sales_daily where product_id = 0`,
      );
      return row!;
    };
    const before = await totals();
    // What the order counts for now, from the dev store's own objects.
    const placed = {
      net: order.lineItems.reduce((s, l) => s + l.unitPrice * l.quantity - l.discount, 0),
      tax: order.tax,
      shipping: order.shipping,
    };

    // orders/edited carries no money: it queues a sync, which reads the order's agreements.
    const variant = store.shop.products[4]!.variants[0]!;
    const edited = env.nextJob(SYNC_QUEUE);
    await store.changes.editOrder(order.id, { add: { variantId: variant.id, quantity: 2 } });
    await edited;
    const rows = await t.db.withTenant(
      userId,
      (tx) =>
        tx`select kind, action, quantity, amount::float8, tax::float8 from shop_line_changes
         where order_id = ${order.id}`,
    );
    const addedTax = Math.round(variant.price * 2 * 0.0725 * 100) / 100;
    assert.deepEqual(rows.map((r) => ({ ...r })), [
      { kind: "edit", action: "ORDER", quantity: 2, amount: variant.price * 2, tax: addedTax },
    ]);
    const afterEdit = await totals();
    assert.equal(afterEdit.units - before.units, 2);
    assert.equal(Math.round((afterEdit.net - before.net) * 100) / 100, variant.price * 2);
    assert.equal(Math.round((afterEdit.tax - before.tax) * 100) / 100, addedTax);

    // Cancelled with its payment given back: orders/cancelled, refunds/create, orders/updated.
    const cancelled = env.nextJob(WEBHOOK_QUEUE, { count: 3 });
    await store.changes.cancelOrder(order.id, { refund: true });
    await cancelled;
    const [refund] = await t.db.withTenant(
      userId,
      (tx) =>
        tx`select r.shipping::float8, sum(rl.tax)::float8 as tax
         from shop_refunds r join shop_refund_lines rl on rl.refund_id = r.shopify_id
         where r.order_id = ${order.id} group by r.shipping`,
    );
    assert.equal(refund!.shipping, order.shipping, "the shipping refunded is its own column");
    assert.ok(refund!.tax > 0, "the refund's taxes are recorded");
    // Cancelled, the order nets to nothing: what it and its edit sold is all given back.
    const after = await totals();
    const round = (n: number) => Math.round(n * 100) / 100;
    assert.equal(round(after.net), round(before.net - placed.net));
    assert.equal(round(after.shipping), round(before.shipping - placed.shipping));
    // Taxes given back are those refunded (rounded per line) plus the cancellation's
    // remainder: to the cent, the order's taxes.
    assert.equal(round(after.tax), round(before.tax - placed.tax));
  },
  { worker: true },
);

linkedStoreTest(
  "odd orders from Shopify are mirrored as sent, flagged in the figures' provenance, never twice",
  async (env) => {
    const scope = { userId: env.userId, accountId: env.accountId };
    const { shop } = env.store;
    // A refund larger than its line, and a variant whose cost Shopify gives as negative.
    const over = shop.orders.findLast((o) => !o.cancelledAt && !o.test && o.changes.length === 0)!;
    const line = over.lineItems[0]!;
    over.refunds.push({
      id: over.id * 10 + 8,
      createdAt: over.createdAt,
      note: "goodwill",
      lines: [{ lineItemId: line.id, quantity: line.quantity, amount: 10_000, tax: 0 }],
      shipping: 0,
    });
    const product = shop.products.find((p) => p.id === line.productId)!;
    for (const v of product.variants) v.unitCost = -5;

    await importStore(env.deps, scope, { pollIntervalMs: 20 });
    const read = () =>
      env.t.db.withTenant(env.userId, (tx) =>
        tx`select o.data_flags,
                  (select count(*)::int from shop_refunds r where r.order_id = o.shopify_id) as refunds,
                  (select min(unit_cost)::float8 from shop_order_lines l where l.order_id = o.shopify_id) as cost
           from shop_orders o where o.shopify_id = ${over.id}`);
    const [row] = await read();
    assert.deepEqual(row!.data_flags, ["refund_exceeds_line"]);
    assert.equal(row!.refunds, over.refunds.length);
    assert.equal(row!.cost, -5, "the cost is kept as Shopify sent it");

    // A webhook with a currency that is no ISO 4217 code (REST is not held to GraphQL's enum).
    const strange = shop.orders.findLast((o) => o.id !== over.id && !o.test && !o.cancelledAt)!;
    await env.store.sendWebhook(`${env.deps.appUrl}/webhooks/shopify`, "orders/updated", {
      ...restOrder(shop, strange),
      currency: "ZZQ",
      updated_at: new Date(Date.now() + 1000).toISOString(),
    });
    const { processWebhook } = await import("../mirror/webhook_job.ts");
    const [delivery] = await env.t
      .owner`select data->>'webhookId' as id from pgboss.job_common where name = ${WEBHOOK_QUEUE}`;
    await processWebhook(
      { db: env.t.db, log: env.t.log, lookupKey: TEST_LOOKUP_KEY, boss: env.api.boss },
      delivery!.id,
    );
    const [currency] = await env.t.db.withTenant(
      env.userId,
      (tx) => tx`select data_flags from shop_orders where shopify_id = ${strange.id}`,
    );
    assert.deepEqual(currency!.data_flags, ["unknown_currency"]);

    // The figures of that day say so; the negative cost counts as none, and profit names it.
    const day = new Intl.DateTimeFormat("en-CA", { timeZone: shop.timezone }).format(
      new Date(over.createdAt),
    );
    const kpiScopeOf =
      (await env.t.db.withTenant(env.userId, (tx) => kpiScope(tx, env.userId, scope.accountId)))!;
    const figures = await env.t.db.withTenant(
      env.userId,
      (tx) => salesKpis(tx, kpiScopeOf, { range: { from: day, to: day } }),
    );
    assert.ok(figures.provenance.flagged, "the provenance does not say an order was odd");
    assert.ok(figures.provenance.flagged!.reasons.includes("refund_exceeds_line"));
    const gaps = await env.t.db.withTenant(
      env.userId,
      (tx) => costGaps(tx, kpiScopeOf, { from: day, to: day }),
    );
    assert.ok(gaps.products.some((p) => p.id === String(product.id)), "negative cost not named");

    // Synced again: nothing is written twice.
    over.updatedAt = new Date(Date.now() + 1000).toISOString();
    await syncChanges(env.deps, scope, { pollIntervalMs: 20 });
    const [again] = await read();
    assert.equal(again!.refunds, over.refunds.length);
    assert.deepEqual(again!.data_flags, ["refund_exceeds_line"]);
  },
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
      await processWebhook({
        db: env.t.db,
        log: env.t.log,
        lookupKey: TEST_LOOKUP_KEY,
        boss: env.api.boss,
      }, id);
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
    await processWebhook({
      db: env.t.db,
      log: env.t.log,
      lookupKey: TEST_LOOKUP_KEY,
      boss: env.api.boss,
    }, redact!.id);
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
