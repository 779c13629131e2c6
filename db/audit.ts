/**
 * The one writer of `audit_log`: who did what to which record, and, for a
 * record with a status, from which status to which. Every module that audits
 * calls {@link audit} inside the transaction of the change it records, so the
 * line exists exactly when the change does. Action names are a closed list:
 * a typo is a type error, not a line no one will ever search for.
 *
 * Details carry ids, counts and Shopify's errors, never a token or a secret.
 */
import type { Tx } from "./database.ts";

export type Actor = "user" | "agent" | "system" | "shopify";

/** Every audited action, by the record it concerns. */
export type AuditAction =
  | "account.registered"
  | "account.registered_with_shopify"
  | "account.password_reset_requested"
  | "account.password_reset"
  | "account.registered_with_platform_login"
  | "platform_login.linked"
  | "platform_login.unlinked"
  | "session.logged_out"
  | "session.refresh_token_reused"
  | "device_token.created"
  | "device_token.revoked"
  | "shopify.linked"
  | "shopify.app_uninstalled"
  | "shopify.shop_redacted"
  | "shopify.customer_redacted"
  | "shopify.customer_data_requested"
  | "returns_policy.updated"
  | "analysis.submitted"
  | "analysis.completed"
  | "analysis.failed"
  | "analysis.cancelled"
  | "action.proposed"
  | "action.approved"
  | "action.rejected"
  | "action.executing"
  | "action.executed"
  | "action.failed";

export type AuditedEntity =
  | "linked_account"
  | "device_token"
  | "analysis_request"
  | "proposed_action";

export interface AuditEntry {
  userId: string;
  actor: Actor;
  action: AuditAction;
  entity?: { type: AuditedEntity; id: string };
  /** The analysis the record belongs to (requests and their actions). */
  analysisRequestId?: string;
  from?: string | null;
  to?: string | null;
  details?: Record<string, unknown>;
}

export async function audit(tx: Tx, entry: AuditEntry): Promise<void> {
  await tx`insert into audit_log (user_id, actor, action, entity_type, entity_id,
             analysis_request_id, before_status, after_status, details)
           values (${entry.userId}, ${entry.actor}, ${entry.action}, ${entry.entity?.type ?? null},
             ${entry.entity?.id ?? null}, ${entry.analysisRequestId ?? null}, ${entry.from ?? null},
             ${entry.to ?? null}, ${tx.json((entry.details ?? {}) as never)})`;
}
