/**
 * The merchant's decision on a proposed action (seed 000 §7, the HITL
 * sequence): approving runs it on Shopify, rejecting closes it. The agent
 * never gets here; only these two functions move an action past `proposed`.
 *
 * Approval happens in three steps, so no transaction is held open while
 * Shopify is called:
 * 1. In one tenant transaction, with the action's row locked: it must still
 *    be `proposed` (so of two devices tapping at once exactly one gets on),
 *    its request not cancelled, its store linked. It becomes `approved`; then
 *    the store's granted scopes and the parameters are checked again (they
 *    may have been tampered with since the proposal), failing it
 *    (`PERMISSION_DENIED`, `INVALID_INPUT`) or moving it to `executing`. In
 *    the same transaction a recovery job is queued to run after the call's
 *    longest possible life: if this process dies mid-call, that job settles
 *    the action (actions/recovery.ts) instead of leaving it `executing`.
 * 2. Shopify is called (actions/carry_out.ts).
 * 3. The outcome is recorded: `executed` with Shopify's ids, or `failed` with
 *    Shopify's userErrors or the transport error (`EXTERNAL_SERVICE_ERROR`).
 * Every move is written to `audit_log`, without tokens.
 *
 * @example
 * ```ts
 * const outcome = await approveAction(services, viewer, actionId);
 * if (outcome.ok && outcome.value.error) show(outcome.value.error.message);
 * ```
 */
import type { Viewer } from "../auth/access_tokens.ts";
import { clientKey as checkClientKey } from "../auth/client_keys.ts";
import { fail, ok, type Outcome, type UserError } from "../auth/user_errors.ts";
import { ActionParameters, type ActionType, parseActionParameters } from "./action_types.ts";
import type { Tx } from "../db/database.ts";
import { isUuid } from "../db/database.ts";
import { enqueueInTransaction, type Enqueuer } from "../jobs/enqueue.ts";
import { auditAction } from "./audit.ts";
import {
  callShopify,
  type CarryOutDeps,
  type ClaimedAction,
  claimedAction,
  executionError,
  recordOutcome,
  type StoredAction,
} from "./carry_out.ts";
import type { Execution } from "./execution.ts";
import { ACTION_RECOVERY_QUEUE, ACTION_RECOVERY_SECONDS, type RecoveryJob } from "./recovery.ts";
import { missingScopes } from "./scopes.ts";

export interface ActionDeps extends CarryOutDeps {
  boss: Enqueuer;
  /** When the recovery job looks at an action still `executing`. */
  actionRecoverySeconds?: number;
}

/** What a decision came to: the action, and the error the merchant should read, if any. */
export interface Decision {
  id: string;
  error?: UserError;
}

interface ActionRow extends StoredAction {
  decision_key: string | null;
  error_code: UserError["code"] | null;
  error_message: string | null;
  request_status: string;
  account_status: string | null;
  scopes: string[] | null;
}

const notFound = () =>
  fail("NOT_FOUND", "There is no proposed action with this id.", { field: "actionId" });

const KEY_INDEX = "proposed_actions_decision_key_idx";

const keyUsedElsewhere = () =>
  fail(
    "INVALID_INPUT",
    "This client key was already used for another decision: send a new key for a new decision.",
    { field: "clientMutationId" },
  );

/**
 * A retry of the decision `key` already made on `row` (the same action, the
 * same kind of decision): its first outcome, as the action stands now. A key
 * that made another decision is refused; a fresh key returns null.
 */
async function replayed(
  tx: Tx,
  row: ActionRow,
  id: string,
  key: string | null,
  decided: (status: string) => boolean,
): Promise<Outcome<Decision> | null> {
  if (key === null) return null;
  if (row.decision_key === key) {
    if (!decided(row.status)) return keyUsedElsewhere();
    const error = row.status === "failed" && row.error_code
      ? { code: row.error_code, message: row.error_message ?? "The action failed." }
      : undefined;
    return ok({ id, ...(error ? { error } : {}) });
  }
  const [other] = await tx`select 1 from proposed_actions where decision_key = ${key}`;
  return other ? keyUsedElsewhere() : null;
}

/** Two decisions racing with one key on two actions: the unique index lets one through. */
async function refusingReusedKey<T>(decide: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
  try {
    return await decide();
  } catch (error) {
    const { code, constraint_name } = error as { code?: string; constraint_name?: string };
    if (code === "23505" && constraint_name === KEY_INDEX) return keyUsedElsewhere();
    throw error;
  }
}

const APPROVED = new Set(["approved", "executing", "executed", "failed"]);

async function lockedAction(tx: Tx, id: string) {
  const [row] = await tx<ActionRow[]>`
    select a.status, a.action_type, a.parameters, a.analysis_request_id, a.linked_account_id,
           a.idempotency_key::text, a.decision_key, a.error_code,
           a.execution_result->>'message' as error_message, r.status as request_status, l.status as account_status,
           l.scopes
    from proposed_actions a
    join analysis_requests r on r.id = a.analysis_request_id
    left join linked_accounts l on l.id = a.linked_account_id
    where a.id = ${id}
    for update of a`;
  return row ?? null;
}

