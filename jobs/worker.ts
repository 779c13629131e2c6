/**
 * The worker role: creates the queues, registers their handlers and the
 * schedules, and drains jobs until stopped. Later departments register here.
 */
import type { PgBoss } from "pg-boss";
import type { Database } from "../db/database.ts";
import type { Logger } from "../log/logger.ts";
import { purgeExpiredCache } from "./cache_purge.ts";
import { type JobObserver, loggedHandler } from "./handler.ts";
import { CACHE_PURGE_QUEUE, ensureQueues } from "./queues.ts";

export interface WorkerDeps {
  boss: PgBoss;
  db: Database;
  log: Logger;
  /** Told of every finished job run (metrics; tests waiting for a job). */
  observe?: JobObserver;
}

export async function startWorker({ boss, db, log, observe }: WorkerDeps): Promise<void> {
  await ensureQueues(boss);
  await boss.schedule(CACHE_PURGE_QUEUE, "*/10 * * * *");
  await boss.work(
    CACHE_PURGE_QUEUE,
    loggedHandler(log, async (_job, jobLog) => {
      const deleted = await purgeExpiredCache(db);
      jobLog.info("expired cache purged", { deleted });
      return { deleted };
    }, observe),
  );
  log.info("worker ready", { queues: [CACHE_PURGE_QUEUE] });
}
