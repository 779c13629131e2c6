/**
 * Incremental sync: what changed in Shopify since the last watermark, paged
 * through the Admin API (cost-aware pacing is the client's), upserted with the
 * same newest-wins rule as webhooks. Runs on a schedule and before an analysis
 * that would otherwise read data older than its TTL.
 *
 * Watermarks move to the time this run started, less an overlap: an object
 * updated while the run pages may be missed by this run and found by the next.
 */
import type { Tx } from "../db/database.ts";
import {
  allCustomers,
  allDiscountCodes,
  allLinesOf,
  allProducts,
  ordersBetween,
} from "../shopify/queries.ts";
import { accountClient, type MirrorDeps } from "./deps.ts";
import { customerRecord, discountCodeRecords, orderRecord, productRecord } from "./from_graphql.ts";
import type { CustomerRecord, DiscountCodeRecord, OrderRecord, ProductRecord } from "./records.ts";
import { loadSyncState, markSynced } from "./sync_state.ts";
import {
  type MirrorScope,
  replaceDiscountCodes,
  upsertCustomers,
  upsertOrders,
  upsertProducts,
} from "./upsert.ts";

/** Re-reads this much before each watermark, for clock skew and in-flight updates. */
export const WATERMARK_OVERLAP_MS = 2 * 60_000;
const BATCH = 100;

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
): Promise<IncrementalReport> {
  const started = performance.now();
  const runStartedAt = new Date();
  const state = await deps.db.withTenant(scope.userId, (tx) => loadSyncState(tx, scope));
  if (!state.importFinishedAt) {
    throw new Error("The store has not been imported yet; run the import first.");
  }
  const { client } = await accountClient(deps, scope);
  const since = (at: Date | null) =>
    at ? new Date(at.getTime() - WATERMARK_OVERLAP_MS).toISOString() : undefined;
  const write = <T>(fn: (tx: Tx) => Promise<T>) => deps.db.withTenant(scope.userId, fn);

  let orders = 0;
  let pending: OrderRecord[] = [];
  const flushOrders = async () => {
    const batch = pending;
    pending = [];
    orders += await write((tx) => upsertOrders(tx, scope, batch));
  };
  for await (
    const order of ordersBetween(client, {
      from: since(state.ordersSyncedThrough),
      field: "updated_at",
    })
  ) {
    pending.push(orderRecord(order, await allLinesOf(client, order)));
    if (pending.length >= BATCH) await flushOrders();
  }
  await flushOrders();

  const products: ProductRecord[] = [];
  for await (
    const product of allProducts(client, { updatedSince: since(state.productsSyncedThrough) })
  ) products.push(productRecord(product));
  const customers: CustomerRecord[] = [];
  for await (
    const customer of allCustomers(client, { updatedSince: since(state.customersSyncedThrough) })
  ) customers.push(customerRecord(customer));
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
