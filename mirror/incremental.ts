/**
 * Incremental sync: what changed in Shopify since the last watermark, upserted
 * with the same newest-wins rule as webhooks. Runs on a schedule and before an
 * analysis that would otherwise read data older than its TTL.
 *
 * Cost-aware: each resource's changes are counted first (one cheap query).
 * A few are paged through the Admin API, which answers in a round trip; many
 * are read with a bulk operation, which costs no rate-limit points. Paging an
 * order costs about 36 points, so 100 changed orders would take half a minute
 * on a Standard plan's 100 points a second; a bulk read takes a few seconds
 * whatever the number.
 *
 * Watermarks move to the time this run started, less an overlap: an object
 * updated while the run pages may be missed by this run and found by the next.
 */
import type { Tx } from "../db/database.ts";
import { runBulkQuery, streamJsonl } from "../shopify/bulk.ts";
import {
  allCustomers,
  allDiscountCodes,
  allLinesOf,
  allProducts,
  bulkCustomersQuery,
  bulkOrdersQuery,
  bulkProductsQuery,
  countOf,
  type Customer,
  dateRange,
  type Order,
  ordersBetween,
  type Product,
  withAgreements,
} from "../shopify/queries.ts";
import { accountClient, type MirrorDeps } from "./deps.ts";
import {
  assembleBulk,
  bulkChildKey,
  customerRecord,
  discountCodeRecords,
  orderRecord,
  productRecord,
} from "./from_graphql.ts";
import type { CustomerRecord, DiscountCodeRecord, OrderRecord, ProductRecord } from "./records.ts";
import { rebuildIfStale } from "./sales_rollup.ts";
import { loadSyncState, markSynced } from "./sync_state.ts";
import { type MirrorScope } from "./records.ts";
import { replaceDiscountCodes } from "./upsert_discounts.ts";
import { upsertCustomers } from "./upsert_customers.ts";
import { upsertOrders } from "./upsert_orders.ts";
import { upsertProducts } from "./upsert_products.ts";

/** Re-reads this much before each watermark, for clock skew and in-flight updates. */
export const WATERMARK_OVERLAP_MS = 2 * 60_000;
const BATCH = 500;
/** Up to this many changes are paged; more are read with a bulk operation. */
export const PAGE_AT_MOST = { orders: 30, products: 60, customers: 500 };

export interface IncrementalReport {
  orders: number;
  products: number;
  customers: number;
  discountCodes: number;
  requests: number;
  pointsSpent: number;
  ms: number;
}

export async function syncChanges(
  deps: MirrorDeps,
  scope: MirrorScope,
  options: { pollIntervalMs?: number } = {},
): Promise<IncrementalReport> {
  const started = performance.now();
  const runStartedAt = new Date();
  const state = await deps.db.withTenant(scope.userId, (tx) => loadSyncState(tx, scope));
  if (!state.importFinishedAt) {
    throw new Error("The store has not been imported yet; run the import first.");
  }
  const write = <T>(fn: (tx: Tx) => Promise<T>) => deps.db.withTenant(scope.userId, fn);
  // A rollup built under older rules (a deploy changed them) is rebuilt before anything else.
  if (await write((tx) => rebuildIfStale(tx, scope))) {
    deps.log.info("sales rollup rebuilt under the current rules", { user_id: scope.userId });
  }
  const { client } = await accountClient(deps, scope);
  const since = (at: Date | null) =>
    at ? new Date(at.getTime() - WATERMARK_OVERLAP_MS).toISOString() : undefined;

  // Each resource: page a few changes, bulk-read many. Objects are yielded one at a time.
  async function* changed<T>(
    resource: "orders" | "products" | "customers",
    watermark: Date | null,
    paged: (from: string | undefined) => AsyncGenerator<T>,
    bulkQuery: (search: string) => string,
  ): AsyncGenerator<{ paged: T } | { bulk: Record<string, unknown> }> {
    const from = since(watermark);
    const search = dateRange("updated_at", { from });
    if (await countOf(client, resource, search) <= PAGE_AT_MOST[resource]) {
      for await (const object of paged(from)) yield { paged: object };
      return;
    }
    const { url } = await runBulkQuery(client, bulkQuery(search), {
      pollIntervalMs: options.pollIntervalMs,
    });
    if (!url) return;
    for await (const object of assembleBulk(streamJsonl(url), bulkChildKey)) yield { bulk: object };
  }

  let orders = 0;
  let pending: OrderRecord[] = [];
  const flushOrders = async () => {
    const batch = pending;
    pending = [];
    orders += await write((tx) => upsertOrders(tx, scope, batch));
  };
  for await (
    const item of changed(
      "orders",
      state.ordersSyncedThrough,
      (from) => ordersBetween(client, { from, field: "updated_at" }),
      bulkOrdersQuery,
    )
  ) {
    const order = "paged" in item ? item.paged : item.bulk as unknown as Order;
    await withAgreements(client, [order]);
    pending.push(
      "paged" in item ? orderRecord(order, await allLinesOf(client, order)) : orderRecord(order),
    );
    if (pending.length >= BATCH) await flushOrders();
  }
  await flushOrders();

  const products: ProductRecord[] = [];
  for await (
    const item of changed(
      "products",
      state.productsSyncedThrough,
      (from) => allProducts(client, { updatedSince: from }),
      bulkProductsQuery,
    )
  ) products.push(productRecord("paged" in item ? item.paged : item.bulk as unknown as Product));
  const customers: CustomerRecord[] = [];
  for await (
    const item of changed(
      "customers",
      state.customersSyncedThrough,
      (from) => allCustomers(client, { updatedSince: from }),
      bulkCustomersQuery,
    )
  ) {
    customers.push(
      customerRecord("paged" in item ? item.paged : item.bulk as unknown as Customer),
    );
  }
  const codes: DiscountCodeRecord[] = [];
  for await (const node of allDiscountCodes(client)) codes.push(...discountCodeRecords(node));

  const report = await write(async (tx) => {
    const written = {
      products: await upsertProducts(tx, scope, products),
      customers: await upsertCustomers(tx, scope, customers, deps.lookupKey),
      discountCodes: await replaceDiscountCodes(tx, scope, codes),
    };
    await tx`update store_sync_state set orders_synced_through = ${runStartedAt},
               products_synced_through = ${runStartedAt}, customers_synced_through = ${runStartedAt}
             where linked_account_id = ${scope.accountId}`;
    await markSynced(tx, scope);
    return written;
  });
  const stats = client.stats;
  const result = {
    orders,
    ...report,
    requests: stats.requests,
    pointsSpent: stats.pointsSpent,
    ms: Math.round(performance.now() - started),
  };
  deps.log.info("store changes synced", { user_id: scope.userId, ...result });
  return result;
}
