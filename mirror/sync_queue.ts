/**
 * The sync queue's names and how to queue a sync. Kept apart from the job
 * itself so that linking a store (which queues the import) does not import
 * the whole sync machinery.
 */
import type { Tx } from "../db/database.ts";
import { enqueueInTransaction, type Enqueuer } from "../jobs/enqueue.ts";

export const SYNC_QUEUE = "store.sync";
export const SYNC_SCHEDULE_QUEUE = "store.sync.schedule";
export const SYNC_RETRY_LIMIT = 4;

export interface SyncJob {
  userId: string;
  accountId: string;
  mode: "import" | "changes";
}

/** Queues a sync in the caller's transaction (linking a store queues its import this way). */
export function requestSync(boss: Enqueuer, tx: Tx, job: SyncJob): Promise<string | null> {
  return enqueueInTransaction(boss, tx, SYNC_QUEUE, job, { singletonKey: job.accountId });
}
