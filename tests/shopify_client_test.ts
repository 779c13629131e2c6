/** The Admin API client against the local dev store, throttle and faults included. */
import assert from "node:assert/strict";
import { DEFAULT_SHOPIFY_API_VERSION } from "../config/config.ts";
import { createAdminApiClient } from "@shopify/admin-api-client";
import { freePort } from "../db/embedded.ts";
import { ORDER_WINDOW_DAYS } from "../devstore/admin_api.ts";
import { SHOP_DOMAIN } from "../devstore/seed.ts";
import { createDevStore, type DevStore, devStoreBaseUrl } from "../devstore/server.ts";
import { createLogger } from "../log/logger.ts";
import { type AdminClient, createAdminClient, ShopifyApiError } from "../shopify/admin_client.ts";
import { runBulkQuery, streamJsonl } from "../shopify/bulk.ts";
import {
  allCustomers,
  allProducts,
  CUSTOMERS_QUERY,
  fetchShop,
  ORDER_AGREEMENTS_QUERY,
  ORDERS_QUERY,
  ordersBetween,
  PRODUCTS_QUERY,
} from "../shopify/queries.ts";

const today = new Date();
const TOKEN = "shpat_dev_store_test_token";
const ORDERS = `query($after: String) { orders(first: 50, after: $after) {
  nodes { id name } pageInfo { hasNextPage endCursor } } }`;

async function withStore(
  fn: (
    store: DevStore,
    client: (options?: { timeoutMs?: number; scopes?: string[] }) => AdminClient,
  ) => Promise<void>,
  bucket?: { maximum: number; restoreRate: number },
) {
  const store = createDevStore({ app: { apiKey: "k", apiSecret: "s" }, today, bucket });
  const port = freePort();
  const server = Deno.serve({ port, hostname: "127.0.0.1", onListen: () => {} }, store.fetch);
  const client = (options: { timeoutMs?: number; scopes?: string[] } = {}) => {
    store.tokens.accessTokens.set(TOKEN, {
      shop: SHOP_DOMAIN,
      scopes: options.scopes ?? ["read_orders", "read_products", "read_customers"],
      expiresAt: null,
    });
    return createAdminClient({
      shop: SHOP_DOMAIN,
      accessToken: () => TOKEN,
      adminBaseUrl: devStoreBaseUrl(port),
      apiVersion: DEFAULT_SHOPIFY_API_VERSION,
      log: createLogger({ level: "error" }),
      retryBaseMs: 10,
      timeoutMs: options.timeoutMs,
    });
  };
  try {
    await fn(store, client);
  } finally {
    await server.shutdown();
  }
}

function ordersInWindow(store: DevStore) {
  const since = Date.now() - ORDER_WINDOW_DAYS * 86_400_000;
  return store.shop.orders.filter((o) => Date.parse(o.createdAt) >= since).map((o) =>
    `gid://shopify/Order/${o.id}`
  );
}

Deno.test("paging returns every order in the 60-day window exactly once", async () => {
  await withStore(async (store, client) => {
    const ids: string[] = [];
    for await (const order of client().paginate(ORDERS, {}, (d: { orders: never }) => d.orders)) {
      ids.push((order as { id: string }).id);
    }
    const expected = ordersInWindow(store);
    assert.ok(expected.length > 1000, `${expected.length} orders in the window`);
    assert.equal(ids.length, expected.length);
    assert.deepEqual(new Set(ids), new Set(expected));
  }, { maximum: 100_000, restoreRate: 100_000 });
});

Deno.test("under a tight bucket the client paces itself: never THROTTLED twice in a row", async () => {
  await withStore(async (store, client) => {
    const api = client();
    let count = 0;
    for await (const _ of api.paginate(ORDERS, {}, (d: { orders: never }) => d.orders)) count++;
    assert.equal(count, ordersInWindow(store).length);
    assert.ok(api.stats.maxThrottledInARow <= 1, JSON.stringify(api.stats));
    assert.ok(api.stats.throttled <= 1, JSON.stringify(api.stats));
    assert.ok(api.stats.waitedMs > 0, "the bucket was never the limit, so pacing was not tested");
  }, { maximum: 120, restoreRate: 1500 });
});

