/**
 * The evaluation's answers, computed straight from the dev store's data (the
 * objects Shopify would hold), not through the mirror or the pipeline, by the
 * rules of docs/metrics.md: orders dated on the shop's day, cancelled and test
 * orders and gift cards left out, returns on the refund's day.
 */
import type { DevShop } from "../devstore/seed.ts";

export interface Range {
  from: string;
  to: string;
}

export function shopDay(instant: string, timezone: string): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone: timezone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date(instant));
}

const within = (day: string, range: Range) => day >= range.from && day <= range.to;

export function expectedSales(shop: DevShop, range: Range) {
  let gross = 0, discounts = 0, returns = 0;
  const orders = new Set<number>();
  const byProduct = new Map<number, number>();
  for (const order of shop.orders) {
    if (order.test || order.cancelledAt) continue;
    const giftCard = new Set(order.lineItems.filter((l) => l.isGiftCard).map((l) => l.id));
    if (within(shopDay(order.createdAt, shop.timezone), range)) {
      for (const line of order.lineItems) {
        if (line.isGiftCard) continue;
        gross += line.unitPrice * line.quantity;
        discounts += line.discount;
        orders.add(order.id);
        byProduct.set(
          line.productId,
          (byProduct.get(line.productId) ?? 0) + line.unitPrice * line.quantity - line.discount,
        );
      }
    }
    for (const refund of order.refunds) {
      if (!within(shopDay(refund.createdAt, shop.timezone), range)) continue;
      for (const line of refund.lines) {
        if (giftCard.has(line.lineItemId)) continue;
        returns += line.amount;
        const productId = order.lineItems.find((l) => l.id === line.lineItemId)?.productId;
        if (productId) byProduct.set(productId, (byProduct.get(productId) ?? 0) - line.amount);
      }
    }
  }
  const top = [...byProduct].sort((a, b) => b[1] - a[1])[0];
  return {
    netSales: gross - discounts - returns,
    orders: orders.size,
    topProductId: top ? String(top[0]) : null,
  };
}
