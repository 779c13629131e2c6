/** Writes the store's discount codes into the mirror. */
import { jsonParam as json, type Tx } from "../db/database.ts";
import type { DiscountCodeRecord, MirrorScope } from "./records.ts";

/** Discount codes are few: each sync replaces the account's whole set. */
export async function replaceDiscountCodes(
  tx: Tx,
  scope: MirrorScope,
  codes: DiscountCodeRecord[],
): Promise<number> {
  await tx`delete from shop_discount_codes where linked_account_id = ${scope.accountId}`;
  if (codes.length === 0) return 0;
  const rows = codes.map((c) => ({
    discount_id: c.discountId,
    code: c.code,
    title: c.title,
    status: c.status,
    percentage: c.percentage,
    amount: c.amount,
    starts_at: c.startsAt,
    ends_at: c.endsAt,
    usage_count: c.usageCount,
  }));
  const inserted = await tx`
    insert into shop_discount_codes (user_id, linked_account_id, discount_id, code, title, status,
      percentage, amount, starts_at, ends_at, usage_count)
    select ${scope.userId}, ${scope.accountId}, r.*
    from jsonb_to_recordset(${json(tx, rows)}) as r(discount_id bigint, code text, title text,
      status text, percentage numeric, amount numeric, starts_at timestamptz, ends_at timestamptz,
      usage_count integer)
    on conflict do nothing`;
  return inserted.count;
}
