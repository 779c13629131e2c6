import assert from "node:assert/strict";
import {
  averageOrderValues,
  checkShopDay,
  checkShopWeek,
  dayAnomaly,
  type ShopSeries,
  stallAnomaly,
  weekAnomaly,
} from "./anomalies.ts";

/** A deterministic noise in [-1, 1) (a linear congruential generator). */
function noise(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 30 - 1;
  };
}

/** `days` days of a shop selling `level` a day, ±`spread` of it at random. */
function steady(days: number, level: number, spread: number, seed = 7): number[] {
  const next = noise(seed);
  return Array.from({ length: days }, () => Math.round(level * (1 + spread * next())));
}

// 2026-11-29 is a Sunday.
const LAST = "2026-11-29";

Deno.test("a day at 40% of a steady ±10% shop is an anomaly; a day at 90% is not", () => {
  const history = steady(120, 1000, 0.1);
  const fell = dayAnomaly({ measure: "netSales", values: [...history, 400], lastDay: LAST });
  assert.ok(fell);
  assert.equal(fell.direction, "down");
  assert.equal(fell.from, LAST);
  assert.equal(fell.to, LAST);
  assert.equal(fell.actual, 400);
  // The history has no weekly pattern and no trend: the forecast is close to its level of 1000.
  assert.ok(Math.abs(fell.expected - 1000) < 60, `expected ${fell.expected}`);
  assert.ok(fell.change < -0.55 && fell.change > -0.65);
  assert.ok(fell.surprise >= 1.25);
  assert.equal(dayAnomaly({ measure: "netSales", values: [...history, 900], lastDay: LAST }), null);
});

Deno.test("a rise must be bigger than a fall to count, and refunds only count rising", () => {
  const history = steady(120, 1000, 0.05, 3);
  // +35%: far outside a ±5% band, but under the 50% a rise needs.
  assert.equal(dayAnomaly({ measure: "orders", values: [...history, 1350], lastDay: LAST }), null);
  // −35% is a fall worth telling.
  assert.ok(dayAnomaly({ measure: "orders", values: [...history, 650], lastDay: LAST }));
  const spike = dayAnomaly({ measure: "orders", values: [...history, 1700], lastDay: LAST });
  assert.equal(spike?.direction, "up");
  // Refunds: a fall is good news, a rise of 35% is not.
  assert.equal(
    dayAnomaly({ measure: "refunds", values: [...history, 300], lastDay: LAST, upOnly: true }),
    null,
  );
  assert.equal(
    dayAnomaly({ measure: "refunds", values: [...history, 1350], lastDay: LAST, upOnly: true })
      ?.direction,
    "up",
  );
});

Deno.test("a small shop's move under the smallest count is no anomaly", () => {
  const history = steady(120, 4, 0.2, 11);
  // 4 orders a day falling to 1: −75%, but three orders.
  const values = [...history, 1];
  assert.ok(dayAnomaly({ measure: "orders", values, lastDay: LAST }));
  assert.equal(dayAnomaly({ measure: "orders", values, lastDay: LAST, minDeviation: 4 }), null);
});

Deno.test("too little history, or no recent sales, gives no anomaly", () => {
  assert.equal(
    dayAnomaly({ measure: "netSales", values: [...steady(50, 1000, 0.1), 100], lastDay: LAST }),
    null,
  );
  const closed = [...steady(100, 1000, 0.1), ...Array(40).fill(0)];
  assert.equal(dayAnomaly({ measure: "netSales", values: [...closed, 0], lastDay: LAST }), null);
  assert.equal(stallAnomaly({ measure: "unitsSold", values: closed, lastDay: LAST }), null);
});

Deno.test("a best seller without a sale for two days stalls; a slow product's quiet days do not", () => {
  // Six a day, never a day without: two quiet days expected 12 units and are a stall.
  const best = steady(100, 6, 0.3, 5);
  const stall = stallAnomaly({ measure: "unitsSold", values: [...best, 0, 0], lastDay: LAST });
  assert.ok(stall);
  assert.equal(stall.from, "2026-11-28");
  assert.equal(stall.to, LAST);
  assert.equal(stall.actual, 0);
  assert.ok(stall.expected > 10 && stall.expected < 14, `expected ${stall.expected}`);
  // One quiet day expected six: not yet.
  assert.equal(stallAnomaly({ measure: "unitsSold", values: [...best, 0], lastDay: LAST }), null);
  // A product selling one a day on half the days (two on a selling day): ten quiet days expect
  // about ten units, but a run of ten quiet days has a chance of (0.5)^10 = 0.001.
  const next = noise(13);
  const slow = Array.from({ length: 100 }, () => (next() > 0 ? 2 : 0));
  assert.ok(
    stallAnomaly({ measure: "unitsSold", values: [...slow, ...Array(10).fill(0)], lastDay: LAST }),
  );
  // Six quiet days: (0.5)^6 is 1.6%, and about six units were expected.
  assert.equal(
    stallAnomaly({ measure: "unitsSold", values: [...slow, ...Array(6).fill(0)], lastDay: LAST }),
    null,
  );
});

Deno.test("a week's total is judged against the forecast of the week", () => {
  const history = steady(119, 1000, 0.1, 17);
  const week = [600, 550, 650, 600, 620, 580, 600];
  const fell = weekAnomaly({ measure: "netSales", values: [...history, ...week], lastDay: LAST });
  assert.ok(fell);
  assert.equal(fell.from, "2026-11-23");
  assert.equal(fell.to, LAST);
  assert.equal(fell.actual, 4200);
  assert.ok(Math.abs(fell.expected - 7000) < 400, `expected ${fell.expected}`);
  const normal = [1000, 950, 1050, 1000, 980, 1020, 990];
  assert.equal(
    weekAnomaly({ measure: "netSales", values: [...history, ...normal], lastDay: LAST }),
    null,
  );
});

Deno.test("average order value: sales over orders, a day without orders keeps the last value", () => {
  assert.deepEqual(averageOrderValues([0, 100, 0, 90], [0, 2, 0, 3]), [50, 50, 50, 30]);
});

Deno.test("a shop's day: causes name the measure, the product and the direction", () => {
  const days = 120;
  const orders = steady(days, 40, 0.1, 21);
  const netSales = orders.map((o) => o * 50);
  const best = steady(days, 6, 0.3, 23);
  const s: ShopSeries = {
    lastDay: LAST,
    // The best seller sells nothing for two days; on the second, orders halve.
    netSales: [...netSales, 1900, 1000],
    orders: [...orders, 38, 20],
    refunds: [...steady(days, 100, 0.2, 25), 100, 100],
    unitsSold: [...steady(days, 60, 0.1, 27), 54, 30],
    products: [{ id: "7", unitsSold: [...best, 0, 0] }],
  };
  const causes = checkShopDay(s).map((f) => f.cause).sort();
  assert.deepEqual(causes, ["netSales:down", "orders:down", "stall:7"]);
  assert.equal(checkShopDay(s).find((f) => f.cause === "stall:7")?.productId, "7");
  // The week ending on LAST holds one bad day of seven: about −7%, under the bar.
  assert.deepEqual(checkShopWeek(s), []);
});
