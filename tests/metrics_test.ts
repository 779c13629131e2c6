/**
 * Every KPI against values computed by hand on a small shop in New York time,
 * with the edge cases merchants notice: a refund in a later month, cancelled
 * and test orders, a gift card, discounts, an order presented in CAD, and the
 * night clocks went forward (2026-03-08).
 */
import assert from "node:assert/strict";
import { cohorts, lifetimeValue, newVsReturning } from "../metrics/customers.ts";
import { inventoryKpis } from "../metrics/inventory.ts";
import { salesKpis } from "../metrics/sales.ts";
import { DateRangeSchema } from "../metrics/scope.ts";
import { upsertOrders } from "../mirror/upsert.ts";
import { fixtureShop, ORDERS, P1, P2, P3 } from "./helpers/fixture_shop.ts";
import { dbTest } from "./helpers/test_db.ts";

const MARCH_7_8 = { from: "2026-03-07", to: "2026-03-08" };

dbTest("sales KPIs follow Shopify's definitions, in the shop's days", async (t) => {
  const { scope, userId } = await fixtureShop(t);
  const result = await t.db.withTenant(userId, (tx) => salesKpis(tx, scope, { range: MARCH_7_8 }));
  assert.deepEqual(result.total, {
    grossSales: 280, // 100 + 30 + 50 + 40 + 60; the gift card, cancelled and test orders excluded
    discounts: 16,
    returns: 0, // the refund is dated in April
    netSales: 264,
    shipping: 5,
    taxes: 19.5,
    totalSales: 288.5,
    orders: 5,
    unitsSold: 7,
    unitsReturned: 0,
    averageOrderValue: 52.8, // (280 − 16) / 5
    refundRate: 0,
  });
  assert.deepEqual(result.provenance.rows, { orders: 5, orderLines: 5, refunds: 0 });
  assert.equal(result.provenance.range.startsAt, "2026-03-07T05:00:00.000Z");
  assert.equal(
    result.provenance.range.endsAt,
    "2026-03-09T04:00:00.000Z",
    "DST: the 8th has 23 hours",
  );
  assert.equal(result.provenance.range.timezone, "America/New_York");

  const april = await t.db.withTenant(
    userId,
    (tx) => salesKpis(tx, scope, { range: { from: "2026-04-01", to: "2026-04-30" } }),
  );
  assert.equal(april.total.grossSales, 0);
  assert.equal(april.total.returns, 50);
  assert.equal(april.total.netSales, -50);
  assert.equal(april.total.shipping, -5, "refunded shipping is taken off shipping");
  assert.equal(april.total.unitsReturned, 1);
  // No order was placed in April: the refund is the only row behind these figures.
  assert.deepEqual(april.provenance.rows, { orders: 0, orderLines: 0, refunds: 1 });
});

dbTest("sales by day, by product and by collection; filters; top products", async (t) => {
  const { scope, userId } = await fixtureShop(t);
  const run = (query: Parameters<typeof salesKpis>[2]) =>
    t.db.withTenant(userId, (tx) => salesKpis(tx, scope, query));

  const byDay = await run({ range: { from: "2026-03-06", to: "2026-03-09" }, groupBy: "day" });
  assert.deepEqual(
    byDay.rows.map((r) => [r.key, r.values.grossSales, r.values.orders]),
    [["2026-03-06", 0, 0], ["2026-03-07", 130, 2], ["2026-03-08", 150, 3], ["2026-03-09", 0, 0]],
  );

  const byProduct = await run({ range: MARCH_7_8, groupBy: "product", orderBy: "netSales" });
  assert.deepEqual(
    byProduct.rows.map((r) => [r.key, r.label, r.values.netSales, r.values.unitsSold]),
    [[P1, "Trail Runner", 140, 3], [P2, "Sun Hat", 124, 4]],
  );
  const top = await run({ range: MARCH_7_8, groupBy: "product", orderBy: "netSales", limit: 1 });
  assert.deepEqual(top.rows.map((r) => r.key), [P1]);

  const footwear = await run({ range: MARCH_7_8, filters: { collectionId: "500" } });
  assert.equal(footwear.total.grossSales, 150);
  assert.equal(footwear.total.shipping, 0, "shipping is not split by product");
  const byCollection = await run({ range: MARCH_7_8, groupBy: "collection" });
  assert.deepEqual(byCollection.rows.map((r) => [r.label, r.values.grossSales]), [[
    "Footwear",
    150,
  ]]);

  const hats = await run({ range: MARCH_7_8, filters: { productIds: [P2] } });
  assert.equal(hats.total.netSales, 124);
  const pos = await run({ range: MARCH_7_8, filters: { sourceName: "pos" } });
  assert.equal(pos.total.orders, 0);

  const byMonth = await run({ range: { from: "2026-02-01", to: "2026-04-30" }, groupBy: "month" });
  assert.deepEqual(
    byMonth.rows.map((r) => [r.key, r.values.netSales]),
    [["2026-02-01", 30], ["2026-03-01", 314], ["2026-04-01", -50]],
  );
  const byWeek = await run({ range: MARCH_7_8, groupBy: "week" });
  // Saturday and Sunday both belong to the ISO week starting Monday 2 March.
  assert.deepEqual(byWeek.rows.map((r) => [r.key, r.values.orders]), [["2026-03-02", 5]]);
});

