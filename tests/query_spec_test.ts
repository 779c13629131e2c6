/**
 * The semantic layer's executor against values computed by hand on the
 * fixture shop (tests/helpers/fixture_shop.ts), 7–8 March 2026 in New York:
 * orders 901, 902, 903, 906 and 907 count; 904 is cancelled and 905 a test.
 */
import assert from "node:assert/strict";
import { QuerySpecSchema } from "../metrics/query_spec.ts";
import { runSpec } from "../metrics/run_spec.ts";
import { upsertOrders } from "../mirror/upsert_orders.ts";
import { fixtureShop, ORDERS, P1, P2 } from "./helpers/fixture_shop.ts";
import { dbTest } from "./helpers/test_db.ts";

const MARCH_7_8 = { from: "2026-03-07", to: "2026-03-08" };

dbTest("a spec's totals, comparison, splits and rankings", async (t) => {
  const { scope, userId } = await fixtureShop(t);
  const run = (spec: unknown) =>
    t.db.withTenant(userId, (tx) => runSpec(tx, scope, QuerySpecSchema.parse(spec)));

  const totals = await run({
    metrics: ["orders", "grossSales", "averageOrderValue"],
    range: MARCH_7_8,
    comparison: { from: "2026-03-05", to: "2026-03-06" },
  });
  // 430 gross over 6 orders (#904, cancelled the day it was placed, counts as placed), 16 off:
  // (430 − 16) / 6 = 69; nothing was sold on 5–6 March.
  assert.deepEqual(totals.totals, { orders: 6, grossSales: 430, averageOrderValue: 69 });
  assert.deepEqual(totals.previous, { orders: 0, grossSales: 0, averageOrderValue: 0 });
  // Order 900, the first, was placed on 10 February 2026 in New York.
  assert.equal(totals.dataStartsOn, "2026-02-10");

  // Every order came through the online store.
  const byChannel = await run({
    metrics: ["netSales", "orders"],
    dimensions: ["channel"],
    range: MARCH_7_8,
  });
  assert.deepEqual(byChannel.rows, [{
    key: "web",
    label: "web",
    values: { netSales: 264, orders: 2 + 4 },
  }]);

  // Spend on orders placed in the range, less what was refunded of them (whenever):
  // C1 901: 2 × 50 − 10 = 90 (the gift card is no sale), 903: 50 − 50 refunded → 90 over 2 orders;
  // C3 907: 2 × 30 − 6 = 54; C2 902: 30. Order 906 has no customer.
  const customers = await run({
    metrics: ["netSales", "orders"],
    dimensions: ["customer"],
    range: MARCH_7_8,
    sort: { metric: "netSales", direction: "desc" },
    limit: 10,
  });
  assert.deepEqual(customers.rows.map((r) => [r.key, r.values.netSales, r.values.orders]), [
    ["1", 90, 2],
    ["3", 54, 1],
    ["2", 30, 1],
  ]);
  const fewest = await run({
    metrics: ["orders"],
    dimensions: ["customer"],
    range: MARCH_7_8,
    sort: { metric: "orders", direction: "asc" },
    limit: 1,
  });
  assert.deepEqual(fewest.rows.map((r) => r.key), ["2"], "one order each: ties by id");

  // C1 and C2 first ordered in the range (new): 90 + 30 = 120 over 3 orders; C3 first ordered in
  // February (returning): 54 over 1. Order 906 has no customer.
  const types = await run({
    metrics: ["netSales", "orders"],
    dimensions: ["customerType"],
    range: MARCH_7_8,
    sort: { metric: "netSales", direction: "desc" },
  });
  assert.deepEqual(types.rows.map((r) => [r.key, r.label, r.values.netSales, r.values.orders]), [
    ["new", "New customers", 120, 3],
    ["returning", "Returning customers", 54, 1],
  ]);

  // Codes are case-insensitive: 901's spring10 (90) and 907's SPRING10 (54) are one code; 907
  // also used VIP, so it counts under both.
  const codes = await run({
    metrics: ["netSales", "orders"],
    dimensions: ["discountCode"],
    range: MARCH_7_8,
    sort: { metric: "netSales", direction: "desc" },
  });
  assert.deepEqual(codes.rows.map((r) => [r.key, r.values.netSales, r.values.orders]), [
    ["SPRING10", 144, 2],
    ["VIP", 54, 1],
  ]);
  // Quarters: every order of the fixture (eight, the cancelled one among them; not the test order)
  // is in Q1 but the April refund (Q2): −50 net, no orders.
  const quarters = await run({
    metrics: ["netSales", "orders"],
    dimensions: ["quarter"],
    range: { from: "2026-01-01", to: "2026-06-30" },
  });
  assert.deepEqual(quarters.rows.map((r) => [r.key, r.values.orders]), [
    ["2026-01-01", 8],
    ["2026-04-01", 0],
  ]);
  assert.equal(quarters.rows[1]!.values.netSales, -50);

  // A cancelled order with a code is an order of that code, as in Shopify's sales reports, and
  // nets to nothing: its cancellation gave it all back.
  const cancelled = ORDERS.find((o) => o.shopifyId === "904")!;
  await t.db.withTenant(userId, (tx) =>
    upsertOrders(tx, { userId, accountId: scope.accountId }, [{
      ...cancelled,
      shopifyId: "909",
      name: "#909",
      discountCodes: ["vip"],
      lines: cancelled.lines.map((l) => ({ ...l, shopifyId: `909${l.shopifyId}` })),
    }]));
  const withCancelled = await run({
    metrics: ["netSales", "orders"],
    dimensions: ["discountCode"],
    range: MARCH_7_8,
    sort: { metric: "netSales", direction: "desc" },
  });
  assert.deepEqual(
    withCancelled.rows.map((r) => [r.key, r.values.netSales, r.values.orders]),
    [["SPRING10", 144, 2], ["VIP", 54, 2]],
  );
});

