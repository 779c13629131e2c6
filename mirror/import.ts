/**
 * The initial import of a linked store: one bulk operation per resource
 * (products, customers, orders), streamed and written in batches.
 *
 * Resumable: each batch is written in the same transaction as the count of
 * objects committed so far, next to the bulk result's URL. A crashed import
 * (the job is retried) downloads the same file again and skips what is
 * committed; anything written twice is an upsert of identical rows, so there
 * are no duplicates either way. Shopify keeps a result for seven days; an
 * expired one starts that resource over.
 */
import type { Tx } from "../db/database.ts";
import { type AdminClient, ShopifyApiError } from "../shopify/admin_client.ts";
import { runBulkQuery, streamJsonl } from "../shopify/bulk.ts";
import {
  allDiscountCodes,
  BULK_CUSTOMERS_QUERY,
  BULK_ORDERS_QUERY,
  BULK_PRODUCTS_QUERY,
  type Customer,
  fetchShop,
  type Order,
  type Product,
  withAgreements,
} from "../shopify/queries.ts";
import { registerMirrorWebhooks } from "../shopify/webhook_subscriptions.ts";
import { accountClient, type MirrorDeps } from "./deps.ts";
import {
  assembleBulk,
  bulkChildKey,
  customerRecord,
  discountCodeRecords,
  orderRecord,
  productRecord,
} from "./from_graphql.ts";
import type { DiscountCodeRecord } from "./records.ts";
import { refreshSalesDaily } from "./sales_rollup.ts";
import {
  loadSyncState,
  markSynced,
  markSyncing,
  type ResourceProgress,
  saveProgress,
} from "./sync_state.ts";
import { type MirrorScope } from "./records.ts";
import { replaceDiscountCodes } from "./upsert_discounts.ts";
import { upsertCustomers } from "./upsert_customers.ts";
import { upsertOrders } from "./upsert_orders.ts";
import { upsertProducts } from "./upsert_products.ts";

type Json = Record<string, unknown>;

interface Resource {
  name: "products" | "customers" | "orders";
  query: string;
  batchSize: number;
  /** What a batch needs from Shopify beyond the bulk file, asked before its transaction. */
  prepare?(client: AdminClient, objects: Json[]): Promise<void>;
  write(tx: Tx, scope: MirrorScope, objects: Json[], deps: MirrorDeps): Promise<number>;
}

const RESOURCES: Resource[] = [
  {
    name: "products",
    query: BULK_PRODUCTS_QUERY,
    batchSize: 250,
    write: (tx, scope, objects) =>
      upsertProducts(tx, scope, objects.map((o) => productRecord(o as unknown as Product))),
  },
  {
    name: "customers",
    query: BULK_CUSTOMERS_QUERY,
    batchSize: 1000,
    write: (tx, scope, objects, deps) =>
      upsertCustomers(
        tx,
        scope,
        objects.map((o) => customerRecord(o as unknown as Customer)),
        deps.lookupKey,
      ),
  },
  {
    name: "orders",
    query: BULK_ORDERS_QUERY,
    batchSize: 500,
    // Edited and returned orders' sales agreements: a bulk operation cannot nest that deep.
    prepare: (client, objects) => withAgreements(client, objects as unknown as Order[]),
    write: (tx, scope, objects) =>
      upsertOrders(tx, scope, objects.map((o) => orderRecord(o as unknown as Order)), {
        rollup: false,
      }),
  },
];

export interface ImportReport {
  shop: string;
  /** Objects written per resource by this run (a resumed run skips what was committed). */
  written: Record<string, number>;
  /** Objects skipped because an earlier, interrupted run had committed them. */
  resumedFrom: Record<string, number>;
  discountCodes: number;
  webhooksCreated: string[];
  ms: number;
}

export interface ImportHooks {
  /** Called after each committed batch (tests crash an import here). */
  afterBatch?: (resource: string, committed: number) => void | Promise<void>;
  /** Progress for a live display: top-level objects of the resource written so far. */
  onProgress?: (resource: string, committed: number) => void;
  /** Bulk polling interval; Shopify's operations take seconds, the dev store's milliseconds. */
  pollIntervalMs?: number;
  /**
   * A stopping worker: the import ends before its next batch (what is committed stays, and the
   * retried job resumes from it), so Ctrl-C does not wait for a whole store to download.
   */
  signal?: AbortSignal;
}

