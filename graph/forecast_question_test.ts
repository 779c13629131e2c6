import assert from "node:assert/strict";
import { readQuestion } from "./question_parser.ts";

// Monday 7 December 2026 in the shop's calendar.
const TODAY = "2026-12-07";
const PRODUCTS = [
  { id: "101", title: "Trail Runner" },
  { id: "102", title: "Trail Runner II" },
  { id: "201", title: "Summit Pack" },
];
const read = (q: string) => readQuestion(q, TODAY, { products: PRODUCTS });

Deno.test("forecasts name their figure and a period ahead in the shop's calendar", () => {
  const month = read("Forecast my sales for next month");
  assert.equal(month.intent, "forecast");
  assert.deepEqual(month.predict, {
    kind: "forecast",
    measure: "netSales",
    range: { from: "2027-01-01", to: "2027-01-31" },
  });

  // The whole week: Monday (today, not over, so forecast) to Sunday.
  const week = read("what will sales be this week?");
  assert.deepEqual(week.predict?.kind === "forecast" && week.predict.range, {
    from: "2026-12-07",
    to: "2026-12-13",
  });
  assert.ok(week.assumptions.some((a) => /today is forecast/.test(a)));

  const orders = read("how many orders will I get in the next 2 weeks");
  assert.deepEqual(orders.predict, {
    kind: "forecast",
    measure: "orders",
    range: { from: "2026-12-08", to: "2026-12-21" },
  });
  assert.deepEqual(orders.spec?.metrics, ["orders"]);

  const unnamed = read("predict my revenue");
  assert.deepEqual(unnamed.predict?.kind === "forecast" && unnamed.predict.range, {
    from: "2026-12-07",
    to: "2027-01-05",
  });
  assert.ok(unnamed.assumptions.some((a) => /next 30 days/.test(a)));
});

Deno.test("pacing toward a target: the amount, this month by default", () => {
  const r = read("will I hit $50k this month?");
  assert.deepEqual(r.predict, {
    kind: "forecast",
    measure: "netSales",
    range: { from: "2026-12-01", to: "2026-12-31" },
    target: 50_000,
  });
  const plain = read("am I on track to reach 120,000 in sales");
  assert.equal(plain.predict?.kind === "forecast" && plain.predict.target, 120_000);
  assert.ok(plain.assumptions.some((a) => /this month/.test(a)));
});

Deno.test("a product named is forecast in units, the longest title that fits", () => {
  const r = read("How many Trail Runner IIs will I sell in January?");
  assert.deepEqual(r.predict, {
    kind: "forecast",
    measure: "unitsSold",
    range: { from: "2027-01-01", to: "2027-01-31" },
    productId: "102",
  });
});

Deno.test("stock-outs: when, for one product or all, and by a deadline", () => {
  const one = read("When will I run out of the Summit Pack?");
  assert.equal(one.intent, "stockout");
  assert.deepEqual(one.predict, { kind: "stockout", productIds: ["201"] });
  assert.deepEqual(one.range, { from: TODAY, to: "2027-04-05" });

  const christmas = read("will I run out of the Trail Runner before Christmas?");
  assert.deepEqual(christmas.predict, { kind: "stockout", productIds: ["101"], by: "2026-12-24" });

  const all = read("what will sell out soon?");
  assert.deepEqual(all.predict, { kind: "stockout" });
  assert.ok(all.assumptions.some((a) => /no product named/.test(a)));

  // About stock now, at the recent rate of sale: the inventory figures, not a forecast.
  assert.equal(read("Which products are about to run out of stock?").intent, "metric_query");
});

Deno.test("too far ahead, or about the past: not forecast", () => {
  const far = read("forecast sales for next year");
  assert.equal(far.intent, "unanswerable");
  assert.match(far.declined ?? "", /too far ahead/);
  const past = read("what were my projected sales last month");
  assert.notEqual(past.intent, "forecast");
  assert.deepEqual(past.range, { from: "2026-11-01", to: "2026-11-30" });
  assert.equal(read("What's the weather forecast for Paris?").intent, "unanswerable");
});

Deno.test("follow-ups change a forecast: another figure, period or product; the rest carries", async () => {
  const { planOffline } = await import("./offline_planner.ts");
  const ask = (q: string, before: ReturnType<typeof planOffline> | null) =>
    planOffline(q, TODAY, {}, {
      previous: before ? { prompt: "earlier", plan: before } : null,
      products: PRODUCTS,
    });
  const first = ask("forecast my sales for next month", null);
  const orders = ask("and orders?", first);
  assert.equal(orders.intent, "forecast");
  assert.deepEqual(orders.tasks.find((t) => t.department === "predictive")?.input, {
    kind: "forecast",
    measure: "orders",
    range: { from: "2027-01-01", to: "2027-01-31" },
  });
  assert.match(orders.assumptions.join(), /the period carried over/);
  const february = ask("what about february?", orders);
  assert.deepEqual(february.range, { from: "2027-02-01", to: "2027-02-28" });
  assert.equal(february.spec?.metrics[0], "orders");

  const stock = ask("when will I run out of the Trail Runner?", null);
  const pack = ask("and the Summit Pack?", stock);
  assert.deepEqual(pack.tasks.find((t) => t.department === "predictive")?.input, {
    kind: "stockout",
    productIds: ["201"],
  });
  // Nothing recognisable: not read as a forecast follow-up.
  assert.notEqual(ask("hmm ok", first).intent, "forecast");
});
