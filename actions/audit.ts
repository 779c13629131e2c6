/**
 * One line of an action's audit trail: who moved it from which status to
 * which, with Shopify's ids or errors in `details` (never a token). The agent
 * writes the proposal, the merchant the decision, the system a recovery.
 * Written by the one audit writer (db/audit.ts); this only names the record.
 */
import { type Actor, audit, type AuditAction } from "../db/audit.ts";
import type { Tx } from "../db/database.ts";

export type { Actor };

export async function auditAction(
  tx: Tx,
  entry: {
    userId: string;
    actor: Actor;
    actionId: string;
    analysisRequestId: string;
    action: Extract<AuditAction, `action.${string}`>;
    from: string | null;
    to: string;
    details?: Record<string, unknown>;
  },
) {
  await audit(tx, {
    userId: entry.userId,
    actor: entry.actor,
    action: entry.action,
    entity: { type: "proposed_action", id: entry.actionId },
    analysisRequestId: entry.analysisRequestId,
    from: entry.from,
    to: entry.to,
    ...(entry.details ? { details: entry.details } : {}),
  });
}
