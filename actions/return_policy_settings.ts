/**
 * A merchant's changes to a store's returns policy (the dashboard's Store screen, the API's
 * `updateReturnPolicy`): checked, saved in the store's row (created on the first change, so a
 * store never changed keeps following the defaults), and audited with what changed. Refunds are
 * checked against it when proposed and again before they run (actions/returns_policy.ts).
 *
 * @example
 * ```ts
 * const saved = await updateReturnPolicy(deps, viewer, { linkedAccountId, returnWindowDays: 60 });
 * ```
 */
import type { Viewer } from "../auth/access_tokens.ts";
import { fail, ok, type Outcome } from "../auth/user_errors.ts";
import { audit } from "../db/audit.ts";
import { type Database, isUuid } from "../db/database.ts";
import { DEFAULT_RETURN_POLICY, type ReturnPolicy, returnPolicyOf } from "./returns_policy.ts";

export interface ReturnPolicyChange {
  linkedAccountId: string;
  returnWindowDays?: number | null;
  finalSaleTags?: string[] | null;
  allowedReasons?: string[] | null;
  restockingFeePercent?: number | null;
}

/** Every reason a return can be for; a store allows some or all of them. */
export const RETURN_REASONS = DEFAULT_RETURN_POLICY.allowedReasons;

/** Why `change` cannot be saved, with the field at fault; null when it can. */
function problemOf(change: ReturnPolicyChange): { field: string; message: string } | null {
  const { returnWindowDays: days, finalSaleTags: tags, allowedReasons: reasons } = change;
  const fee = change.restockingFeePercent;
  for (const field of Object.keys(change) as Array<keyof ReturnPolicyChange>) {
    if (change[field] === null) {
      return { field, message: `${field} cannot be null; omit it to keep it.` };
    }
  }
  if (days != null && (!Number.isInteger(days) || days < 0 || days > 365)) {
    return { field: "returnWindowDays", message: "The return window is 0 to 365 whole days." };
  }
  if (tags && (tags.length > 20 || tags.some((t) => !t.trim() || t.length > 40))) {
    return { field: "finalSaleTags", message: "Up to 20 tags of 1 to 40 characters each." };
  }
  if (reasons) {
    const unknown = reasons.filter((r) => !RETURN_REASONS.includes(r));
    if (unknown.length) {
      return {
        field: "allowedReasons",
        message: `Unknown reason ${unknown.map((r) => `"${r}"`).join(", ")}; the reasons are ${
          RETURN_REASONS.join(", ")
        }.`,
      };
    }
  }
  if (fee != null && (!Number.isFinite(fee) || fee < 0 || fee > 100)) {
    return { field: "restockingFeePercent", message: "The restocking fee is 0 to 100 percent." };
  }
  return null;
}

export async function updateReturnPolicy(
  deps: { db: Database },
  viewer: Viewer,
  change: ReturnPolicyChange,
): Promise<Outcome<ReturnPolicy>> {
  const problem = problemOf(change);
  if (problem) return fail("INVALID_INPUT", problem.message, { field: problem.field });
  if (!isUuid(change.linkedAccountId)) {
    return fail("NOT_FOUND", "There is no linked store with this id.", {
      field: "linkedAccountId",
    });
  }
  return await deps.db.withTenant(viewer.userId, async (tx) => {
    const [store] = await tx`select 1 from linked_accounts where id = ${change.linkedAccountId}`;
    if (!store) {
      return fail("NOT_FOUND", "There is no linked store with this id.", {
        field: "linkedAccountId",
      });
    }
    const before = await returnPolicyOf(tx, change.linkedAccountId);
    const after: ReturnPolicy = {
      returnWindowDays: change.returnWindowDays ?? before.returnWindowDays,
      finalSaleTags: change.finalSaleTags?.map((t) => t.trim()) ?? before.finalSaleTags,
      allowedReasons: change.allowedReasons ?? before.allowedReasons,
      restockingFeePercent: change.restockingFeePercent ?? before.restockingFeePercent,
    };
    await tx`
      insert into store_return_policies (linked_account_id, user_id, return_window_days,
        final_sale_tags, allowed_reasons, restocking_fee_percent, updated_at)
      values (${change.linkedAccountId}, ${viewer.userId}, ${after.returnWindowDays},
        ${after.finalSaleTags}, ${after.allowedReasons}, ${after.restockingFeePercent}, now())
      on conflict (linked_account_id) do update set
        return_window_days = excluded.return_window_days,
        final_sale_tags = excluded.final_sale_tags,
        allowed_reasons = excluded.allowed_reasons,
        restocking_fee_percent = excluded.restocking_fee_percent,
        updated_at = now()`;
    await audit(tx, {
      userId: viewer.userId,
      actor: "user",
      action: "returns_policy.updated",
      entity: { type: "linked_account", id: change.linkedAccountId },
      details: { before, after },
    });
    return ok(await returnPolicyOf(tx, change.linkedAccountId));
  });
}
