/**
 * The queue that delivers a ready insight, and its job. Apart from the
 * delivery itself so the status writer (graph/request_status.ts), which queues
 * it when an insight's explanation ends, needs nothing else of it.
 */
import type { Tx } from "../db/database.ts";
import { enqueueInTransaction, type Enqueuer } from "../jobs/enqueue.ts";

export const INSIGHT_DELIVERY_QUEUE = "insights.deliver";

export interface InsightDeliveryJob {
  userId: string;
  insightId: string;
}

/** Queues the delivery of each insight just made ready, in the caller's transaction. */
export async function queueDeliveries(
  boss: Enqueuer,
  tx: Tx,
  userId: string,
  insightIds: string[],
): Promise<void> {
  for (const insightId of insightIds) {
    await enqueueInTransaction(
      boss,
      tx,
      INSIGHT_DELIVERY_QUEUE,
      { userId, insightId } satisfies InsightDeliveryJob,
      { singletonKey: insightId },
    );
  }
}
