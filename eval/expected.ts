/**
 * The evaluation's answers, computed straight from the dev store's data (the
 * objects Shopify would hold), not through the mirror or the pipeline, by the
 * rules of docs/metrics.md (Shopify's sales reports): orders dated on the shop's
 * day, test orders and gift cards left out, returns on the refund's day, the
 * shipping and taxes a refund gave back on its day, an edit or exchange on its
 * own day (units added a sale, and the order counted again on a later day;
 * units taken back a return), and a cancelled order a sale on its day and a
 * return, of whatever its refunds, edits and exchanges had not given back, on
 * the day it was cancelled.
 */
import type { DevShop } from "../devstore/seed.ts";

export interface Range {
  from: string;
  to: string;
}

// One formatter per timezone: each Intl.DateTimeFormat holds ICU memory outside the JS heap,
// which the collector does not see; made per call (a year of orders, per case) the eval's
// process grew by some 450 MB a question until the kernel killed it.
const dayFormats = new Map<string, Intl.DateTimeFormat>();

export function shopDay(instant: string, timezone: string): string {
  let format = dayFormats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", {
      timeZone: timezone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    dayFormats.set(timezone, format);
  }
  return format.format(new Date(instant));
}

const within = (day: string, range: Range) => day >= range.from && day <= range.to;

export function expectedSales(
  shop: DevShop,
  range: Range,
  sourceName?: string,
  /** One product's sales only: shipping and taxes belong to orders, so they are 0 then. */
  productId?: number,
) {
  let gross = 0, discounts = 0, returns = 0, units = 0, shipping = 0, taxes = 0, cost = 0;
  const keep = (line: { productId: number }) =>
    productId === undefined || line.productId === productId;
  const whole = productId === undefined;
  // Every variant of the dev store has a cost, and it never changes: each unit sold costs it,
  // each unit returned or cancelled gives it back.
  const unitCost = new Map(
    shop.products.flatMap((p) => p.variants.map((v) => [v.id, v.unitCost] as const)),
  );
  const costOf = (variantId: number, quantity: number) => (unitCost.get(variantId) ?? 0) * quantity;
  // An order counts once on each shop day it sold something (an edit on a later day shows in
  // Shopify's reports as an order of that day).
  const orders = new Set<string>();
  const byProduct = new Map<number, number>();
  const addTo = (productId: number, amount: number) =>
    byProduct.set(productId, (byProduct.get(productId) ?? 0) + amount);
  const sumBy = <T>(items: T[], key: (t: T) => number, value: (t: T) => number) => {
    const sums = new Map<number, number>();
    for (const item of items) sums.set(key(item), (sums.get(key(item)) ?? 0) + value(item));
    return sums;
  };
  for (const order of shop.orders) {
    if (order.test) continue;
    if (sourceName && order.sourceName !== sourceName) continue;
    const inRange = (instant: string) => within(shopDay(instant, shop.timezone), range);
    const lineOf = (id: number) => order.lineItems.find((l) => l.id === id)!;
    const refundLines = order.refunds.flatMap((r) => r.lines);
    const refunded = sumBy(refundLines, (l) => l.lineItemId, (l) => l.amount);
    const refundedUnits = sumBy(refundLines, (l) => l.lineItemId, (l) => l.quantity);
    const changeSales = order.changes.flatMap((c) => c.sales);
    const added = changeSales.filter((s) => s.action === "ORDER");
    const takenBack = changeSales.filter((s) => s.action === "RETURN");
    const addedUnits = sumBy(added, (s) => s.lineItemId, (s) => s.quantity);
    const addedDiscount = sumBy(added, (s) => s.lineItemId, (s) => s.discount);
    const backAmount = sumBy(takenBack, (s) => s.lineItemId, (s) => s.amount);
    const backUnits = sumBy(takenBack, (s) => s.lineItemId, (s) => s.quantity);
    if (inRange(order.createdAt)) {
      // Placed: the order's shipping, its taxes but those of what edits added later, and each
      // line's units but those added later.
      if (whole) {
        shipping += order.shipping;
        taxes += order.tax - added.reduce((t, s) => t + s.tax, 0);
      }
      for (const line of order.lineItems) {
        const placed = line.quantity - (addedUnits.get(line.id) ?? 0);
        if (line.isGiftCard || placed <= 0 || !keep(line)) continue;
        const discount = line.discount - (addedDiscount.get(line.id) ?? 0);
        gross += line.unitPrice * placed;
        discounts += discount;
        units += placed;
        cost += costOf(line.variantId, placed);
        orders.add(`${order.id} ${shopDay(order.createdAt, shop.timezone)}`);
        addTo(line.productId, line.unitPrice * placed - discount);
      }
    }
    for (const change of order.changes) {
      if (!inRange(change.happenedAt)) continue;
      for (const sale of change.sales) {
        const line = lineOf(sale.lineItemId);
        if (line.isGiftCard || !keep(line)) continue;
        if (sale.action === "ORDER") {
          gross += sale.amount + sale.discount;
          discounts += sale.discount;
          units += sale.quantity;
          if (whole) taxes += sale.tax;
          cost += costOf(line.variantId, sale.quantity);
          orders.add(`${order.id} ${shopDay(change.happenedAt, shop.timezone)}`);
          addTo(line.productId, sale.amount);
        } else {
          returns += sale.amount;
          if (whole) taxes -= sale.tax;
          cost -= costOf(line.variantId, sale.quantity);
          addTo(line.productId, -sale.amount);
        }
      }
    }
    for (const refund of order.refunds) {
      if (!inRange(refund.createdAt)) continue;
      if (whole) shipping -= refund.shipping;
      for (const line of refund.lines) {
        const sold = lineOf(line.lineItemId);
        if (whole) taxes -= line.tax;
        if (sold.isGiftCard || !keep(sold)) continue;
        returns += line.amount;
        cost -= costOf(sold.variantId, line.quantity);
        addTo(sold.productId, -line.amount);
      }
    }
    if (order.cancelledAt && inRange(order.cancelledAt)) {
      // The cancellation gives back what was left: each line after discounts less what its
      // refunds, edits and exchanges took back, the shipping not yet refunded, and the taxes
      // not yet given back.
      if (whole) {
        shipping -= order.shipping - order.refunds.reduce((s, r) => s + r.shipping, 0);
        taxes -= order.tax - refundLines.reduce((t, l) => t + l.tax, 0) -
          takenBack.reduce((t, s) => t + s.tax, 0);
      }
      for (const line of order.lineItems) {
        if (line.isGiftCard || !keep(line)) continue;
        const left = line.unitPrice * line.quantity - line.discount -
          (refunded.get(line.id) ?? 0) - (backAmount.get(line.id) ?? 0);
        returns += left;
        cost -= costOf(
          line.variantId,
          line.quantity - (refundedUnits.get(line.id) ?? 0) - (backUnits.get(line.id) ?? 0),
        );
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
 * discounts, less what refunds, edits and exchanges took back of those lines
 * (whenever), gift cards left out; guest orders have no customer. Ties by id.
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
    // Units an edit removed or an exchange took back.
    for (const change of order.changes) {
      for (const sale of change.sales) {
        if (sale.action === "RETURN" && !giftCard.has(sale.lineItemId)) net -= sale.amount;
      }
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
