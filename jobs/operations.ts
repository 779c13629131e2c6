/**
 * What the alerts watch besides HTTP (ops/prometheus/alerts.yml): each queue's backlog
 * from pg-boss's own counts (refreshed by its monitor pass every few seconds),
 * and how the analysis tasks of the last minutes ended, across tenants.
 */
import type { PgBoss } from "pg-boss";
import type { Database } from "../db/database.ts";

export interface QueueCounts {
  name: string;
  /** Runnable now. */
  ready: number;
  /** Waiting for a later start (a retry's backoff, quiet hours, a schedule). */
  deferred: number;
  active: number;
}

export interface OperationsSource {
  queues(): Promise<QueueCounts[]>;
  /** Agent tasks finished in the last `minutes`, by how they ended. */
  agentTasks(minutes: number): Promise<{ completed: number; failed: number }>;
}

export function operationsSource(deps: { boss: PgBoss; db: Database }): OperationsSource {
  return {
    async queues() {
      const queues = await deps.boss.getQueues();
      return queues.map((q) => ({
        name: q.name,
        ready: q.readyCount,
        deferred: q.deferredCount,
        active: q.activeCount,
      }));
    },
    async agentTasks(minutes) {
      const [row] = await deps.db.withSystem(
        "recent agent task outcomes for /metrics",
        (tx) =>
          tx<{ completed: number; failed: number }[]>`
          select count(*) filter (where status = 'completed')::int as completed,
                 count(*) filter (where status = 'failed')::int as failed
          from agent_tasks where finished_at > now() - make_interval(mins => ${minutes})`,
      );
      return row ?? { completed: 0, failed: 0 };
    },
  };
}
