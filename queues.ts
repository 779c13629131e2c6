/**
 * Every queue the system uses, with its delivery policy. Queues are created
 * (idempotently) by every process at start, since the API enqueues too;
 * `notify` makes pg-boss wake workers with NOTIFY instead of waiting for a poll.
 */
import type { PgBoss } from "pg-boss";
import { createBoss } from "./jobs/boss.ts";
import { grantEnqueue } from "./jobs/queue_access.ts";
import type { Logger } from "./log/logger.ts";
import { EMAIL_QUEUE } from "./auth/email_delivery.ts";
import { PURGE_QUEUE } from "./jobs/purge.ts";
import { WEBHOOK_QUEUE } from "./shopify/webhooks.ts";
import { SYNC_QUEUE, SYNC_RETRY_LIMIT, SYNC_SCHEDULE_QUEUE } from "./mirror/sync_queue.ts";
import { analysisQueues } from "./graph/queues.ts";
import { ACTION_RECOVERY_QUEUE, ACTION_RECOVERY_RETRY_LIMIT } from "./actions/recovery.ts";
import { INSIGHTS_CHECK_QUEUE } from "./insights/check.ts";
import { INSIGHTS_SCHEDULE_QUEUE } from "./insights/schedule.ts";
import { INSIGHT_DELIVERY_QUEUE } from "./notifications/delivery_queue.ts";

export const DEAD_LETTER_QUEUE = "dead_letter";

type QueueOptions = Parameters<PgBoss["createQueue"]>[1];

export const QUEUES: Record<string, QueueOptions> = {
  // Jobs that exhausted their retries land here for an operator to inspect.
  [DEAD_LETTER_QUEUE]: { retentionSeconds: 14 * 24 * 3600 },
  [PURGE_QUEUE]: {
    policy: "singleton",
    retryLimit: 2,
    retryDelay: 30,
    expireInSeconds: 300,
    deadLetter: DEAD_LETTER_QUEUE,
    notify: true,
  },
  [WEBHOOK_QUEUE]: {
    retryLimit: 5,
    retryDelay: 5,
    retryBackoff: true,
    expireInSeconds: 120,
    deadLetter: DEAD_LETTER_QUEUE,
    notify: true,
  },
  // The orchestrator and the departments (issue #6).
  ...analysisQueues(DEAD_LETTER_QUEUE),
  // One sync queued and one running per account (singleton key: the account).
  [SYNC_QUEUE]: {
    policy: "stately",
    retryLimit: SYNC_RETRY_LIMIT,
    retryDelay: 30,
    retryBackoff: true,
    // An import of a large store streams for minutes; a crashed one resumes on retry.
    expireInSeconds: 3600,
    deadLetter: DEAD_LETTER_QUEUE,
    notify: true,
  },
  [SYNC_SCHEDULE_QUEUE]: {
    policy: "singleton",
    retryLimit: 1,
    expireInSeconds: 120,
    deadLetter: DEAD_LETTER_QUEUE,
    notify: true,
  },
  // One per action left executing (singleton key: the action); retried while Shopify is away.
  [ACTION_RECOVERY_QUEUE]: {
    retryLimit: ACTION_RECOVERY_RETRY_LIMIT,
    retryDelay: 30,
    retryBackoff: true,
    expireInSeconds: 300,
    deadLetter: DEAD_LETTER_QUEUE,
    notify: true,
  },
  // Each store's daily check (singleton key: the account), from its schedule in the shop's time.
  [INSIGHTS_CHECK_QUEUE]: {
    retryLimit: 3,
    retryDelay: 60,
    retryBackoff: true,
    expireInSeconds: 600,
    deadLetter: DEAD_LETTER_QUEUE,
    notify: true,
  },
  // One per ready insight (singleton key: the insight); APNs throttling or down retries it.
  [INSIGHT_DELIVERY_QUEUE]: {
    retryLimit: 10,
    retryDelay: 10,
    retryBackoff: true,
    retryDelayMax: 900,
    expireInSeconds: 300,
    // A killed worker's delivery is retried within seconds, not at its expiry.
    heartbeatSeconds: 10,
    deadLetter: DEAD_LETTER_QUEUE,
    notify: true,
  },
  [INSIGHTS_SCHEDULE_QUEUE]: {
    policy: "singleton",
    retryLimit: 1,
    expireInSeconds: 600,
    deadLetter: DEAD_LETTER_QUEUE,
    notify: true,
  },
  [EMAIL_QUEUE]: {
    retryLimit: 5,
    retryDelay: 10,
    retryBackoff: true,
    expireInSeconds: 60,
    deadLetter: DEAD_LETTER_QUEUE,
    notify: true,
  },
};

/**
 * Creates every queue of {@link QUEUES}, or brings an existing one's options
 * up to date (a deployment that changes a retry policy or dead letter queue
 * must not keep the old one); safe to call from every process at start.
 */
export async function ensureQueues(boss: PgBoss): Promise<void> {
  for (const [name, options] of Object.entries(QUEUES)) {
    if (!(await boss.getQueue(name))) {
      await boss.createQueue(name, options);
    } else {
      // A queue's policy cannot change once created; everything else can.
      const { policy: _policy, ...changeable } = options ?? {};
      await boss.updateQueue(name, changeable);
    }
  }
}

/**
 * For a database no process has started yet (test templates, benchmarks):
 * installs pg-boss's schema and our queues, then grants enqueue rights.
 */
export async function installJobSchema(ownerUrl: string, log: Logger): Promise<void> {
  const boss = createBoss({ url: ownerUrl, log, max: 1, maintenance: false });
  await boss.start();
  try {
    await ensureQueues(boss);
  } finally {
    await boss.stop({ graceful: false, timeout: 1000 });
  }
  await grantEnqueue(ownerUrl);
}
