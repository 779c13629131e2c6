/**
 * What is odd about an order as Shopify sent it (issue #10's bad input): a
 * null money set, a currency that is not ISO 4217, a refund larger than its
 * line, an agreement with more sales than one page. The order is mirrored as
 * sent all the same (the sync never stops on it); each flag is kept on the
 * order, and a figure the order counts in says so in its provenance.
 */
import type { DataFlag, RefundRecord } from "./records.ts";

const cents = (amount: string) => Math.round(Number(amount) * 100);
const CURRENCIES = new Set(Intl.supportedValuesOf("currency"));

export function dataFlags(
  order: { currency: string; nullMoney: boolean; truncated?: boolean },
  lines: Array<{ shopifyId: string; quantity: number; unitPrice: string; totalDiscount: string }>,
  refunds: RefundRecord[],
): DataFlag[] {
  const flags: DataFlag[] = [];
  if (order.nullMoney) flags.push("null_money_set");
  if (!CURRENCIES.has(order.currency)) flags.push("unknown_currency");
  const over = lines.some((line) => {
    const given = refunds.flatMap((r) => r.lines).filter((l) => l.lineItemId === line.shopifyId);
    const quantity = given.reduce((s, l) => s + l.quantity, 0);
    const subtotal = given.reduce((s, l) => s + cents(l.subtotal), 0);
    return quantity > line.quantity ||
      subtotal > cents(line.unitPrice) * line.quantity - cents(line.totalDiscount);
  });
  if (over) flags.push("refund_exceeds_line");
  if (order.truncated) flags.push("sales_truncated");
  return flags;
}
