/**
 * Every queue the system uses, with its delivery policy. Queues are created
 * (idempotently) by the worker at start; `notify` makes pg-boss wake workers
 * with NOTIFY instead of waiting for a poll.
 */
import type { PgBoss } from "pg-boss";

export const DEAD_LETTER_QUEUE = "dead_letter";
export const CACHE_PURGE_QUEUE = "maintenance.cache_purge";

type QueueOptions = Parameters<PgBoss["createQueue"]>[1];

export const QUEUES: Record<string, QueueOptions> = {
  // Jobs that exhausted their retries land here for an operator to inspect.
  [DEAD_LETTER_QUEUE]: { retentionSeconds: 14 * 24 * 3600 },
  [CACHE_PURGE_QUEUE]: {
    policy: "singleton",
    retryLimit: 2,
    retryDelay: 30,
    expireInSeconds: 300,
    deadLetter: DEAD_LETTER_QUEUE,
    notify: true,
  },
};

/** Creates every queue of {@link QUEUES}; safe to call from every worker at start. */
export async function ensureQueues(boss: PgBoss): Promise<void> {
  for (const [name, options] of Object.entries(QUEUES)) {
    if (!(await boss.getQueue(name))) await boss.createQueue(name, options);
  }
}
