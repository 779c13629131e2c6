/**
 * The pg-boss instance: its own `pg` pool on the same database, woken by
 * LISTEN/NOTIFY so a job is picked up in milliseconds rather than at the
 * next poll. The error listener is attached before `start()` as pg-boss asks.
 *
 * @example
 * ```ts
 * const boss = createBoss({ url, log });
 * await boss.start();
 * ```
 */
import { PgBoss } from "pg-boss";
import type { Logger } from "../log/logger.ts";

export interface BossOptions {
  url: string;
  log: Logger;
  /** Connections in pg-boss's own pool. */
  max?: number;
  /**
   * False for API-only processes: they enqueue, while workers run pg-boss's
   * maintenance and cron.
   */
  maintenance?: boolean;
  /**
   * How often maintenance fails jobs whose worker stopped sending heartbeats
   * (a killed process), so they are retried, and refreshes which singleton keys are active.
   * 5 s by default; pg-boss's own is 60 s.
   */
  superviseSeconds?: number;
}

export function createBoss(options: BossOptions): PgBoss {
  const boss = new PgBoss({
    connectionString: options.url,
    schema: "pgboss",
    max: options.max ?? 5,
    useListenNotify: true,
    application_name: "alatar:pgboss",
    supervise: options.maintenance ?? true,
    schedule: options.maintenance ?? true,
    // Heartbeat and expiry checks run in the per-queue monitor pass, so both timers matter.
    superviseIntervalSeconds: options.superviseSeconds ?? 5,
    monitorIntervalSeconds: options.superviseSeconds ?? 5,
    // Fetches skip the singleton keys the queue cache last saw active (stately queues). At pg-boss's
    // default of 60 s, a request's resume queued while its previous run was active waited up to a
    // minute after that run ended (seen in the analysis benchmark); the monitor pass refreshes the
    // list, and this re-reads it every second.
    queueCacheIntervalSeconds: 1,
  });
  boss.on("error", (error: unknown) => options.log.error("pg-boss error", { error }));
  return boss;
}