dbTest("cohorts: each first-order month's curve, and next-month retention", async (t) => {
  const { scope, userId } = await fixtureShop(t);
  const spec = QuerySpecSchema.parse({
    metrics: ["cohortRetention"],
    range: { from: "2026-01-01", to: "2026-04-30" },
  });
  const out = await t.db.withTenant(userId, (tx) => runSpec(tx, scope, spec));
  // February: C3 (900), who ordered again in March (907) → [1, 1]. March: C1 and C2, neither of
  // whom ordered in April → [1]. Next-month retention: (1 × 1 + 0 × 2) ÷ 3 = 0.3333.
  assert.deepEqual(out.cohorts, [
    { cohort: "2026-02", customers: 1, retention: [1, 1] },
    { cohort: "2026-03", customers: 2, retention: [1] },
  ]);
  assert.equal(out.totals.cohortRetention, 0.3333);
});

dbTest("stock closest to running out, at the range's rate of sale", async (t) => {
  const { scope, userId } = await fixtureShop(t);
  const spec = QuerySpecSchema.parse({
    metrics: ["daysOfCover", "onHand"],
    dimensions: ["product"],
    range: MARCH_7_8,
    sort: { metric: "daysOfCover", direction: "asc" },
  });
  const out = await t.db.withTenant(userId, (tx) => runSpec(tx, scope, spec));
  // Trail Runner: 3 sold in 2 days, 10 on hand → 10 ÷ 1.5 = 6.6667 days; Sun Hat: 4 sold, 20 on
  // hand → 20 ÷ 2 = 10 days. The gift card sells nothing as a sale: it never runs out, so it is not
  // listed.
  assert.deepEqual(out.rows.map((r) => [r.key, r.values.daysOfCover, r.values.onHand]), [
    [P1, 6.6667, 10],
    [P2, 10, 20],
  ]);
});

Deno.test("a spec the catalog cannot compute is refused before any query", () => {
  const refused = (spec: unknown) => QuerySpecSchema.safeParse(spec).success === false;
  assert.ok(refused({ metrics: ["shipping"], dimensions: ["product"], range: MARCH_7_8 }));
  assert.ok(refused({ metrics: ["orders", "newCustomers"], range: MARCH_7_8 }));
  assert.ok(refused({ metrics: ["profit"], range: MARCH_7_8 }));
  assert.ok(
    refused({
      metrics: ["orders"],
      range: MARCH_7_8,
      sort: { metric: "netSales", direction: "asc" },
    }),
  );
});
