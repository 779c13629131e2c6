/**
 * The one writer of an analysis request's status and progress. Every status
 * change is the row's update and its audit line, in the caller's transaction;
 * each change is then logged to `analysis_request_events` and announced with
 * NOTIFY by a trigger (migration 0001), so writing the row is all a step does.
 * The API (submit, cancel), the orchestrator and the dead letter handler all
 * move requests through here.
 */
import { type Actor, audit } from "../db/audit.ts";
import type { Enqueuer } from "../jobs/enqueue.ts";
import { queueDeliveries } from "../notifications/delivery_queue.ts";
import type { Tx } from "../db/database.ts";
import { combineStoreAnswers, type StoreAnswer } from "./store_breakdown.ts";

export type Stage = "queued" | "planning" | "retrieving" | "analysing" | "writing" | "done";
export type RequestStatus = "pending" | "processing" | "completed" | "failed" | "cancelled";

/** What a failed request says, and the code a client reads. */
export const AGENT_PROCESSING_ERROR = "AGENT_PROCESSING_ERROR";

/**
 * The request's status, locking the row so no one finishes or cancels it
 * meanwhile. `for no key update` is enough for that (every status change is an
 * update of a non-key column, which takes the same lock) and, unlike `for
 * update`, does not hold up the foreign-key checks of rows being added under
 * the request (tasks, events) in other transactions.
 */
export async function lockedStatus(tx: Tx, requestId: string): Promise<RequestStatus | null> {
  const [row] = await tx<{ status: RequestStatus }[]>`
    select status from analysis_requests where id = ${requestId} for no key update`;
  return row?.status ?? null;
}

export const isOpen = (status: RequestStatus | null) =>
  status === "pending" || status === "processing";

/** Moves a processing request's progress forward; a cancelled or finished one is left alone. */
export async function setProgress(
  tx: Tx,
  requestId: string,
  stage: Stage,
  percent: number,
): Promise<boolean> {
  const rows = await tx`
    update analysis_requests set progress = ${tx.json({ stage, percent })}
    where id = ${requestId} and status = 'processing'
      and (progress->>'percent')::int <= ${percent}
    returning id`;
  return rows.length > 0;
}

/** A new request, written by the submit that inserted its row. */
export async function recordSubmitted(tx: Tx, userId: string, requestId: string) {
  await audit(tx, {
    userId,
    actor: "user",
    action: "analysis.submitted",
    entity: { type: "analysis_request", id: requestId },
    analysisRequestId: requestId,
    to: "pending",
  });
}

/** The orchestrator starts a pending request (not audited: the submit and the end are). */
export async function startProcessing(tx: Tx, requestId: string) {
  await tx`update analysis_requests
           set status = 'processing', started_at = coalesce(started_at, now()),
               progress = ${tx.json({ stage: "planning", percent: 5 })}
           where id = ${requestId} and status = 'pending'`;
}

export type Ending =
  | { to: "completed"; result: unknown }
  | { to: "failed"; message: string; actor: Actor }
  | { to: "cancelled" };

/**
 * Ends an open request: its status, error or result, its audit line; a
 * request that did not complete withdraws the proposals it made, so none is
 * left to approve. The caller holds the row's lock ({@link lockedStatus}) and
 * passes the status it read.
 */
export async function endRequest(
  tx: Tx,
  request: { userId: string; requestId: string; from: RequestStatus },
  ending: Ending,
  /** Queues the delivery of an insight this request explains. */
  boss: Enqueuer,
) {
  const { userId, requestId, from } = request;
  let ended: { parent_request_id: string | null }[];
  if (ending.to === "completed") {
    ended = await tx`update analysis_requests
             set status = 'completed', result = ${tx.json(ending.result as never)},
                 progress = ${tx.json({ stage: "done", percent: 100 })}, finished_at = now()
             where id = ${requestId} returning parent_request_id`;
  } else {
    const [code, message] = ending.to === "failed"
      ? [AGENT_PROCESSING_ERROR, ending.message]
      : ["TASK_CANCELLED", "Cancelled at your request."];
    ended = await tx`update analysis_requests
             set status = ${ending.to}, error_code = ${code}, error_message = ${message},
                 finished_at = now()
             where id = ${requestId} returning parent_request_id`;
    await tx`update proposed_actions set status = 'rejected', rejected_at = now()
             where analysis_request_id = ${requestId} and status = 'proposed'`;
    // A question across stores that is cancelled (or fails) ends its stores' parts with it.
    const parts = await tx<{ id: string; status: RequestStatus }[]>`
      select id, status from analysis_requests
      where parent_request_id = ${requestId} and status in ('pending', 'processing')
      for no key update`;
    for (const part of parts) {
      await endRequest(tx, { userId, requestId: part.id, from: part.status }, ending, boss);
    }
  }
  // An insight this request explains is ready to be shown now, however its explanation ended
  // (migration 0024 announces it to insightAdded), and to be pushed.
  const ready = await tx<{ id: string }[]>`
    update insights set ready_at = now(), updated_at = now()
    where analysis_request_id = ${requestId} and ready_at is null returning id`;
  await queueDeliveries(boss, tx, userId, ready.map((r) => r.id));
  await audit(tx, {
    userId,
    actor: ending.to === "failed" ? ending.actor : ending.to === "cancelled" ? "user" : "agent",
    action: `analysis.${ending.to}`,
    entity: { type: "analysis_request", id: requestId },
    analysisRequestId: requestId,
    from,
    to: ending.to,
  });
  const parent = ended[0]?.parent_request_id;
  if (parent) await settleParent(tx, boss, userId, parent);
}

/**
 * A store's part of a question across stores has ended: the question's progress moves on, or,
 * once every part has ended, its answer is their figures combined (graph/store_breakdown.ts).
 * Parts ending at once take turns on the question's row lock, so exactly one combines.
 */
async function settleParent(tx: Tx, boss: Enqueuer, userId: string, parentId: string) {
  const status = await lockedStatus(tx, parentId);
  if (!isOpen(status)) return;
  const parts = await tx<
    (Omit<StoreAnswer, "result" | "status"> & {
      status: RequestStatus;
      result: StoreAnswer["result"];
    })[]
  >`
    select r.id as "requestId", r.linked_account_id as "linkedAccountId",
           coalesce(a.account_identifier, 'an unlinked store') as shop, r.status,
           r.error_message as "errorMessage", r.result
    from analysis_requests r left join linked_accounts a on a.id = r.linked_account_id
    where r.parent_request_id = ${parentId}
    order by a.created_at, r.id`;
  const open = parts.filter((p) => isOpen(p.status)).length;
  if (open > 0) {
    const percent = 10 + Math.floor((80 * (parts.length - open)) / parts.length);
    await setProgress(tx, parentId, "analysing", percent);
    return;
  }
  const [question] = await tx<{ prompt: string }[]>`
    select prompt from analysis_requests where id = ${parentId}`;
  const combined = combineStoreAnswers(
    question!.prompt,
    parts.map((p) => ({ ...p, status: p.status as StoreAnswer["status"] })),
  );
  await endRequest(
    tx,
    { userId, requestId: parentId, from: status! },
    combined.ok
      ? { to: "completed", result: combined.result }
      : { to: "failed", message: combined.message, actor: "agent" },
    boss,
  );
}
