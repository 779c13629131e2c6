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
 *    (`PERMISSION_DENIED`, `INVALID_INPUT`) or moving it to `executing`.
 * 2. Shopify is called.
 * 3. The outcome is recorded: `executed` with Shopify's ids, or `failed` with
 *    Shopify's userErrors or the transport error (`EXTERNAL_SERVICE_ERROR`).
 * Every move is written to `audit_log`, without tokens.
 */
import type { Viewer } from "../auth/access_tokens.ts";
import type { TokenCipher } from "../auth/token_cipher.ts";
import { fail, ok, type Outcome, type UserError } from "../auth/user_errors.ts";
import {
  type ActionParameters,
  ActionParameters as Schemas,
  type ActionType,
} from "../agents/actions.ts";
import type { Database, Tx } from "../db/database.ts";
import { isUuid } from "../db/database.ts";
import type { Logger } from "../log/logger.ts";
import { createAdminClient, ShopifyApiError } from "../shopify/admin_client.ts";
import type { AdminClient } from "../shopify/admin_client.ts";
import { credentialsFor } from "../shopify/credentials.ts";
import type { ShopifyLinkDeps } from "../shopify/oauth.ts";
import { createDiscountCode } from "./discount_executor.ts";
import type { Execution } from "./execution.ts";
import { missingScopes } from "./scopes.ts";
import type { z } from "zod";

export interface ActionDeps {
  db: Database;
  cipher: TokenCipher;
  shopify: ShopifyLinkDeps["shopify"];
  log: Logger;
}

type Executor = (client: AdminClient, parameters: Record<string, unknown>) => Promise<Execution>;

/** The action types the backend can run. Others stay proposed until they can be. */
const EXECUTORS: Partial<Record<ActionType, Executor>> = {
  create_discount_code: (client, p) =>
    createDiscountCode(client, p as z.infer<typeof ActionParameters.create_discount_code>),
};

/** What a decision came to: the action, and the error the merchant should read, if any. */
export interface Decision {
  id: string;
  error?: UserError;
}

interface ActionRow {
  status: string;
  action_type: string;
  parameters: Record<string, unknown>;
  analysis_request_id: string;
  linked_account_id: string | null;
  request_status: string;
  account_status: string | null;
  scopes: string[] | null;
}

const notFound = () =>
  fail("NOT_FOUND", "There is no proposed action with this id.", { field: "actionId" });

async function lockedAction(tx: Tx, id: string) {
  const [row] = await tx<ActionRow[]>`
    select a.status, a.action_type, a.parameters, a.analysis_request_id, a.linked_account_id,
           r.status as request_status, l.status as account_status, l.scopes
    from proposed_actions a
    join analysis_requests r on r.id = a.analysis_request_id
    left join linked_accounts l on l.id = a.linked_account_id
    where a.id = ${id}
    for update of a`;
  return row ?? null;
}

async function audit(
  tx: Tx,
  viewer: Viewer,
  id: string,
  row: Pick<ActionRow, "analysis_request_id">,
  action: string,
  from: string,
  to: string,
  details: Record<string, unknown> = {},
) {
  await tx`insert into audit_log (user_id, actor, action, entity_type, entity_id,
             analysis_request_id, before_status, after_status, details)
           values (${viewer.userId}, 'user', ${action}, 'proposed_action', ${id},
             ${row.analysis_request_id}, ${from}, ${to}, ${tx.json(details as never)})`;
}

/** Moves an action that cannot run to `failed`, saying why. */
async function failBeforeShopify(
  tx: Tx,
  viewer: Viewer,
  id: string,
  row: ActionRow,
  error: UserError,
): Promise<Outcome<Decision>> {
  await tx`update proposed_actions
           set status = 'failed', error_code = ${error.code},
               execution_result = ${tx.json({ message: error.message })}
           where id = ${id}`;
  await audit(tx, viewer, id, row, "action.failed", "approved", "failed", {
    code: error.code,
    message: error.message,
  });
  return ok({ id, error });
}

