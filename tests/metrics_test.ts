/**
 * Every KPI against values computed by hand on a small shop in New York time,
 * with the edge cases merchants notice: a refund in a later month, cancelled
 * and test orders, a gift card, discounts, an order presented in CAD, and the
 * night clocks went forward (2026-03-08).
 */
import assert from "node:assert/strict";
import { cohorts, lifetimeValue, newVsReturning } from "../metrics/customers.ts";
import { inventoryKpis } from "../metrics/inventory.ts";
import { costGaps, salesKpis } from "../metrics/sales.ts";
import { DateRangeSchema } from "../metrics/scope.ts";
import { rebuildIfStale } from "../mirror/sales_rollup.ts";
import { upsertOrders } from "../mirror/upsert_orders.ts";
import { upsertProducts } from "../mirror/upsert_products.ts";
import { fixtureProduct, fixtureShop, ORDERS, P1, P2, P3 } from "./helpers/fixture_shop.ts";
import { dbTest } from "./helpers/test_db.ts";

const MARCH_7_8 = { from: "2026-03-07", to: "2026-03-08" };

/** An order line of product `productId`, `quantity` at `price` with `off` of discount. */
const line = (id: string, productId: string, quantity: number, price: string, off: string) => ({
  ...ORDERS.find((o) => o.shopifyId === "908")!.lines[0]!,
  shopifyId: id,
  productId,
  variantId: `${productId}1`,
  quantity,
  unitPrice: price,
  totalDiscount: off,
});

