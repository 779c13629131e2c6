/**
 * Carrying out an action that has been moved to `executing`: one call to
 * Shopify through its type's executor, then the outcome written in one
 * transaction (`executed` with Shopify's ids, or `failed` with why). Both the
 * merchant's approval and the crash recovery job come through here; the
 * outcome only lands while the action is still `executing`, so of two
 * writers the second changes nothing.
 */
import type { UserError } from "../auth/user_errors.ts";
import type { ActionType } from "./action_types.ts";
import { type ReturnPolicy, returnPolicyOf } from "./returns_policy.ts";
import type { Database, Tx } from "../db/database.ts";
import type { Logger } from "../log/logger.ts";
import { createAdminClient, ShopifyApiError } from "../shopify/admin_client.ts";
import { isStoreAccessLost, STORE_ACCESS_LOST } from "../shopify/access_lost.ts";
import { credentialsFor } from "../shopify/credentials.ts";
import type { ShopifyLinkDeps } from "../shopify/oauth.ts";
import { type Actor, auditAction } from "./audit.ts";
import type { Execution, ExecutionContext } from "./execution.ts";
import { EXECUTORS } from "./executors.ts";

export interface CarryOutDeps {
  db: Database;
  cipher: ShopifyLinkDeps["cipher"];
  shopify: ShopifyLinkDeps["shopify"];
  log: Logger;
}

/**
 * Per-call limits for action calls: short enough that a run is over well
 * before the recovery job looks (ACTION_RECOVERY_SECONDS, 300 s by default).
 */
export const ACTION_CALL_TIMEOUT_MS = 10_000;
export const ACTION_CALL_ATTEMPTS = 3;

/** An action claimed for execution, with everything the call needs. */
export interface ClaimedAction {
  id: string;
  userId: string;
  analysisRequestId: string;
  accountId: string;
  actionType: ActionType;
  /** Parsed by the type's schema. */
  parameters: Record<string, unknown>;
  idempotencyKey: string;
  returnPolicy: ReturnPolicy;
}

/** The columns of a `proposed_actions` row that carrying it out needs. */
export interface StoredAction {
  status: string;
  action_type: string;
  parameters: Record<string, unknown>;
  analysis_request_id: string;
  linked_account_id: string | null;
  idempotency_key: string;
}

/** An action ready to call Shopify with: its checked parameters and its store's returns policy. */
export async function claimedAction(
  tx: Tx,
  userId: string,
  id: string,
  row: StoredAction & { linked_account_id: string },
  parameters: Record<string, unknown>,
): Promise<ClaimedAction> {
  return {
    id,
    userId,
    analysisRequestId: row.analysis_request_id,
    accountId: row.linked_account_id,
    actionType: row.action_type as ActionType,
    parameters,
    idempotencyKey: row.idempotency_key,
    returnPolicy: await returnPolicyOf(tx, row.linked_account_id),
  };
}

/**
 * Calls Shopify for a claimed action: `mode: "run"` sends it; `"recover"`
 * first looks for what an earlier, unfinished run made, and sends it only if
 * there is nothing.
 */
export async function callShopify(
  deps: CarryOutDeps,
  action: ClaimedAction,
  mode: "run" | "recover",
): Promise<Execution> {
  const credentials = await credentialsFor(deps, action.userId, action.accountId);
  const options = {
    shop: credentials.shop,
    accessToken: () => credentials.accessToken,
    adminBaseUrl: deps.shopify.adminBaseUrl,
    apiVersion: deps.shopify.apiVersion,
    log: deps.log,
    timeoutMs: ACTION_CALL_TIMEOUT_MS,
  };
  const client = createAdminClient({ ...options, maxAttempts: ACTION_CALL_ATTEMPTS });
  const context: ExecutionContext = {
    idempotencyKey: action.idempotencyKey,
    returnPolicy: action.returnPolicy,
    now: new Date(),
    singleAttempt: createAdminClient({ ...options, maxAttempts: 1 }),
  };
  const executor = EXECUTORS[action.actionType];
  const parameters = action.parameters as never;
  if (mode === "recover") {
    const found = await executor.find(client, parameters, context);
    if (found) return found;
  }
  return await executor.run(client, parameters, context);
}

/** What a failed call tells the merchant; the whole error goes to the log only. */
export function executionError(error: unknown): Execution {
  if (isStoreAccessLost(error)) return { ok: false, message: STORE_ACCESS_LOST, details: {} };
  if (error instanceof ShopifyApiError) {
    return {
      ok: false,
      message: `Shopify did not carry it out: ${error.message}`,
      details: { kind: error.kind, ...error.details },
    };
  }
  return {
    ok: false,
    message: "The action could not be sent to Shopify because of a fault on our side.",
    details: {},
  };
}

/** Writes the outcome if the action is still `executing`; the merchant's error when it failed. */
export async function recordOutcome(
  deps: Pick<CarryOutDeps, "db">,
  action: Pick<ClaimedAction, "id" | "userId" | "analysisRequestId">,
  execution: Execution,
  actor: Actor,
): Promise<{ recorded: boolean; error?: UserError }> {
  return await deps.db.withTenant(action.userId, async (tx) => {
    const entry = {
      userId: action.userId,
      actor,
      actionId: action.id,
      analysisRequestId: action.analysisRequestId,
      from: "executing",
    };
    if (execution.ok) {
      const moved = await tx`update proposed_actions
               set status = 'executed', executed_at = now(), error_code = null,
                   execution_result = ${tx.json(execution.result as never)}
               where id = ${action.id} and status = 'executing'`;
      if (moved.count === 0) return { recorded: false };
      await auditAction(tx, {
        ...entry,
        action: "action.executed",
        to: "executed",
        details: execution.result,
      });
      return { recorded: true };
    }
    const error: UserError = {
      code: execution.code ?? "EXTERNAL_SERVICE_ERROR",
      message: execution.message,
    };
    const details = { code: error.code, message: execution.message, ...execution.details };
    const moved = await tx`update proposed_actions
             set status = 'failed', error_code = ${error.code},
                 execution_result = ${tx.json(details as never)}
             where id = ${action.id} and status = 'executing'`;
    if (moved.count === 0) return { recorded: false };
    await auditAction(tx, { ...entry, action: "action.failed", to: "failed", details });
    return { recorded: true, error };
  });
}