export async function approveAction(
  deps: ActionDeps,
  viewer: Viewer,
  id: string,
): Promise<Outcome<Decision>> {
  if (!isUuid(id)) return notFound();
  const claimed = await deps.db.withTenant(viewer.userId, async (tx) => {
    const row = await lockedAction(tx, id);
    if (!row) return notFound();
    if (row.status !== "proposed") {
      return fail("INVALID_INPUT", `Cannot approve this action: it is already ${row.status}.`, {
        field: "actionId",
      });
    }
    const type = row.action_type as ActionType;
    const executor = EXECUTORS[type];
    if (!executor) {
      return fail("INVALID_INPUT", "Alatar cannot carry out this kind of action yet.", {
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
    await tx`update proposed_actions set status = 'approved', approved_at = now() where id = ${id}`;
    await audit(tx, viewer, id, row, "action.approved", "proposed", "approved");

    const missing = missingScopes(type, row.scopes ?? []);
    if (missing.length > 0) {
      return await failBeforeShopify(tx, viewer, id, row, {
        code: "PERMISSION_DENIED",
        message: `The store has not granted Alatar ${
          missing.map((s) => `\`${s}\``).join(", ")
        }. Link the store again and accept the new permission, then ask again.`,
      });
    }
    const parameters = Schemas[type].safeParse(row.parameters);
    if (!parameters.success) {
      return await failBeforeShopify(tx, viewer, id, row, {
        code: "INVALID_INPUT",
        message: `The action's parameters are not valid any more (${
          parameters.error.issues[0]!.path.join(".") || "parameters"
        }: ${parameters.error.issues[0]!.message}).`,
      });
    }
    await tx`update proposed_actions set status = 'executing' where id = ${id}`;
    await audit(tx, viewer, id, row, "action.executing", "approved", "executing");
    return ok({
      run: {
        executor,
        parameters: parameters.data as Record<string, unknown>,
        accountId: row.linked_account_id,
        row,
      },
    });
  });
  if (!claimed.ok) return claimed;
  if (!("run" in claimed.value)) return claimed as Outcome<Decision>;
  const { executor, parameters, accountId, row } = claimed.value.run;

  let execution: Execution;
  try {
    const credentials = await credentialsFor(deps, viewer.userId, accountId);
    const client = createAdminClient({
      shop: credentials.shop,
      accessToken: () => credentials.accessToken,
      adminBaseUrl: deps.shopify.adminBaseUrl,
      apiVersion: deps.shopify.apiVersion,
      log: deps.log,
    });
    execution = await executor(client, parameters);
  } catch (error) {
    deps.log.error("action execution failed", { action_id: id, error });
    execution = {
      ok: false,
      message: error instanceof ShopifyApiError
        ? `Shopify did not carry it out: ${error.message}`
        : "The action could not be sent to Shopify. Try again later.",
      details: error instanceof ShopifyApiError ? { kind: error.kind, ...error.details } : {},
    };
  }

  return await deps.db.withTenant(viewer.userId, async (tx) => {
    if (execution.ok) {
      await tx`update proposed_actions
               set status = 'executed', executed_at = now(), error_code = null,
                   execution_result = ${tx.json(execution.result as never)}
               where id = ${id} and status = 'executing'`;
      await audit(
        tx,
        viewer,
        id,
        row,
        "action.executed",
        "executing",
        "executed",
        execution.result,
      );
      return ok({ id });
    }
    const error: UserError = { code: "EXTERNAL_SERVICE_ERROR", message: execution.message };
    await tx`update proposed_actions
             set status = 'failed', error_code = ${error.code},
                 execution_result = ${
      tx.json({ message: execution.message, ...execution.details } as never)
    }
             where id = ${id} and status = 'executing'`;
    await audit(tx, viewer, id, row, "action.failed", "executing", "failed", {
      message: execution.message,
      ...execution.details,
    });
    return ok({ id, error });
  });
}

export async function rejectAction(
  deps: Pick<ActionDeps, "db">,
  viewer: Viewer,
  id: string,
): Promise<Outcome<Decision>> {
  if (!isUuid(id)) return notFound();
  return await deps.db.withTenant(viewer.userId, async (tx) => {
    const row = await lockedAction(tx, id);
    if (!row) return notFound();
    if (row.status !== "proposed") {
      return fail("INVALID_INPUT", `Cannot reject this action: it is already ${row.status}.`, {
        field: "actionId",
      });
    }
    await tx`update proposed_actions set status = 'rejected', rejected_at = now() where id = ${id}`;
    await audit(tx, viewer, id, row, "action.rejected", "proposed", "rejected");
    return ok({ id });
  });
}
