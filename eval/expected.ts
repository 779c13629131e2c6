/**
 * The evaluation's answers, computed straight from the dev store's data (the
 * objects Shopify would hold), not through the mirror or the pipeline, by the
 * rules of docs/metrics.md (Shopify's sales reports): orders dated on the shop's
 * day, test orders and gift cards left out, returns on the refund's day, and a
 * cancelled order a sale on its day and a return, of whatever its refunds had
 * not given back, on the day it was cancelled.
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

export function expectedSales(shop: DevShop, range: Range, sourceName?: string) {
  let gross = 0, discounts = 0, returns = 0, units = 0, shipping = 0, taxes = 0, cost = 0;
  // Every variant of the dev store has a cost, and it never changes: each unit sold costs it,
  // each unit returned or cancelled gives it back.
  const unitCost = new Map(
    shop.products.flatMap((p) => p.variants.map((v) => [v.id, v.unitCost] as const)),
  );
  const costOf = (variantId: number, quantity: number) => (unitCost.get(variantId) ?? 0) * quantity;
  const orders = new Set<number>();
  const byProduct = new Map<number, number>();
  const addTo = (productId: number, amount: number) =>
    byProduct.set(productId, (byProduct.get(productId) ?? 0) + amount);
  for (const order of shop.orders) {
    if (order.test) continue;
    if (sourceName && order.sourceName !== sourceName) continue;
    const day = (instant: string) => within(shopDay(instant, shop.timezone), range);
    const refunded = new Map<number, number>();
    const refundedUnits = new Map<number, number>();
    for (const refund of order.refunds) {
      for (const line of refund.lines) {
        refunded.set(line.lineItemId, (refunded.get(line.lineItemId) ?? 0) + line.amount);
        refundedUnits.set(
          line.lineItemId,
          (refundedUnits.get(line.lineItemId) ?? 0) + line.quantity,
        );
      }
    }
    if (day(order.createdAt)) {
      shipping += order.shipping;
      taxes += order.tax;
      for (const line of order.lineItems) {
        if (line.isGiftCard) continue;
        gross += line.unitPrice * line.quantity;
        discounts += line.discount;
        units += line.quantity;
        cost += costOf(line.variantId, line.quantity);
        orders.add(order.id);
        addTo(line.productId, line.unitPrice * line.quantity - line.discount);
      }
    }
    for (const refund of order.refunds) {
      if (!day(refund.createdAt)) continue;
      shipping -= refund.shipping;
      for (const line of refund.lines) {
        const sold = order.lineItems.find((l) => l.id === line.lineItemId);
        if (!sold || sold.isGiftCard) continue;
        returns += line.amount;
        cost -= costOf(sold.variantId, line.quantity);
        addTo(sold.productId, -line.amount);
      }
    }
    if (order.cancelledAt && day(order.cancelledAt)) {
      // The cancellation gives back what was left: each line after discounts less its refunds,
      // the shipping not yet refunded, and the tax.
      shipping -= order.shipping - order.refunds.reduce((s, r) => s + r.shipping, 0);
      taxes -= order.tax;
      for (const line of order.lineItems) {
        if (line.isGiftCard) continue;
        const left = line.unitPrice * line.quantity - line.discount - (refunded.get(line.id) ?? 0);
        returns += left;
        cost -= costOf(line.variantId, line.quantity - (refundedUnits.get(line.id) ?? 0));
        addTo(line.productId, -left);
      }
    }
  }
  const top = [...byProduct].sort((a, b) => b[1] - a[1])[0];
  const netSales = gross - discounts - returns;
  return {
    grossSales: gross,
    discounts,
    netSales,
    unitsSold: units,
    returns,
    shipping,
    taxes,
    totalSales: netSales + shipping + taxes,
    costOfGoodsSold: cost,
    grossProfit: netSales - cost,
    orders: orders.size,
    averageOrderValue: orders.size ? (gross - discounts) / orders.size : 0,
    topProductId: top ? String(top[0]) : null,
  };
}

/**
 * Customers by what they spent on orders placed in `range`: lines less
 * discounts, less what was refunded of those lines (whenever), gift cards left
 * out; guest orders have no customer. Ties by id.
 */
export function expectedTopCustomers(shop: DevShop, range: Range, limit: number) {
  const spend = new Map<number, number>();
  for (const order of shop.orders) {
    if (order.test || order.cancelledAt || order.customerId === null) continue;
    if (!within(shopDay(order.createdAt, shop.timezone), range)) continue;
    const giftCard = new Set(order.lineItems.filter((l) => l.isGiftCard).map((l) => l.id));
    let net = 0;
    for (const line of order.lineItems) {
      if (!line.isGiftCard) net += line.unitPrice * line.quantity - line.discount;
    }
    for (const refund of order.refunds) {
      for (const line of refund.lines) if (!giftCard.has(line.lineItemId)) net -= line.amount;
    }
    spend.set(order.customerId, (spend.get(order.customerId) ?? 0) + net);
  }
  return [...spend].sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, limit).map(([id]) => String(id));
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
export const yearStart = (today: string) => `${today.slice(0, 4)}-01-01`;
/** The calendar quarter before today's. */
export function lastQuarter(today: string): Range {
  const year = Number(today.slice(0, 4));
  const quarter = Math.floor((Number(today.slice(5, 7)) - 1) / 3); // 0-based, today's
  const first = Date.UTC(year, (quarter - 1) * 3, 1);
  const last = Date.UTC(year, quarter * 3, 0);
  return { from: day(first), to: day(last) };
}
/** The same days one week earlier. */
export const weekEarlier = (r: Range): Range => ({
  from: daysBefore(r.from, 7),
  to: daysBefore(r.to, 7),
});
