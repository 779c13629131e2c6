import assert from "node:assert/strict";
import { generateShop } from "./seed.ts";

const today = new Date("2026-11-22T00:00:00Z"); // a Sunday
// A fixed "now" at the end of the day, so every run sees the whole day.
const now = new Date("2026-11-22T23:59:59Z");
const shop = generateShop({ today, seed: 7, now });
const day = 86_400_000;

const netOf = (o: (typeof shop.orders)[number]) =>
  o.lineItems.reduce((s, l) => s + l.unitPrice * l.quantity - l.discount, 0);
const salesBetween = (from: number, to: number) =>
  shop.orders.filter((o) =>
    !o.cancelledAt && !o.test && Date.parse(o.createdAt) >= from && Date.parse(o.createdAt) < to
  )
    .reduce((s, o) => s + netOf(o), 0);

Deno.test("the same date and seed give the same shop; another date gives another", () => {
  assert.deepEqual(generateShop({ today, seed: 7, now }), shop);
  const other = generateShop({ today: new Date("2026-11-23T00:00:00Z"), seed: 7 });
  assert.notDeepEqual(other.orders.slice(0, 50), shop.orders.slice(0, 50));
  assert.notDeepEqual(
    generateShop({ today, seed: 8 }).orders.slice(0, 50),
    shop.orders.slice(0, 50),
  );
});

Deno.test("a year of a small shop: about 150 products, 2,500 customers, 12,000 orders", () => {
  assert.equal(shop.products.length, 150);
  assert.equal(shop.customers.length, 2500);
  assert.ok(
    shop.orders.length > 10_500 && shop.orders.length < 13_500,
    `${shop.orders.length} orders`,
  );
  const first = Date.parse(shop.orders[0]!.createdAt);
  const last = Date.parse(shop.orders.at(-1)!.createdAt);
  assert.ok(first >= today.getTime() - 365 * day);
  assert.ok(last < today.getTime() + day, "no order after today");
  assert.equal(shop.orders[0]!.name, "#1001");
});

Deno.test("last week dipped against the week before, and the best-seller sold nothing", () => {
  // today is Sunday 2026-11-22: last week is Mon 2026-11-09 to Sun 2026-11-15.
  const lastWeek = Date.parse("2026-11-09T00:00:00Z");
  const dip = salesBetween(lastWeek, lastWeek + 7 * day);
  const before = salesBetween(lastWeek - 7 * day, lastWeek);
  assert.ok(dip < before * 0.8, `last week ${dip.toFixed(0)} vs ${before.toFixed(0)}`);
  const best = shop.products[0]!.id;
  const soldLastWeek = shop.orders.filter((o) =>
    Date.parse(o.createdAt) >= lastWeek && Date.parse(o.createdAt) < lastWeek + 7 * day
  ).some((o) => o.lineItems.some((l) => l.productId === best));
  assert.equal(soldLastWeek, false);
});

Deno.test("the edge cases analysis must handle are all present", () => {
  const refunded = shop.orders.filter((o) => o.refunds.length);
  assert.ok(refunded.length > 300, `${refunded.length} refunded orders`);
  assert.ok(
    refunded.some((o) => o.refunds[0]!.createdAt.slice(0, 7) !== o.createdAt.slice(0, 7)),
    "no refund in a later month",
  );
  assert.ok(shop.orders.some((o) => o.cancelledAt), "no cancelled order");
  assert.ok(shop.orders.some((o) => o.test), "no test order");
  assert.ok(shop.orders.some((o) => o.discountCodes.length), "no discounted order");
  assert.ok(shop.orders.some((o) => o.presentmentCurrency !== "USD"), "no foreign presentment");
  const buyers = new Map<number, number>();
  for (const o of shop.orders) {
    if (o.customerId) buyers.set(o.customerId, (buyers.get(o.customerId) ?? 0) + 1);
  }
  assert.ok([...buyers.values()].filter((n) => n > 1).length > 500, "too few repeat buyers");
  // Edits that add a line and that remove units, and exchanges, each dated after the order and
  // in a later shop day for some.
  const sales = shop.orders.flatMap((o) => o.changes.map((c) => ({ o, c })));
  const of = (kind: string, action: string) =>
    sales.filter(({ c }) => c.kind === kind && c.sales.some((s) => s.action === action));
  assert.ok(of("edit", "ORDER").length > 50, `${of("edit", "ORDER").length} edits adding lines`);
  assert.ok(of("edit", "RETURN").length > 20, `${of("edit", "RETURN").length} edits removing`);
  assert.ok(of("exchange", "RETURN").length > 50, `${of("exchange", "RETURN").length} exchanges`);
  assert.ok(sales.every(({ o, c }) => c.happenedAt > o.createdAt));
  // A line an edit added is one of the order's lines, as in Shopify.
  assert.ok(
    of("edit", "ORDER").every(({ o, c }) =>
      c.sales.every((s) => o.lineItems.some((l) => l.id === s.lineItemId))
    ),
  );
});

Deno.test("the catalog has slow movers and known flaws", () => {
  const slow = shop.products.filter((p) => p.tags.includes("clearance-candidate"));
  assert.ok(
    slow.length >= 5 && slow.every((p) => p.variants.every((v) => v.inventoryQuantity >= 180)),
  );
  assert.ok(shop.products.some((p) => p.descriptionHtml === ""), "no missing description");
  assert.ok(shop.products.some((p) => p.images.length === 0), "no missing image");
  assert.ok(shop.products.some((p) => p.seo.title === null), "no missing SEO title");
  const skus = shop.products.flatMap((p) => p.variants.map((v) => v.sku));
  assert.ok(new Set(skus).size < skus.length, "no duplicate SKU");
});
