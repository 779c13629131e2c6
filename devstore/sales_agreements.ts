/**
 * An order's sales agreements, as Shopify's `Order.agreements` reports them:
 * the placement (`OrderAgreement`), each edit (`OrderEditAgreement`), each
 * refund (`RefundAgreement`) and each exchange (`ReturnAgreement`), oldest
 * first, with one product sale per line each touched. What is taken back is
 * signed negative, quantities and money alike, as in Shopify.
 */
import { TAX_RATE } from "./seed.ts";
import type { DevLineItem, DevOrder } from "./seed.ts";

export interface DevSale {
  id: number;
  actionType: "ORDER" | "RETURN";
  line: DevLineItem;
  quantity: number;
  /** Value after discounts, before taxes; the discount; the tax. Signed. */
  amount: number;
  discount: number;
  tax: number;
}

export interface DevAgreement {
  __typename: "OrderAgreement" | "OrderEditAgreement" | "RefundAgreement" | "ReturnAgreement";
  id: number;
  happenedAt: string;
  sales: DevSale[];
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function salesAgreements(order: DevOrder): DevAgreement[] {
  const lineOf = (id: number) => order.lineItems.find((l) => l.id === id)!;
  const added = (line: DevLineItem) =>
    order.changes.flatMap((c) => c.sales).filter((s) =>
      s.lineItemId === line.id && s.action === "ORDER"
    );
  // The placement: each line's units but those an edit or exchange added later.
  const placed: DevSale[] = order.lineItems.flatMap((line, i) => {
    const later = added(line);
    const quantity = line.quantity - later.reduce((s, a) => s + a.quantity, 0);
    if (quantity <= 0) return [];
    const discount = round2(line.discount - later.reduce((s, a) => s + a.discount, 0));
    const amount = round2(line.unitPrice * quantity - discount);
    return [{
      id: order.id * 100 + i,
      actionType: "ORDER" as const,
      line,
      quantity,
      amount,
      discount,
      tax: round2(amount * TAX_RATE),
    }];
  });
  const agreements: DevAgreement[] = [
    {
      __typename: "OrderAgreement",
      id: order.id * 10 + 6,
      happenedAt: order.createdAt,
      sales: placed,
    },
    ...order.changes.map((change, c): DevAgreement => ({
      __typename: change.kind === "edit" ? "OrderEditAgreement" : "ReturnAgreement",
      id: change.id,
      happenedAt: change.happenedAt,
      sales: change.sales.map((s, i) => {
        const sign = s.action === "ORDER" ? 1 : -1;
        return {
          id: order.id * 100 + 20 + c * 10 + i,
          actionType: s.action,
          line: lineOf(s.lineItemId),
          quantity: sign * s.quantity,
          amount: sign * s.amount,
          discount: sign * s.discount,
          tax: sign * s.tax,
        };
      }),
    })),
    ...order.refunds.map((refund, r): DevAgreement => ({
      __typename: "RefundAgreement",
      id: refund.id * 10 + 7,
      happenedAt: refund.createdAt,
      sales: refund.lines.map((l, i) => {
        const line = lineOf(l.lineItemId);
        return {
          id: order.id * 100 + 60 + r * 10 + i,
          actionType: "RETURN" as const,
          line,
          quantity: -l.quantity,
          amount: -l.amount,
          discount: -round2(line.discount * l.quantity / line.quantity),
          tax: -l.tax,
        };
      }),
    })),
  ];
  return agreements.sort((a, b) => a.happenedAt.localeCompare(b.happenedAt));
}
