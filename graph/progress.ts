/**
 * Where an analysis request stands, as the merchant sees it. Every change is
 * logged to `analysis_request_events` and announced with NOTIFY by a trigger
 * (migration 0001), so writing the row is all a step does.
 */
import type { Tx } from "../db/database.ts";

export type Stage = "queued" | "planning" | "retrieving" | "analysing" | "writing" | "done";

/** Moves a processing request's progress; a cancelled or finished one is left alone. */
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

/**
 * The request's status, locking the row so no one finishes or cancels it
 * meanwhile. `for no key update` is enough for that (every status change is an
 * update of a non-key column, which takes the same lock) and, unlike `for
 * update`, does not hold up the foreign-key checks of rows being added under
 * the request (checkpoint writes, tasks, events) in other transactions.
 */
export async function lockedStatus(tx: Tx, requestId: string): Promise<string | null> {
  const [row] = await tx<{ status: string }[]>`
    select status from analysis_requests where id = ${requestId} for no key update`;
  return row?.status ?? null;
}