export async function importStore(
  deps: MirrorDeps,
  scope: MirrorScope,
  hooks: ImportHooks = {},
): Promise<ImportReport> {
  const started = performance.now();
  const { client, shop } = await accountClient(deps, scope);
  const state = await deps.db.withTenant(scope.userId, async (tx) => {
    await markSyncing(tx, scope);
    const loaded = await loadSyncState(tx, scope);
    if (!loaded.importStartedAt) {
      await tx`update store_sync_state set import_started_at = now()
               where linked_account_id = ${scope.accountId}`;
    }
    return loaded;
  });

  const info = await fetchShop(client);
  const webhooks = state.webhooksRegisteredAt
    ? { created: [] as string[] }
    : await registerMirrorWebhooks(client, `${deps.appUrl}/webhooks/shopify`);
  await deps.db.withTenant(
    scope.userId,
    (tx) =>
      tx`update store_sync_state set shop_timezone = ${info.ianaTimezone},
         shop_currency = ${info.currencyCode},
         shop_country = ${info.billingAddress?.countryCodeV2 ?? null},
         webhooks_registered_at = coalesce(webhooks_registered_at, now())
       where linked_account_id = ${scope.accountId}`,
  );

  const report: ImportReport = {
    shop,
    written: {},
    resumedFrom: {},
    discountCodes: 0,
    webhooksCreated: webhooks.created,
    ms: 0,
  };
  for (const resource of RESOURCES) {
    hooks.signal?.throwIfAborted();
    let progress: ResourceProgress | undefined = state.importProgress[resource.name];
    report.resumedFrom[resource.name] = progress?.committed ?? 0;
    if (progress?.done) continue;
    for (let attempt = 1;; attempt++) {
      if (!progress) {
        const startedAt = new Date().toISOString();
        const bulk = await runBulkQuery(client, resource.query, {
          pollIntervalMs: hooks.pollIntervalMs,
          signal: hooks.signal,
        });
        progress = {
          url: bulk.url,
          objects: bulk.objectCount,
          committed: 0,
          startedAt,
          done: false,
        };
        const saved = progress;
        await deps.db.withTenant(
          scope.userId,
          (tx) => saveProgress(tx, scope, resource.name, saved),
        );
      }
      try {
        report.written[resource.name] = await writeResource(
          deps,
          scope,
          resource,
          progress,
          hooks,
          client,
        );
        break;
      } catch (error) {
        // An expired result file: run the bulk query again (once) and start this resource over.
        const expired = error instanceof ShopifyApiError &&
          /HTTP (403|404|410)/.test(error.message);
        if (!expired || attempt > 1) throw error;
        progress = undefined;
      }
    }
  }

  const codes: DiscountCodeRecord[] = [];
  for await (const node of allDiscountCodes(client)) codes.push(...discountCodeRecords(node));
  await deps.db.withTenant(scope.userId, async (tx) => {
    report.discountCodes = await replaceDiscountCodes(tx, scope, codes);
    await refreshSalesDaily(tx, scope, "all");
    const progress = (await loadSyncState(tx, scope)).importProgress;
    // Incremental sync continues from when each resource's snapshot was taken.
    await tx`update store_sync_state set import_finished_at = now(),
               products_synced_through = ${progress.products?.startedAt ?? null},
               customers_synced_through = ${progress.customers?.startedAt ?? null},
               orders_synced_through = ${progress.orders?.startedAt ?? null}
             where linked_account_id = ${scope.accountId}`;
    await markSynced(tx, scope);
  });
  await analyzeMirror(deps, scope);
  report.ms = Math.round(performance.now() - started);
  deps.log.info("store imported", {
    user_id: scope.userId,
    shop,
    written: report.written,
    resumed_from: report.resumedFrom,
    ms: report.ms,
  });
  return report;
}

async function writeResource(
  deps: MirrorDeps,
  scope: MirrorScope,
  resource: Resource,
  progress: ResourceProgress,
  hooks: ImportHooks,
  client: AdminClient,
): Promise<number> {
  let written = 0;
  let analyzedAt = resource.batchSize / 2;
  if (progress.url) {
    let seen = 0;
    let batch: Json[] = [];
    const flush = async () => {
      hooks.signal?.throwIfAborted();
      const objects = batch;
      batch = [];
      const committed = seen;
      await resource.prepare?.(client, objects);
      await deps.db.withTenant(scope.userId, async (tx) => {
        await resource.write(tx, scope, objects, deps);
        await saveProgress(tx, scope, resource.name, { ...progress, committed });
      });
      // Tables that started empty look empty to the planner, and plans chosen for an empty
      // table (foreign-key checks among them) scan it whole: each batch would cost more than
      // the last. Fresh statistics as the tables double keep every batch on its indexes.
      if (written < analyzedAt * 2 && written + objects.length >= analyzedAt * 2) {
        analyzedAt *= 2;
        await analyzeMirror(deps, scope);
      }
      progress.committed = committed;
      written += objects.length;
      hooks.onProgress?.(resource.name, committed);
      await hooks.afterBatch?.(resource.name, committed);
    };
    const lines = streamJsonl(progress.url, { signal: hooks.signal });
    for await (const object of assembleBulk(lines, bulkChildKey)) {
      seen++;
      if (seen <= progress.committed) continue;
      batch.push(object);
      if (batch.length >= resource.batchSize) await flush();
    }
    if (batch.length) await flush();
  }
  progress.done = true;
  await deps.db.withTenant(scope.userId, (tx) => saveProgress(tx, scope, resource.name, progress));
  return written;
}

/** Fresh planner statistics for the mirror's tables (see migration 0009). */
async function analyzeMirror(deps: MirrorDeps, scope: MirrorScope): Promise<void> {
  await deps.db.withTenant(
    scope.userId,
    (tx) =>
      tx`analyze shop_orders, shop_order_lines, shop_refunds, shop_refund_lines, shop_line_changes,
         shop_products, shop_variants, shop_product_collections, shop_customers, shop_sales_daily`,
  );
}