Deno.test("5xx, 429, timeouts and malformed answers are retried; then it works", async () => {
  await withStore(async (store, client) => {
    const api = client({ timeoutMs: 300 });
    store.faults.push(
      { kind: "server_error", status: 502 },
      { kind: "rate_limited", retryAfterSeconds: 1 },
      { kind: "slow", ms: 600 },
      { kind: "malformed" },
    );
    const { data } = await api.request<{ shop: { name: string } }>(`{ shop { name } }`);
    assert.equal(data.shop.name, "Alatar Outdoors (demo)");
    assert.equal(api.stats.retries, 4);
    assert.ok(api.stats.waitedMs >= 1000, "Retry-After was not honoured");
  });
});

Deno.test("a Shopify that keeps failing gives up after the attempt limit with a clear error", async () => {
  await withStore(async (store, client) => {
    const api = client();
    for (let i = 0; i < 5; i++) store.faults.push({ kind: "server_error" });
    await assert.rejects(
      api.request(`{ shop { name } }`),
      (e: ShopifyApiError) =>
        e.kind === "unavailable" && /after 5 attempts \(HTTP 503\)/.test(e.message),
    );
  });
});

Deno.test("a refused token and a missing scope fail at once, without retries", async () => {
  await withStore(async (store, client) => {
    const api = client({ scopes: ["read_products"] });
    await assert.rejects(
      api.request(`{ orders(first: 1) { nodes { id } } }`),
      (e: ShopifyApiError) => e.kind === "access_denied" && e.details.code === "ACCESS_DENIED",
    );
    store.tokens.accessTokens.clear();
    await assert.rejects(
      api.request(`{ shop { name } }`),
      (e: ShopifyApiError) => e.kind === "unauthorized",
    );
    assert.equal(api.stats.retries, 0);
  });
});

Deno.test("the official @shopify/admin-api-client reads the dev store like Shopify", async () => {
  await withStore(async (store, client) => {
    client(); // issues the token
    const official = createAdminApiClient({
      storeDomain: SHOP_DOMAIN,
      apiVersion: DEFAULT_SHOPIFY_API_VERSION,
      accessToken: TOKEN,
      // The client addresses https://{shop}; route it to the dev store, as configuration would.
      customFetchApi: async (url: string | URL | Request, init?: RequestInit) =>
        await store.fetch(
          new Request(
            String(url).replace(`https://${SHOP_DOMAIN}`, `http://devstore/${SHOP_DOMAIN}`),
            init,
          ),
        ),
    });
    const { data, errors, extensions } = await official.request(
      `query($n: Int!) { shop { myshopifyDomain currencyCode } orders(first: $n) { nodes { id totalPriceSet { shopMoney { amount currencyCode } } } } }`,
      { variables: { n: 3 } },
    );
    assert.equal(errors, undefined);
    assert.deepEqual(data.shop, { myshopifyDomain: SHOP_DOMAIN, currencyCode: "USD" });
    assert.equal(data.orders.nodes.length, 3);
    assert.match(data.orders.nodes[0].totalPriceSet.shopMoney.amount, /^\d+\.\d{2}$/);
    // shop (1) + orders connection (2 + 3 × (order 1 + totalPriceSet 1 + shopMoney 1))
    assert.equal(extensions?.cost?.requestedQueryCost, 1 + 2 + 3 * 3);
    assert.equal(typeof extensions?.cost?.throttleStatus?.currentlyAvailable, "number");
  });
});

Deno.test("a bulk export streams back into the same orders and line items as paging", async () => {
  await withStore(async (_store, client) => {
    // The whole history: without read_all_orders the 60-day window slides between the export and
    // the paging, and an order on its edge would be in one and not the other.
    const api = client({ scopes: ["read_orders", "read_all_orders", "read_products"] });
    const { url, objectCount } = await runBulkQuery(
      api,
      `{ orders { edges { node { id name lineItems { edges { node { id sku quantity } } } } } } }`,
      { pollIntervalMs: 20 },
    );
    assert.ok(url);
    const bulkOrders = new Map<string, string[]>();
    let lines = 0;
    for await (const object of streamJsonl(url)) {
      lines++;
      const id = String(object.id);
      if (object.__parentId) bulkOrders.get(String(object.__parentId))!.push(id);
      else bulkOrders.set(id, []);
    }
    assert.equal(lines, objectCount);

    const paged = new Map<string, string[]>();
    const query = `query($after: String) { orders(first: 100, after: $after) {
      nodes { id lineItems(first: 10) { nodes { id } } } pageInfo { hasNextPage endCursor } } }`;
    type Page = {
      orders: {
        nodes: Array<{ id: string; lineItems: { nodes: Array<{ id: string }> } }>;
        pageInfo: never;
      };
    };
    for await (const order of api.paginate(query, {}, (d: Page) => d.orders)) {
      paged.set(order.id, order.lineItems.nodes.map((l) => l.id));
    }
    assert.ok(paged.size > 1000);
    assert.deepEqual(bulkOrders, paged);
  }, { maximum: 100_000, restoreRate: 100_000 });
});

