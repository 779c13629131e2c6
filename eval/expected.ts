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
    grossSales: gross,
    netSales: gross - discounts - returns,
    returns,
    orders: orders.size,
    averageOrderValue: orders.size ? (gross - discounts) / orders.size : 0,
    topProductId: top ? String(top[0]) : null,
  };
}

/**
 * Calendar arithmetic for the eval's expected ranges, written here on purpose
 * rather than imported: the expected values must not come from the code they
 * check (metrics/calendar.ts).
 */
const DAY_MS = 86_400_000;
const at = (day: string) => Date.parse(`${day}T00:00:00Z`);
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const daysBefore = (today: string, n: number) => day(at(today) - n * DAY_MS);
export function lastWeek(today: string): Range {
  const weekday = (new Date(at(today)).getUTCDay() + 6) % 7; // Monday 0
  const monday = at(today) - (weekday + 7) * DAY_MS;
  return { from: day(monday), to: day(monday + 6 * DAY_MS) };
}
export function thisWeek(today: string): Range {
  const weekday = (new Date(at(today)).getUTCDay() + 6) % 7;
  return { from: day(at(today) - weekday * DAY_MS), to: today };
}
/** A whole calendar month `back` months before today's (1 = last month). */
export function monthBefore(today: string, back: number): Range & { name: string; year: number } {
  const d = new Date(at(today));
  const first = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - back, 1);
  const last = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - back + 1, 0);
  return {
    from: day(first),
    to: day(last),
    name: new Date(first).toLocaleString("en-US", { month: "long", timeZone: "UTC" }),
    year: new Date(first).getUTCFullYear(),
  };
}
export const lastDays = (today: string, n: number): Range => ({
  from: daysBefore(today, n - 1),
  to: today,
});
