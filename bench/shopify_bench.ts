/**
 * Issue #4's figure: paging the last 60 days of orders, with line items,
 * through our Admin client against the dev store under Shopify's Standard-plan
 * bucket (1,000 points, 100 restored per second). Reports the actual points
 * spent per second divided by the restore rate (how close the client runs to
 * the limit without being refused), wall time, requests and THROTTLED answers.
 */
import { DEFAULT_SHOPIFY_API_VERSION } from "../config/config.ts";
import { freePort } from "../db/embedded.ts";
import { SHOP_DOMAIN } from "../devstore/seed.ts";
import { createDevStore, devStoreBaseUrl } from "../devstore/server.ts";
import { createLogger } from "../log/logger.ts";
import { type AdminClient, createAdminClient } from "../shopify/admin_client.ts";
import { runBulkQuery, streamJsonl } from "../shopify/bulk.ts";

export const ORDERS_WITH_LINES = `query($after: String) {
  orders(first: 25, after: $after) {
    nodes {
      id name createdAt cancelledAt test
      totalPriceSet { shopMoney { amount currencyCode } }
      lineItems(first: 10) { nodes { id sku quantity originalUnitPriceSet { shopMoney { amount } } } }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

export interface PagingFigures {
  orders: number;
  lineItems: number;
  requests: number;
  throttled: number;
  retries: number;
  wallSeconds: number;
  pointsPerSecond: number;
  restoreRate: number;
}

/** A dev store under the Standard-plan bucket, served locally, with a client holding `scopes`. */
async function withBenchStore<T>(
  scopes: string[],
  fn: (client: AdminClient) => Promise<T>,
): Promise<T> {
  const store = createDevStore({
    app: { apiKey: "k", apiSecret: "s" },
    bucket: { maximum: 1000, restoreRate: 100 },
  });
  store.tokens.accessTokens.set("shpat_bench", { shop: SHOP_DOMAIN, scopes, expiresAt: null });
  const port = freePort();
  const server = Deno.serve({ port, hostname: "127.0.0.1", onListen: () => {} }, store.fetch);
  try {
    return await fn(createAdminClient({
      shop: SHOP_DOMAIN,
      accessToken: () => "shpat_bench",
      adminBaseUrl: devStoreBaseUrl(port),
      apiVersion: DEFAULT_SHOPIFY_API_VERSION,
      log: createLogger({ level: "error" }),
    }));
  } finally {
    await server.shutdown();
  }
}

export async function measureShopifyPaging(): Promise<PagingFigures> {
  return await withBenchStore(["read_orders"], async (client) => {
    const started = performance.now();
    let orders = 0;
    let lineItems = 0;
    type Page = { orders: { nodes: Array<{ lineItems: { nodes: unknown[] } }>; pageInfo: never } };
    for await (const order of client.paginate(ORDERS_WITH_LINES, {}, (d: Page) => d.orders)) {
      orders++;
      lineItems += order.lineItems.nodes.length;
    }
    const wallSeconds = (performance.now() - started) / 1000;
    return {
      orders,
      lineItems,
      requests: client.stats.requests,
      throttled: client.stats.throttled,
      retries: client.stats.retries,
      wallSeconds,
      pointsPerSecond: client.stats.pointsSpent / wallSeconds,
      restoreRate: 100,
    };
  });
}

export interface BulkFigures {
  orders: number;
  rows: number;
  bytes: number;
  operationSeconds: number;
  streamSeconds: number;
  rowsPerSecond: number;
}

/** A bulk export of the whole year (orders, line items, refunds), streamed and parsed. */
export async function measureBulkExport(): Promise<BulkFigures> {
  return await withBenchStore(["read_orders", "read_all_orders"], async (client) => {
    const started = performance.now();
    const { url } = await runBulkQuery(
      client,
      `{ orders { edges { node { id name createdAt cancelledAt test discountCodes
          totalPriceSet { shopMoney { amount currencyCode } }
          lineItems { edges { node { id sku quantity originalUnitPriceSet { shopMoney { amount } } } } } } } } }`,
      { pollIntervalMs: 100 },
    );
    const ready = performance.now();
    let rows = 0;
    let orders = 0;
    let bytes = 0;
    for await (const object of streamJsonl(url!)) {
      rows++;
      if (!object.__parentId) orders++;
      bytes += JSON.stringify(object).length + 1;
    }
    const done = performance.now();
    return {
      orders,
      rows,
      bytes,
      operationSeconds: (ready - started) / 1000,
      streamSeconds: (done - ready) / 1000,
      rowsPerSecond: rows / ((done - ready) / 1000),
    };
  });
}