Deno.test("a second bulk operation waits for the one running, which Shopify refuses to overlap", async () => {
  await withStore(async (_store, client) => {
    const api = client();
    const query = `{ orders { edges { node { id } } } }`;
    const run = `mutation($q: String!) { bulkOperationRunQuery(query: $q) {
      bulkOperation { id } userErrors { message } } }`;
    const first = await api.request<{ bulkOperationRunQuery: { bulkOperation: { id: string } } }>(
      run,
      { q: query },
    );
    const refused = await api.request<{
      bulkOperationRunQuery: { bulkOperation: null; userErrors: Array<{ message: string }> };
    }>(run, { q: query });
    assert.equal(refused.data.bulkOperationRunQuery.bulkOperation, null);
    assert.match(refused.data.bulkOperationRunQuery.userErrors[0]!.message, /already in progress/);
    // runBulkQuery waits the running one out (a crashed import may have left it), then runs.
    const result = await runBulkQuery(api, query, { pollIntervalMs: 20 });
    assert.ok(result.url);
    assert.ok(result.objectCount > 1000);
    assert.ok(first.data.bulkOperationRunQuery.bulkOperation.id);
  });
});

Deno.test("the typed query set reads what the agents need, each page under the cost limit", async () => {
  await withStore(async (store, client) => {
    const api = client({
      scopes: ["read_orders", "read_all_orders", "read_products", "read_customers"],
    });
    assert.equal((await fetchShop(api)).myshopifyDomain, SHOP_DOMAIN);

    for (const query of [ORDERS_QUERY, PRODUCTS_QUERY, CUSTOMERS_QUERY]) {
      const { cost } = await api.request(query, { query: "" });
      assert.ok(cost!.requestedQueryCost < 1000, `requested ${cost!.requestedQueryCost} points`);
    }
    // An edited order's sales agreements: the placement and the edit, in one page.
    const edited = store.shop.orders.find((o) => o.changes.some((c) => c.kind === "edit"))!;
    const agreements = await api.request<
      { node: { agreements: { nodes: Array<{ __typename: string }> } } }
    >(ORDER_AGREEMENTS_QUERY, { id: `gid://shopify/Order/${edited.id}` });
    assert.ok(agreements.cost!.requestedQueryCost < 1000);
    assert.deepEqual(
      agreements.data.node.agreements.nodes.map((a) => a.__typename),
      ["OrderAgreement", "OrderEditAgreement"],
    );

    const from = "2026-11-01T00:00:00Z";
    const to = "2026-11-04T00:00:00Z";
    const expected = store.shop.orders.filter((o) => o.createdAt >= from && o.createdAt < to);
    const orders = [];
    for await (const order of ordersBetween(api, { from, to })) orders.push(order);
    assert.deepEqual(orders.map((o) => o.id), expected.map((o) => `gid://shopify/Order/${o.id}`));
    assert.deepEqual(
      orders.map((o) => o.lineItems.nodes.length),
      expected.map((o) => o.lineItems.length),
    );
    const refunded = orders.find((o) => o.refunds.length);
    assert.ok(refunded, "no refunded order in the range");
    assert.ok(Number(refunded.totalRefundedSet.shopMoney.amount) > 0);

    let products = 0;
    let inventory = 0;
    for await (const product of allProducts(api)) {
      products++;
      inventory += product.variants.nodes.reduce((s, v) => s + (v.inventoryQuantity ?? 0), 0);
    }
    assert.equal(products, store.shop.products.length);
    assert.equal(
      inventory,
      store.shop.products.flatMap((p) => p.variants).reduce((s, v) => s + v.inventoryQuantity, 0),
    );

    let customers = 0;
    for await (const _ of allCustomers(api)) customers++;
    assert.equal(customers, store.shop.customers.length);
  }, { maximum: 100_000, restoreRate: 100_000 });
});