dbTest("sales KPIs follow Shopify's definitions, in the shop's days", async (t) => {
  const { scope, userId } = await fixtureShop(t);
  const result = await t.db.withTenant(userId, (tx) => salesKpis(tx, scope, { range: MARCH_7_8 }));
  assert.deepEqual(result.total, {
    // 100 + 30 + 50 + 150 + 40 + 60: #904, cancelled the day it was placed, was a sale that day
    // (Shopify's sales reports); the gift card and the test order are not sales.
    grossSales: 430,
    discounts: 16,
    returns: 150, // #904's cancellation, the same day; #903's refund is dated in April
    netSales: 264, // 430 − 16 − 150
    shipping: 5,
    taxes: 19.5,
    totalSales: 288.5,
    orders: 6,
    unitsSold: 10, // 2 + 1 + 1 + 3 + 1 + 2
    unitsReturned: 3,
    averageOrderValue: 69, // (430 − 16) / 6
    refundRate: 0.3488, // 150 / 430, to four places
    // Profit (worked through in the profit test below).
    costOfGoodsSold: 140,
    grossProfit: 124,
    grossMargin: 0.4697,
    profitPerOrder: 20.6667,
    netSalesWithoutCost: 0,
  });
  assert.deepEqual(result.provenance.rows, { orders: 6, orderLines: 6, refunds: 0 });
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

dbTest(
  "a cancelled order is a sale on the day it was placed and a return on the day it was cancelled",
  async (t) => {
    const { scope, userId } = await fixtureShop(t);
    const base = ORDERS.find((o) => o.shopifyId === "908")!;
    await t.db.withTenant(userId, (tx) =>
      upsertOrders(tx, { userId, accountId: scope.accountId }, [
        {
          // Placed 23:30 on 30 April in New York (already 1 May in UTC): two pairs at 50 with 10
          // off, 8 of shipping, 6 of tax. One pair refunded on 2 May (45, its share after the
          // discount); the order cancelled at 22:00 on 2 May New York time (3 May in UTC).
          ...base,
          shopifyId: "950",
          name: "#950",
          customerId: null,
          createdAt: "2026-05-01T03:30:00Z",
          updatedAt: "2026-05-03T02:00:00Z",
          cancelledAt: "2026-05-03T02:00:00Z",
          totalShipping: "8.00",
          totalTax: "6.00",
          lines: [line("9500", P1, 2, "50.00", "10.00")],
          refunds: [{
            shopifyId: "9501",
            orderId: "950",
            createdAt: "2026-05-02T15:00:00Z",
            totalRefunded: "45.00",
            note: null,
            lines: [{ lineItemId: "9500", quantity: 1, subtotal: "45.00", tax: "0.00" }],
            shipping: "0.00",
            shippingTax: "0.00",
          }],
        },
        {
          // A hat placed on 5 May and cancelled on 6 May, never refunded.
          ...base,
          shopifyId: "951",
          name: "#951",
          customerId: null,
          createdAt: "2026-05-05T16:00:00Z",
          updatedAt: "2026-05-06T16:00:00Z",
          cancelledAt: "2026-05-06T16:00:00Z",
          lines: [line("9510", P2, 1, "30.00", "0.00")],
        },
      ]));
    const days = await t.db.withTenant(
      userId,
      (tx) =>
        salesKpis(tx, scope, { range: { from: "2026-04-30", to: "2026-05-06" }, groupBy: "day" }),
    );
    const figures = (day: string) => {
      const v = days.rows.find((r) => r.key === day)!.values;
      return [v.grossSales, v.discounts, v.returns, v.shipping, v.taxes, v.orders, v.unitsReturned];
    };
    //                                  gross disc. returns ship. tax orders units returned
    assert.deepEqual(figures("2026-04-30"), [100, 10, 0, 8, 6, 1, 0]);
    assert.deepEqual(figures("2026-05-01"), [0, 0, 0, 0, 0, 0, 0]);
    // The refund (45, one pair) and the cancellation (the other pair: 100 − 10 − 45 = 45, the
    // 8 of shipping nobody had refunded, the 6 of tax), both on 2 May.
    assert.deepEqual(figures("2026-05-02"), [0, 0, 90, -8, -6, 0, 2]);
    assert.deepEqual(figures("2026-05-05"), [30, 0, 0, 0, 0, 1, 0]);
    assert.deepEqual(figures("2026-05-06"), [0, 0, 30, 0, 0, 0, 1]);
    // Over the whole span a cancelled order nets to nothing, and is one order placed each.
    const { total } = days;
    assert.deepEqual(
      [
        total.grossSales,
        total.netSales,
        total.shipping,
        total.taxes,
        total.totalSales,
        total.orders,
      ],
      [130, 0, 0, 0, 0, 2],
    );
  },
);

dbTest(
  "an edit and an exchange are dated on their own day; a refund gives back taxes and shipping in their columns",
  async (t) => {
    const { scope, userId } = await fixtureShop(t);
    const base = ORDERS.find((o) => o.shopifyId === "908")!;
    const change = (
      agreementId: string,
      lineItemId: string,
      kind: "edit" | "exchange",
      happenedAt: string,
      action: "ORDER" | "RETURN",
      amount: string,
      discount: string,
      tax: string,
    ) => ({
      agreementId,
      lineItemId,
      kind,
      happenedAt,
      action,
      quantity: 1,
      amount,
      discount,
      tax,
    });
    await t.db.withTenant(
      userId,
      (tx) =>
        upsertOrders(tx, { userId, accountId: scope.accountId }, [{
          // Placed 11:00 on 10 May in New York: two pairs at 50 with 10 off (45 each after the
          // discount, 3.15 of tax each at 7 %), and 5 of shipping taxed 0.40.
          // 12 May, an edit: a hat added (30, tax 2.10), one pair removed (45, 5 off, 3.15).
          // 14 May, an exchange: the other pair back (45, 5 off, 3.15), a new pair out (50, 3.50).
          // 15 May, a refund of the hat (30 and its 2.10 of tax) and the shipping (5 and 0.40).
          // The order's taxes are those of everything it ever charged: 6.30 + 0.40 + 2.10 + 3.50.
          ...base,
          shopifyId: "960",
          name: "#960",
          customerId: null,
          createdAt: "2026-05-10T15:00:00Z",
          updatedAt: "2026-05-15T16:00:00Z",
          totalShipping: "5.00",
          totalTax: "12.30",
          lines: [
            line("9600", P1, 2, "50.00", "10.00"),
            line("9601", P2, 1, "30.00", "0.00"),
            line("9604", P1, 1, "50.00", "0.00"),
          ],
          changes: [
            change(
              "9602",
              "9601",
              "edit",
              "2026-05-12T16:00:00Z",
              "ORDER",
              "30.00",
              "0.00",
              "2.10",
            ),
            change(
              "9602",
              "9600",
              "edit",
              "2026-05-12T16:00:00Z",
              "RETURN",
              "45.00",
              "5.00",
              "3.15",
            ),
            change(
              "9603",
              "9600",
              "exchange",
              "2026-05-14T16:00:00Z",
              "RETURN",
              "45.00",
              "5.00",
              "3.15",
            ),
            change(
              "9603",
              "9604",
              "exchange",
              "2026-05-14T16:00:00Z",
              "ORDER",
              "50.00",
              "0.00",
              "3.50",
            ),
          ],
          refunds: [{
            shopifyId: "9605",
            orderId: "960",
            createdAt: "2026-05-15T16:00:00Z",
            totalRefunded: "37.50",
            note: null,
            lines: [{ lineItemId: "9601", quantity: 1, subtotal: "30.00", tax: "2.10" }],
            shipping: "5.00",
            shippingTax: "0.40",
          }],
          flags: ["refund_exceeds_line"],
        }]),
    );
    const days = await t.db.withTenant(
      userId,
      (tx) =>
        salesKpis(tx, scope, { range: { from: "2026-05-10", to: "2026-05-15" }, groupBy: "day" }),
    );
    const figures = (day: string) => {
      const v = days.rows.find((r) => r.key === day)!.values;
      return [
        v.grossSales,
        v.discounts,
        v.returns,
        v.shipping,
        v.taxes,
        v.orders,
        v.unitsSold,
        v.unitsReturned,
      ];
    };
    //                                  gross disc. ret.  ship. tax    orders units returned
    // Placed: the two pairs only (the hat and the new pair came later); taxes 12.30 less the
    // 2.10 and 3.50 charged by the edit and the exchange.
    assert.deepEqual(figures("2026-05-10"), [100, 10, 0, 5, 6.7, 1, 2, 0]);
    assert.deepEqual(figures("2026-05-11"), [0, 0, 0, 0, 0, 0, 0, 0]);
    // The edit, on a later day: a sale of its own (an order again, as in Shopify) and a return.
    assert.deepEqual(figures("2026-05-12"), [30, 0, 45, 0, -1.05, 1, 1, 1]);
    assert.deepEqual(figures("2026-05-14"), [50, 0, 45, 0, 0.35, 1, 1, 1]);
    // The refund: the hat back, and shipping and taxes off their own columns.
    assert.deepEqual(figures("2026-05-15"), [0, 0, 30, -5, -2.5, 0, 0, 1]);
    const { total, provenance } = days;
    // Left: the new pair (50) and its tax (3.50).
    assert.deepEqual(
      [total.netSales, total.shipping, total.taxes, total.totalSales, total.orders],
      [50, 0, 3.5, 53.5, 3],
    );
    // Counted as sent, and said so.
    assert.deepEqual(provenance.flagged, { orders: 3, reasons: ["refund_exceeds_line"] });
    const trail = await t.db.withTenant(
      userId,
      (tx) =>
        salesKpis(tx, scope, {
          range: { from: "2026-05-10", to: "2026-05-15" },
          filters: { productIds: [P1] },
        }),
    );
    // Trail Runner: 90 placed − 45 − 45 taken back + 50 exchanged out; 20 a pair of cost.
    assert.deepEqual([trail.total.netSales, trail.total.costOfGoodsSold], [50, 20]);
  },
);

dbTest("sales by day, by product and by collection; filters; top products", async (t) => {
  const { scope, userId } = await fixtureShop(t);
  const run = (query: Parameters<typeof salesKpis>[2]) =>
    t.db.withTenant(userId, (tx) => salesKpis(tx, scope, query));

  const byDay = await run({ range: { from: "2026-03-06", to: "2026-03-09" }, groupBy: "day" });
  assert.deepEqual(
    byDay.rows.map((r) => [r.key, r.values.grossSales, r.values.orders]),
    // 8 March: #903 50, #904 150 (cancelled that day), #906 40, #907 60.
    [["2026-03-06", 0, 0], ["2026-03-07", 130, 2], ["2026-03-08", 300, 4], ["2026-03-09", 0, 0]],
  );

  const byProduct = await run({ range: MARCH_7_8, groupBy: "product", orderBy: "netSales" });
  assert.deepEqual(
    byProduct.rows.map((r) => [r.key, r.label, r.values.netSales, r.values.unitsSold]),
    // Trail Runner: 90 + 50 + (150 − 150 cancelled); 2 + 1 + 3 pairs sold.
    [[P1, "Trail Runner", 140, 6], [P2, "Sun Hat", 124, 4]],
  );
  const top = await run({ range: MARCH_7_8, groupBy: "product", orderBy: "netSales", limit: 1 });
  assert.deepEqual(top.rows.map((r) => r.key), [P1]);

  const footwear = await run({ range: MARCH_7_8, filters: { collectionId: "500" } });
  assert.equal(footwear.total.grossSales, 300); // 100 + 50 + 150
  assert.equal(footwear.total.shipping, 0, "shipping is not split by product");
  const byCollection = await run({ range: MARCH_7_8, groupBy: "collection" });
  assert.deepEqual(byCollection.rows.map((r) => [r.label, r.values.grossSales]), [[
    "Footwear",
    300,
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
  assert.deepEqual(byWeek.rows.map((r) => [r.key, r.values.orders]), [["2026-03-02", 6]]);
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
      // (1.00 − 20.00) ÷ 1.00: the fixture's list price is under its cost, so no discount fits.
      lowestMargin: -19,
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
    // March is as it was: #903 was placed and sold then; its cancellation is April's.
    const march = await t.db.withTenant(userId, (tx) => salesKpis(tx, scope, { range: MARCH_7_8 }));
    assert.equal(march.total.orders, 6);
    assert.equal(march.total.grossSales, 430);
    const april10 = await t.db.withTenant(
      userId,
      (tx) => salesKpis(tx, scope, { range: { from: "2026-04-10", to: "2026-04-10" } }),
    );
    // The refund of 2 April had given back the one pair (50), so the cancellation returns no
    // goods; it gives back the order's 3.50 of tax.
    assert.equal(april10.total.returns, 0);
    assert.equal(april10.total.taxes, -3.5);
    const april = await t.db.withTenant(
      userId,
      (tx) => salesKpis(tx, scope, { range: { from: "2026-04-01", to: "2026-04-30" } }),
    );
    assert.equal(april.total.returns, 50, "the refund of 2 April still counts");
  },
);

dbTest("profit: cost of goods sold, gross profit and margin over lines with a cost", async (t) => {
  const { scope, userId } = await fixtureShop(t);
  const mirror = { userId, accountId: scope.accountId };
  const run = (query: Parameters<typeof salesKpis>[2]) =>
    t.db.withTenant(userId, (tx) => salesKpis(tx, scope, query));
  const profitOf = (
    v: Record<string, number>,
  ) => [v.costOfGoodsSold, v.grossProfit, v.grossMargin, v.profitPerOrder];

  // 7–8 March, every product at a cost of 20 a unit (gift cards are not sales):
  // #901 2 pairs, 90 net, 40 cost · #902 30, 20 · #903 50, 20 · #904 150, 60, cancelled the same
  // day (−150, −60) · #906 40, 20 · #907 2 hats, 54, 40.
  // Cost 40 + 20 + 20 + 60 − 60 + 20 + 40 = 140; net 264; profit 124; margin 124 / 264 =
  // 0.4697; per order 124 / 6 = 20.6667.
  const march = await run({ range: MARCH_7_8 });
  assert.deepEqual(profitOf(march.total), [140, 124, 0.4697, 20.6667]);
  assert.equal(march.total.netSalesWithoutCost, 0);
  const byProduct = await run({ range: MARCH_7_8, groupBy: "product", orderBy: "grossProfit" });
  assert.deepEqual(
    byProduct.rows.map((r) => [r.label, r.values.grossProfit, r.values.grossMargin]),
    // Trail Runner: 140 net − 60 cost = 80, 80 / 140; Sun Hat: 124 − 80 = 44, 44 / 124.
    [["Trail Runner", 80, 0.5714], ["Sun Hat", 44, 0.3548]],
  );
  // #903's pair came back on 2 April: its 50 and its cost of 20 go back, profit −30.
  const april = await run({ range: { from: "2026-04-01", to: "2026-04-30" } });
  assert.deepEqual([april.total.costOfGoodsSold, april.total.grossProfit], [-20, -30]);

  // A product with no cost in Shopify is never counted as free: it is left out of profit.
  // #960 (10 May): a visor at 25, which has no cost, and a hat at 30.
  const order960 = (updatedAt: string) => ({
    ...ORDERS.find((o) => o.shopifyId === "908")!,
    shopifyId: "960",
    name: "#960",
    createdAt: "2026-05-10T15:00:00Z",
    updatedAt,
    lines: [
      { ...ORDERS[0]!.lines[0]!, shopifyId: "9600", productId: "104", variantId: "1041" },
      { ...ORDERS[0]!.lines[0]!, shopifyId: "9601", productId: P2, variantId: `${P2}1` },
    ].map((l, i) => ({ ...l, unitPrice: i === 0 ? "25.00" : "30.00", quantity: 1 })),
  });
  await t.db.withTenant(userId, async (tx) => {
    await upsertProducts(tx, mirror, [fixtureProduct("104", "Sun Visor", 5, false, null)]);
    await upsertOrders(tx, mirror, [order960("2026-05-10T15:00:00Z")]);
  });
  const may10 = { from: "2026-05-10", to: "2026-05-10" };
  // Net 25 + 30 = 55, of which the hat's 30 has a cost (20): profit 10, margin 10 / 30.
  const may = await run({ range: may10 });
  assert.deepEqual(profitOf(may.total), [20, 10, 0.3333, 10]);
  assert.equal(may.total.netSales, 55);
  assert.equal(may.total.netSalesWithoutCost, 25);
  const gaps = await t.db.withTenant(userId, (tx) => costGaps(tx, scope, may10));
  assert.deepEqual(
    { lines: gaps.lines, netSales: gaps.netSales, products: gaps.products },
    {
      lines: 1,
      netSales: 25,
      products: [{ id: "104", label: "Sun Visor", lines: 1, netSales: 25 }],
    },
  );
  // Costs are recorded from the import on: its start, as a day of the shop's calendar
  // (03:00 UTC on 1 May is 23:00 on 30 April in New York).
  await t.owner`update store_sync_state set import_started_at = '2026-05-01T03:00:00Z'
                where linked_account_id = ${scope.accountId}`;
  const since = await t.db.withTenant(userId, (tx) => costGaps(tx, scope, may10));
  assert.equal(since.costsRecordedFrom, "2026-04-30");

  // The hat's cost goes up to 35: the line already sold keeps the 20 it was recorded with, and
  // so does it when its order changes; a hat sold afterwards costs 35 (30 − 35 = −5).
  await t.db.withTenant(userId, async (tx) => {
    await upsertProducts(tx, mirror, [{
      ...fixtureProduct(P2, "Sun Hat", 20),
      variants: [{ ...fixtureProduct(P2, "Sun Hat", 20).variants[0]!, unitCost: "35.00" }],
    }]);
  });
  await t.db.withTenant(userId, (tx) =>
    upsertOrders(tx, mirror, [
      order960("2026-05-12T15:00:00Z"),
      {
        ...ORDERS.find((o) => o.shopifyId === "908")!,
        shopifyId: "961",
        name: "#961",
        createdAt: "2026-05-11T15:00:00Z",
        updatedAt: "2026-05-11T15:00:00Z",
        lines: [{ ...ORDERS[0]!.lines[0]!, shopifyId: "9610", quantity: 1, unitPrice: "30.00" }],
      },
    ]));
  assert.deepEqual(profitOf((await run({ range: may10 })).total), [20, 10, 0.3333, 10]);
  const may11 = await run({ range: { from: "2026-05-11", to: "2026-05-11" } });
  assert.deepEqual([may11.total.costOfGoodsSold, may11.total.grossProfit], [35, -5]);
});

dbTest("a rollup built under older rules is rebuilt whole, once", async (t) => {
  const { scope, userId } = await fixtureShop(t);
  const mirror = { userId, accountId: scope.accountId };
  // As a mirror built before the cancellation rule and the cost facts would hold it.
  await t.owner`update shop_sales_daily set returned = 0, cost = 0, costed_net = 0
                where linked_account_id = ${scope.accountId}`;
  await t.owner`update store_sync_state set rollup_version = 1
                where linked_account_id = ${scope.accountId}`;
  const march = () => t.db.withTenant(userId, (tx) => salesKpis(tx, scope, { range: MARCH_7_8 }));
  assert.deepEqual([(await march()).total.returns, (await march()).total.grossProfit], [0, 0]);

  assert.equal(await t.db.withTenant(userId, (tx) => rebuildIfStale(tx, mirror)), true);
  // The values of the first test: #904's cancellation, and 264 − 140 of profit.
  assert.deepEqual([(await march()).total.returns, (await march()).total.grossProfit], [150, 124]);
  assert.equal(await t.db.withTenant(userId, (tx) => rebuildIfStale(tx, mirror)), false);
});
