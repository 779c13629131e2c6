/**
 * The returns policy check (seed 003): may this order's items come back, and
 * for how much? `checkReturn` is pure, so the rules are tested on their own;
 * `returnPolicyOf` reads the store's policy from `store_return_policies`
 * (defaults when it has no row). Customer Service checks at proposal, and a
 * refund's executor checks again, against the live order, before it runs.
 *
 * - Items past the return window, or tagged final sale, are not returnable.
 * - The reason must be one the store allows.
 * - The restocking fee applies only when the customer changed their mind or
 *   the size did not fit; never when the shop sent a damaged, defective or
 *   wrong item.
 */

import type { Tx } from "../db/database.ts";

export interface ReturnPolicy {
  returnWindowDays: number;
  finalSaleTags: string[];
  allowedReasons: string[];
  restockingFeePercent: number;
}

export const DEFAULT_RETURN_POLICY: ReturnPolicy = {
  returnWindowDays: 30,
  finalSaleTags: ["final-sale"],
  allowedReasons: [
    "damaged",
    "defective",
    "wrong_item",
    "not_as_described",
    "size_or_fit",
    "changed_mind",
  ],
  restockingFeePercent: 0,
};

/** The store's policy from `store_return_policies`, or the defaults when it has no row. */
export async function returnPolicyOf(tx: Tx, accountId: string): Promise<ReturnPolicy> {
  return (await returnPoliciesOf(tx, [accountId])).get(accountId)!;
}

/** Each store's policy in one read (the defaults for a store without a row). */
export async function returnPoliciesOf(
  tx: Tx,
  accountIds: readonly string[],
): Promise<Map<string, ReturnPolicy>> {
  const rows = await tx<
    {
      linked_account_id: string;
      return_window_days: number;
      final_sale_tags: string[];
      allowed_reasons: string[];
      restocking_fee_percent: number;
    }[]
  >`select linked_account_id, return_window_days, final_sale_tags, allowed_reasons,
           restocking_fee_percent::float8 as restocking_fee_percent
    from store_return_policies where linked_account_id = any(${accountIds as string[]}::uuid[])`;
  const found = new Map(rows.map((row) => [row.linked_account_id, {
    returnWindowDays: row.return_window_days,
    finalSaleTags: row.final_sale_tags,
    allowedReasons: row.allowed_reasons,
    restockingFeePercent: row.restocking_fee_percent,
  }]));
  return new Map(accountIds.map((id) => [id, found.get(id) ?? DEFAULT_RETURN_POLICY]));
}

const SHOP_AT_FAULT = new Set(["damaged", "defective", "wrong_item", "not_as_described"]);

export interface ReturnLine {
  lineItemId: string;
  title: string;
  /** Quantity bought minus quantity already refunded. */
  refundableQuantity: number;
  /** What one unit cost after its share of line discounts. */
  unitNet: number;
  productTags: string[];
}

export interface ReturnCheck {
  eligible: boolean;
  /** Why not, in words a merchant can pass on; empty when eligible. */
  reasons: string[];
  daysSinceOrder: number;
  lines: Array<ReturnLine & { returnable: boolean; why?: string }>;
  subtotal: number;
  restockingFee: number;
  refundAmount: number;
}

const cents = (n: number) => Math.round(n * 100) / 100;

/** The reason a merchant's words name, in the policy's vocabulary. */
export function reasonOf(text: string): string {
  const t = text.toLowerCase();
  if (/\b(damaged|broken|arrived broken|cracked|torn)\b/.test(t)) return "damaged";
  if (/\b(defective|faulty|doesn't work|does not work|stopped working)\b/.test(t)) {
    return "defective";
  }
  if (/\bwrong (item|product|colou?r|size sent)\b/.test(t)) return "wrong_item";
  if (/\bnot as described\b/.test(t)) return "not_as_described";
  if (/\b(too (small|big|large|tight|loose)|size|fit)\b/.test(t)) return "size_or_fit";
  return "changed_mind";
}

export function checkReturn(
  policy: ReturnPolicy,
  order: { createdAt: Date; cancelled: boolean },
  lines: ReturnLine[],
  reason: string,
  now: Date,
): ReturnCheck {
  const daysSinceOrder = Math.floor((now.getTime() - order.createdAt.getTime()) / 86_400_000);
  const reasons: string[] = [];
  if (order.cancelled) reasons.push("The order was cancelled.");
  if (daysSinceOrder > policy.returnWindowDays) {
    reasons.push(
      `The order is ${daysSinceOrder} days old; the return window is ${policy.returnWindowDays} days.`,
    );
  }
  if (!policy.allowedReasons.includes(reason)) {
    reasons.push(`"${reason.replaceAll("_", " ")}" is not a return reason this store accepts.`);
  }
  const finalSale = new Set(policy.finalSaleTags.map((t) => t.toLowerCase()));
  type Checked = ReturnLine & { returnable: boolean; why?: string };
  const checked = lines.map((line): Checked => {
    if (line.refundableQuantity <= 0) {
      return { ...line, returnable: false, why: "already refunded" };
    }
    if (line.productTags.some((t) => finalSale.has(t.toLowerCase()))) {
      return { ...line, returnable: false, why: "final sale" };
    }
    return { ...line, returnable: true };
  });
  const returnable = checked.filter((l) => l.returnable);
  if (returnable.length === 0 && lines.length > 0) {
    reasons.push(
      checked.every((l) => l.why === "already refunded")
        ? "Everything on the order has already been refunded."
        : "Nothing on the order can be returned (final sale or already refunded).",
    );
  }
  const subtotal = cents(returnable.reduce((s, l) => s + l.unitNet * l.refundableQuantity, 0));
  const feeApplies = !SHOP_AT_FAULT.has(reason);
  const restockingFee = feeApplies ? cents(subtotal * policy.restockingFeePercent / 100) : 0;
  const eligible = reasons.length === 0;
  return {
    eligible,
    reasons,
    daysSinceOrder,
    lines: checked,
    subtotal,
    restockingFee: eligible ? restockingFee : 0,
    refundAmount: eligible ? cents(subtotal - restockingFee) : 0,
  };
}
