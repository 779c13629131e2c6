/**
 * Settles an action whose approval died mid-call. Approval queues this job,
 * in the transaction that moves the action to `executing`, to start once the
 * call cannot still be running (every call is bounded: ACTION_CALL_TIMEOUT_MS
 * per request, ACTION_CALL_ATTEMPTS tries). Most times the action is settled
 * by then and the job does nothing. Otherwise it asks Shopify what the dead
 * run made, by the idempotency key or the object's unique code, and records
 * that; only when Shopify holds nothing does it send the action, once, with
 * the same key.
 */
import { ActionParameters, type ActionType } from "../agents/actions.ts";
import {
  callShopify,
  type CarryOutDeps,
  claimedAction,
  recordOutcome,
  type StoredAction,
} from "./carry_out.ts";

export const ACTION_RECOVERY_QUEUE = "action.recover";
/** Well past the longest an approval's Shopify calls can take. */
export const ACTION_RECOVERY_SECONDS = 300;

/** The backstop poll: a job that comes due later is not announced by NOTIFY. */
export const ACTION_RECOVERY_POLL_SECONDS = 5;

export interface RecoveryJob {
  userId: string;
  actionId: string;
}

export async function recoverAction(
  deps: CarryOutDeps,
  job: RecoveryJob,
): Promise<{ outcome: string }> {
  const action = await deps.db.withTenant(job.userId, async (tx) => {
    const [row] = await tx<StoredAction[]>`
      select status, action_type, parameters, analysis_request_id, linked_account_id,
             idempotency_key::text
      from proposed_actions where id = ${job.actionId}`;
    if (!row || row.status !== "executing" || !row.linked_account_id) return null;
    // Checked when it was approved; the executor reads it as stored then.
    const parameters = ActionParameters[row.action_type as ActionType].parse(row.parameters);
    return await claimedAction(
      tx,
      job.userId,
      job.actionId,
      { ...row, linked_account_id: row.linked_account_id },
      parameters as Record<string, unknown>,
    );
  });
  if (!action) return { outcome: "already settled" };
  deps.log.warn("recovering an action left executing", { action_id: action.id });
  let execution;
  try {
    execution = await callShopify(deps, action, "recover");
  } catch (error) {
    // Unknown whether Shopify has it: leave it executing; pg-boss retries with backoff.
    deps.log.error("action recovery could not reach Shopify", { action_id: action.id, error });
    throw error;
  }
  const recorded = await recordOutcome(deps, action, execution, "system");
  return {
    outcome: !recorded.recorded
      ? "already settled"
      : execution.ok
      ? (execution.result.recovered ? "found on Shopify" : "executed")
      : "failed",
  };
}
