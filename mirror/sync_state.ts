/**
 * The mirror's bookkeeping per linked account (`store_sync_state`) and the
 * account's visible sync status (`linked_accounts.sync_status`,
 * `last_synced_at`), read and written in the tenant's context.
 */
import type { Tx } from "../db/database.ts";
import type { MirrorScope } from "./records.ts";

export interface ResourceProgress {
  /** The bulk result file (null when Shopify had no objects). */
  url: string | null;
  objects: number;
  /** Top-level objects of the file already written. */
  committed: number;
  startedAt: string;
  done: boolean;
}

export interface SyncState {
  shopTimezone: string | null;
  shopCurrency: string | null;
  importProgress: Record<string, ResourceProgress>;
  importStartedAt: Date | null;
  importFinishedAt: Date | null;
  ordersSyncedThrough: Date | null;
  productsSyncedThrough: Date | null;
  customersSyncedThrough: Date | null;
  webhooksRegisteredAt: Date | null;
  lastError: string | null;
}

/** The account's state row, created on first use. */
export async function loadSyncState(tx: Tx, scope: MirrorScope): Promise<SyncState> {
  await tx`insert into store_sync_state (linked_account_id, user_id)
           values (${scope.accountId}, ${scope.userId}) on conflict do nothing`;
  const [row] = await tx`
    select shop_timezone, shop_currency, import_progress, import_started_at, import_finished_at,
           orders_synced_through, products_synced_through, customers_synced_through,
           webhooks_registered_at, last_error
    from store_sync_state where linked_account_id = ${scope.accountId}`;
  return {
    shopTimezone: row!.shop_timezone,
    shopCurrency: row!.shop_currency,
    importProgress: row!.import_progress ?? {},
    importStartedAt: row!.import_started_at,
    importFinishedAt: row!.import_finished_at,
    ordersSyncedThrough: row!.orders_synced_through,
    productsSyncedThrough: row!.products_synced_through,
    customersSyncedThrough: row!.customers_synced_through,
    webhooksRegisteredAt: row!.webhooks_registered_at,
    lastError: row!.last_error,
  };
}

export async function saveProgress(
  tx: Tx,
  scope: MirrorScope,
  resource: string,
  progress: ResourceProgress,
): Promise<void> {
  await tx`update store_sync_state
           set import_progress = import_progress || ${tx.json({ [resource]: progress } as never)}
           where linked_account_id = ${scope.accountId}`;
}

export async function markSyncing(tx: Tx, scope: MirrorScope): Promise<void> {
  await tx`update linked_accounts set sync_status = 'syncing' where id = ${scope.accountId}`;
}

/** The sync finished: the account is ready and its data as fresh as `syncedAt`. */
export async function markSynced(tx: Tx, scope: MirrorScope): Promise<void> {
  await tx`update linked_accounts set sync_status = 'ready', last_synced_at = now()
           where id = ${scope.accountId}`;
  await tx`update store_sync_state set last_error = null where linked_account_id = ${scope.accountId}`;
}

/** Records why a sync failed; `final` also marks the account failed (no retry left). */
export async function markSyncError(
  tx: Tx,
  scope: MirrorScope,
  message: string,
  final: boolean,
): Promise<void> {
  await tx`update store_sync_state set last_error = ${message.slice(0, 1000)}
           where linked_account_id = ${scope.accountId}`;
  if (final) {
    await tx`update linked_accounts set sync_status = 'failed' where id = ${scope.accountId}`;
  }
}

export interface MirrorCounts {
  orders: number;
  orderLines: number;
  refunds: number;
  products: number;
  variants: number;
  customers: number;
  discountCodes: number;
}

/** Row counts per account, for the operator view. */
export async function mirrorCounts(
  tx: Tx,
  accountIds: string[],
): Promise<Map<string, MirrorCounts>> {
  const rows = await tx<Array<{ account: string; name: keyof MirrorCounts; n: number }>>`
    with accounts as (select unnest(${accountIds}::uuid[]) as id)
    select a.id as account, c.name, c.n from accounts a cross join lateral (
      select 'orders' as name, (select count(*)::int from shop_orders where linked_account_id = a.id) as n
      union all select 'orderLines', (select count(*)::int from shop_order_lines where linked_account_id = a.id)
      union all select 'refunds', (select count(*)::int from shop_refunds where linked_account_id = a.id)
      union all select 'products', (select count(*)::int from shop_products where linked_account_id = a.id)
      union all select 'variants', (select count(*)::int from shop_variants where linked_account_id = a.id)
      union all select 'customers', (select count(*)::int from shop_customers where linked_account_id = a.id)
      union all select 'discountCodes', (select count(*)::int from shop_discount_codes where linked_account_id = a.id)
    ) c`;
  const counts = new Map<string, MirrorCounts>();
  for (const row of rows) {
    const entry = counts.get(row.account) ?? {
      orders: 0,
      orderLines: 0,
      refunds: 0,
      products: 0,
      variants: 0,
      customers: 0,
      discountCodes: 0,
    };
    entry[row.name] = row.n;
    counts.set(row.account, entry);
  }
  return counts;
}
