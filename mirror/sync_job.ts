/**
 * Syncing as jobs. `store.sync` imports a newly linked store or syncs what
 * changed; its queue is `stately` with the account as singleton key, so an
 * account has at most one sync queued and one running. `store.sync.schedule`
 * runs every few minutes and queues a sync for each active account whose
 * mirror is getting old.
 */
import type { RetryLater } from "../jobs/handler.ts";
import type { PgBoss } from "pg-boss";
import type { Database } from "../db/database.ts";
import { ShopifyApiError } from "../shopify/admin_client.ts";
import type { MirrorDeps } from "./deps.ts";
import { type ImportReport, importStore } from "./import.ts";
import { type IncrementalReport, syncChanges } from "./incremental.ts";
import { markSyncError } from "./sync_state.ts";
import type { MirrorScope } from "./records.ts";
import { SYNC_QUEUE, SYNC_RETRY_LIMIT, type SyncJob } from "./sync_queue.ts";
/** The scheduler refreshes mirrors older than this (analyses refresh at their own TTL). */
export const SCHEDULED_STALE_AFTER_MS = 15 * 60_000;

/**
 * Runs one sync job. `signal` is the worker stopping: an import ends before
 * its next batch and the job fails without marking the store's sync as
 * failed, so its retry resumes from what was committed.
 */
export async function runSyncJob(
  deps: MirrorDeps,
  job: SyncJob,
  retryCount: number,
  signal?: AbortSignal,
): Promise<ImportReport | IncrementalReport | { skipped: string }> {
  const scope: MirrorScope = { userId: job.userId, accountId: job.accountId };
  try {
    if (job.mode === "import") return await importStore(deps, scope, { signal });
    const imported = await deps.db.withTenant(
      scope.userId,
      (tx) =>
        tx`select 1 from store_sync_state
         where linked_account_id = ${scope.accountId} and import_finished_at is not null`,
    );
    return imported.length
      ? await syncChanges(deps, scope)
      : await importStore(deps, scope, { signal });
  } catch (error) {
    if (signal?.aborted) throw error;
    const message = error instanceof Error ? error.message : String(error);
    // Revoked or unlinked access will not come back by retrying.
    const hopeless = error instanceof ShopifyApiError && error.kind === "unauthorized";
    const exists = await deps.db.withTenant(scope.userId, async (tx) => {
      const [account] = await tx`select 1 from linked_accounts where id = ${scope.accountId}`;
      if (account) {
        await markSyncError(tx, scope, message, hopeless || retryCount >= SYNC_RETRY_LIMIT);
      }
      return Boolean(account);
    });
    if (hopeless || !exists) {
      deps.log.warn("store sync abandoned", { user_id: scope.userId, reason: message });
      return { skipped: message };
    }
    throw error;
  }
}

/** Queues a sync for every active account whose mirror is older than `staleAfterMs`. */
export async function queueStaleSyncs(
  deps: { db: Database; boss: Pick<PgBoss, "send"> },
  staleAfterMs = SCHEDULED_STALE_AFTER_MS,
): Promise<number> {
  const stale = await deps.db.withSystem(
    "list linked stores whose mirror needs a sync",
    (tx) =>
      tx<{ id: string; user_id: string }[]>`
        select id, user_id from linked_accounts
        where provider = 'shopify' and status = 'active' and sync_status <> 'syncing'
          and (last_synced_at is null
               or last_synced_at < now() - make_interval(secs => ${staleAfterMs / 1000}))`,
  );
  let queued = 0;
  for (const account of stale) {
    const id = await deps.boss.send(
      SYNC_QUEUE,
      { userId: account.user_id, accountId: account.id, mode: "changes" } satisfies SyncJob,
      { singletonKey: account.id },
    );
    if (id) queued++;
  }
  return queued;
}

/**
 * Makes the account's mirror no older than `ttlMs` before an analysis reads
 * it, syncing changes inline when it is. Refuses while the first import runs:
 * the caller tells the merchant the store is still being imported.
 */
export async function ensureFresh(
  deps: MirrorDeps,
  scope: MirrorScope,
  ttlMs: number,
): Promise<{ syncedAt: Date; refreshed: boolean }> {
  const [account] = await deps.db.withTenant(
    scope.userId,
    (tx) =>
      tx<{ sync_status: string; last_synced_at: Date | null; imported: boolean }[]>`
      select a.sync_status, a.last_synced_at, s.import_finished_at is not null as imported
      from linked_accounts a left join store_sync_state s on s.linked_account_id = a.id
      where a.id = ${scope.accountId}`,
  );
  if (!account) throw new MirrorNotReady("This store is not linked.");
  if (!account.imported) {
    throw new MirrorNotReady("The store's data is still being imported; try again in a minute.");
  }
  if (account.last_synced_at && Date.now() - account.last_synced_at.getTime() <= ttlMs) {
    return { syncedAt: account.last_synced_at, refreshed: false };
  }
  await syncChanges(deps, scope);
  return { syncedAt: new Date(), refreshed: true };
}

export class MirrorNotReady extends Error implements RetryLater {
  override name = "MirrorNotReady";
  readonly retryLater = true;
}
