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
import { parseActionParameters } from "./action_types.ts";
import type { Execution } from "./execution.ts";
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

/** Retries of one recovery job while Shopify cannot be reached (pg-boss counts retries). */
export const ACTION_RECOVERY_RETRY_LIMIT = 10;

export interface RecoveryJob {
  userId: string;
  actionId: string;
}

/**
 * What the merchant reads when recovery cannot find out: the action may or
 * may not have reached Shopify, so it is failed rather than guessed or sent.
 */
const UNCONFIRMED = (why: string) => ({
  ok: false as const,
  code: "EXTERNAL_SERVICE_ERROR" as const,
  message: `Alatar could not confirm with Shopify whether this ran (${why}). ` +
    "Check the store before approving anything like it again.",
  details: { unconfirmed: true },
});

export async function recoverAction(
  deps: CarryOutDeps,
  job: RecoveryJob,
  retryCount = 0,
): Promise<{ outcome: string }> {
  const loaded = await deps.db.withTenant(job.userId, async (tx) => {
    const [row] = await tx<StoredAction[]>`
      select status, action_type, parameters, analysis_request_id, linked_account_id,
             idempotency_key::text
      from proposed_actions where id = ${job.actionId}`;
    if (!row || row.status !== "executing") return null;
    const settled = {
      id: job.actionId,
      userId: job.userId,
      analysisRequestId: row.analysis_request_id,
    };
    if (!row.linked_account_id) {
      return { kind: "unconfirmed" as const, settled, why: "the store was unlinked" };
    }
    const parameters = parseActionParameters(row.action_type, row.parameters);
    if (!parameters.ok) {
      return { kind: "unconfirmed" as const, settled, why: "its parameters changed while it ran" };
    }
    const action = await claimedAction(
      tx,
      job.userId,
      job.actionId,
      { ...row, linked_account_id: row.linked_account_id },
      parameters.parameters,
    );
    return { kind: "claimed" as const, action };
  });
  if (!loaded) return { outcome: "already settled" };
  if (loaded.kind === "unconfirmed") {
    await recordOutcome(deps, loaded.settled, UNCONFIRMED(loaded.why), "system");
    return { outcome: "failed unconfirmed" };
  }
  const { action } = loaded;
  deps.log.warn("recovering an action left executing", { action_id: action.id });
  let execution: Execution;
  try {
    execution = await callShopify(deps, action, "recover");
  } catch (error) {
    deps.log.error("action recovery could not reach Shopify", { action_id: action.id, error });
    // pg-boss retries with backoff while Shopify is away; the last attempt gives up honestly.
    if (retryCount < ACTION_RECOVERY_RETRY_LIMIT) throw error;
    execution = UNCONFIRMED("Shopify did not answer");
  }
  const recorded = await recordOutcome(deps, action, execution, "system");
  if (!recorded.recorded) return { outcome: "already settled" };
  if (!execution.ok) return { outcome: "failed" };
  return { outcome: execution.result.recovered ? "found on Shopify" : "executed" };
}