dbTest("new vs returning customers, repeat purchase rate, cohorts and LTV", async (t) => {
  const { scope, userId } = await fixtureShop(t);
  const split = await t.db.withTenant(userId, (tx) => newVsReturning(tx, scope, MARCH_7_8));
  assert.equal(split.newCustomers, 2); // C1 and C2 first ordered in the range
  assert.equal(split.returningCustomers, 1); // C3 first ordered in February
  assert.equal(split.newCustomerOrders, 3);
  assert.equal(split.returningCustomerOrders, 1);
  // Order subtotals after discounts: 115 (the gift card is in the subtotal) + 30 + 50.
  assert.equal(split.newCustomerSales, 195);
  assert.equal(split.returningCustomerSales, 54);
  assert.equal(split.repeatCustomers, 2); // C1 (two in range) and C3 (February + March)
  assert.equal(split.repeatPurchaseRate, 0.6667);

  const groups = await t.db.withTenant(
    userId,
    (tx) => cohorts(tx, scope, { from: "2026-02-01", to: "2026-03-31" }),
  );
  assert.deepEqual(groups.cohorts, [
    { cohort: "2026-02", customers: 1, retention: [1, 1] },
    { cohort: "2026-03", customers: 2, retention: [1] },
  ]);

  const ltv = await t.db.withTenant(userId, (tx) => lifetimeValue(tx, scope, MARCH_7_8));
  assert.equal(ltv.customers, 2); // C1 and C2
  // C1: 90 + 50 − 50 returned; C2: 30 + 50 (10 March) → 170 / 2
  assert.equal(ltv.averageLifetimeValue, 85);
  assert.equal(ltv.averageOrders, 2);
});

dbTest("inventory on hand, days of cover and sell-through", async (t) => {
  const { scope, userId } = await fixtureShop(t);
  const stock = await t.db.withTenant(userId, (tx) => inventoryKpis(tx, scope, MARCH_7_8));
  const byId = new Map(stock.rows.map((r) => [r.productId, r]));
  // Trail Runner: 3 sold over 2 days, 10 on hand.
  assert.deepEqual(
    { ...byId.get(P1)!, tags: undefined },
    {
      productId: P1,
      title: "Trail Runner",
      tags: undefined,
      onHand: 10,
      unitsSold: 3,
      daysOfCover: 6.6667,
      sellThrough: 0.2308,
      stockValueAtCost: 200,
    },
  );
  assert.equal(byId.get(P2)!.daysOfCover, 10); // 20 on hand, 4 sold in 2 days
  assert.equal(byId.get(P3)!.daysOfCover, null, "nothing sold: no rate, no cover");
  assert.equal(stock.rows[0]!.productId, P3, "stock that does not move comes first");
});

Deno.test("date ranges are validated", () => {
  assert.equal(DateRangeSchema.safeParse({ from: "2026-03-08", to: "2026-03-07" }).success, false);
  assert.equal(DateRangeSchema.safeParse({ from: "2026-02-30", to: "2026-03-07" }).success, false);
  assert.equal(DateRangeSchema.safeParse({ from: "2020-01-01", to: "2026-03-07" }).success, false);
  assert.equal(DateRangeSchema.safeParse(MARCH_7_8).success, true);
});

dbTest(
  "a change to an order moves its days' figures at once (the rollup follows writes)",
  async (t) => {
    const { scope, userId } = await fixtureShop(t);
    const o903 = ORDERS.find((o) => o.shopifyId === "903")!;
    await t.db.withTenant(
      userId,
      (tx) =>
        upsertOrders(tx, { userId, accountId: scope.accountId }, [{
          ...o903,
          cancelledAt: "2026-04-10T12:00:00Z",
          updatedAt: "2026-04-10T12:00:00Z",
        }]),
    );
    const march = await t.db.withTenant(userId, (tx) => salesKpis(tx, scope, { range: MARCH_7_8 }));
    assert.equal(march.total.orders, 4);
    assert.equal(march.total.grossSales, 230);
    const april = await t.db.withTenant(
      userId,
      (tx) => salesKpis(tx, scope, { range: { from: "2026-04-01", to: "2026-04-30" } }),
    );
    assert.equal(april.total.returns, 0, "a cancelled order's refund is no longer a return");
  },
);