export async function approveAction(
  deps: ActionDeps,
  viewer: Viewer,
  id: string,
  clientKey: string | null = null,
): Promise<Outcome<Decision>> {
  const key = checkClientKey(clientKey);
  if (!key.ok) return key;
  if (!isUuid(id)) return notFound();
  const claimed = await refusingReusedKey(() =>
    deps.db.withTenant(viewer.userId, async (tx): Promise<Outcome<Decision | ClaimedAction>> => {
      const row = await lockedAction(tx, id);
      if (!row) return notFound();
      const replay = await replayed(tx, row, id, key.value, (status) => APPROVED.has(status));
      if (replay) return replay;
      if (row.status !== "proposed") {
        return fail("INVALID_INPUT", `Cannot approve this action: it is already ${row.status}.`, {
          field: "actionId",
        });
      }
      if (!(row.action_type in ActionParameters)) {
        return fail("INVALID_INPUT", "Alatar cannot carry out this kind of action.", {
          field: "actionId",
        });
      }
      if (row.request_status === "cancelled") {
        return fail("TASK_CANCELLED", "Its analysis was cancelled, so this action can't run.", {
          field: "actionId",
        });
      }
      if (!row.linked_account_id || row.account_status !== "active") {
        return fail("PERMISSION_DENIED", "The store is no longer linked. Link it again first.", {
          field: "actionId",
        });
      }
      const entry = {
        userId: viewer.userId,
        actor: "user" as const,
        actionId: id,
        analysisRequestId: row.analysis_request_id,
      };
      await tx`update proposed_actions
               set status = 'approved', approved_at = now(), decision_key = ${key.value}
               where id = ${id}`;
      await auditAction(tx, {
        ...entry,
        action: "action.approved",
        from: "proposed",
        to: "approved",
      });

      const failNow = async (error: UserError) => {
        await tx`update proposed_actions
                 set status = 'failed', error_code = ${error.code},
                     execution_result = ${tx.json({ code: error.code, message: error.message })}
                 where id = ${id}`;
        await auditAction(tx, {
          ...entry,
          action: "action.failed",
          from: "approved",
          to: "failed",
          details: { code: error.code, message: error.message },
        });
        return ok<Decision>({ id, error });
      };
      const type = row.action_type as ActionType;
      const missing = missingScopes(type, row.scopes ?? []);
      if (missing.length > 0) {
        return await failNow({
          code: "PERMISSION_DENIED",
          message: `The store has not granted Alatar ${
            missing.map((s) => `\`${s}\``).join(", ")
          }. Link the store again and accept the new permission, then ask again.`,
        });
      }
      const parameters = parseActionParameters(type, row.parameters);
      if (!parameters.ok) {
        return await failNow({
          code: "INVALID_INPUT",
          message: `The action's parameters are not valid any more (${parameters.reason}).`,
        });
      }
      await tx`update proposed_actions set status = 'executing' where id = ${id}`;
      await auditAction(tx, {
        ...entry,
        action: "action.executing",
        from: "approved",
        to: "executing",
      });
      await enqueueInTransaction(
        deps.boss,
        tx,
        ACTION_RECOVERY_QUEUE,
        { userId: viewer.userId, actionId: id } satisfies RecoveryJob,
        {
          singletonKey: id,
          startAfter: deps.actionRecoverySeconds ?? ACTION_RECOVERY_SECONDS,
        },
      );
      return ok<ClaimedAction>(
        await claimedAction(
          tx,
          viewer.userId,
          id,
          { ...row, linked_account_id: row.linked_account_id },
          parameters.parameters,
        ),
      );
    })
  );
  if (!claimed.ok) return claimed;
  if (!("actionType" in claimed.value)) return ok(claimed.value);
  const action = claimed.value;

  let execution: Execution;
  try {
    execution = await callShopify(deps, action, "run");
  } catch (error) {
    deps.log.error("action execution failed", { action_id: id, error });
    execution = executionError(error);
  }
  const recorded = await recordOutcome(deps, action, execution, "user");
  return ok({ id, error: recorded.error });
}

export async function rejectAction(
  deps: Pick<ActionDeps, "db">,
  viewer: Viewer,
  id: string,
  clientKey: string | null = null,
): Promise<Outcome<Decision>> {
  const key = checkClientKey(clientKey);
  if (!key.ok) return key;
  if (!isUuid(id)) return notFound();
  return await refusingReusedKey(() =>
    deps.db.withTenant(viewer.userId, async (tx) => {
      const row = await lockedAction(tx, id);
      if (!row) return notFound();
      const replay = await replayed(tx, row, id, key.value, (status) => status === "rejected");
      if (replay) return replay;
      if (row.status !== "proposed") {
        return fail("INVALID_INPUT", `Cannot reject this action: it is already ${row.status}.`, {
          field: "actionId",
        });
      }
      await tx`update proposed_actions
             set status = 'rejected', rejected_at = now(), decision_key = ${key.value}
             where id = ${id}`;
      await auditAction(tx, {
        userId: viewer.userId,
        actor: "user",
        actionId: id,
        analysisRequestId: row.analysis_request_id,
        action: "action.rejected",
        from: "proposed",
        to: "rejected",
      });
      return ok({ id });
    })
  );
}
