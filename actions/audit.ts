/**
 * One line of an action's audit trail: who moved it from which status to
 * which, with Shopify's ids or errors in `details` (never a token). The agent
 * writes the proposal, the merchant the decision, the system a recovery.
 */
import type { Tx } from "../db/database.ts";

export type Actor = "agent" | "user" | "system";

export async function auditAction(
  tx: Tx,
  entry: {
    userId: string;
    actor: Actor;
    actionId: string;
    analysisRequestId: string;
    action: string;
    from: string | null;
    to: string;
    details?: Record<string, unknown>;
  },
) {
  await tx`insert into audit_log (user_id, actor, action, entity_type, entity_id,
             analysis_request_id, before_status, after_status, details)
           values (${entry.userId}, ${entry.actor}, ${entry.action}, 'proposed_action',
             ${entry.actionId}, ${entry.analysisRequestId}, ${entry.from}, ${entry.to},
             ${tx.json((entry.details ?? {}) as never)})`;
}
