/**
 * The questions of issue #9, as merchants typed them, with the spec each one
 * means written by hand for the shop day Friday 2026-12-04 (last week:
 * 23–29 November; last month: November).
 */
import assert from "node:assert/strict";
import { readQuestion } from "./question_parser.ts";

const TODAY = "2026-12-04";
const read = (q: string) => readQuestion(q, TODAY);

Deno.test("the period and the figure asked are the ones computed", () => {
  const cases: Array<[string, string[], string, string]> = [
    ["how many orders did i get in october 2026", ["orders"], "2026-10-01", "2026-10-31"],
    ["What was my revenue in September 2026?", ["netSales"], "2026-09-01", "2026-09-30"],
    [
      "gross sales from 2026-10-01 to 2026-10-31 please",
      ["grossSales"],
      "2026-10-01",
      "2026-10-31",
    ],
    [
      "What were total orders, gross sales and AOV from 2026-11-01 up to but not including 2026-12-01?",
      ["orders", "grossSales", "averageOrderValue"],
      "2026-11-01",
      "2026-11-30",
    ],
    ["How much money did refunds cost me last month?", ["returns"], "2026-11-01", "2026-11-30"],
    ["whats my basket size this week", ["averageOrderValue"], "2026-11-30", "2026-12-04"],
    ["takings yesterday", ["netSales"], "2026-12-03", "2026-12-03"],
    ["shipping and taxes in Q3", ["shipping", "taxes"], "2026-07-01", "2026-09-30"],
    [
      "How is this week going?",
      ["netSales", "orders", "averageOrderValue"],
      "2026-11-30",
      "2026-12-04",
    ],
  ];
  for (const [q, metrics, from, to] of cases) {
    const r = read(q);
    assert.equal(r.intent, "metric_query", q);
    assert.deepEqual(r.spec?.metrics, metrics, q);
    assert.deepEqual(r.spec?.range, { from, to }, q);
  }
});

Deno.test("typos and lowercase are read, and the reading says so", () => {
  const r = read("how many ordres did i get in octobr");
  assert.deepEqual(r.spec?.metrics, ["orders"]);
  assert.deepEqual(r.spec?.range, { from: "2026-10-01", to: "2026-10-31" });
  assert.match(r.assumptions.join(), /"ordres" read as "orders"/);
  assert.deepEqual(read("gross revnue last week").spec?.metrics, ["grossSales"]);
});

Deno.test("rankings: top customers, best sellers, stock about to run out", () => {
  const customers = read("Who are my top 10 customers by spend?");
  assert.deepEqual(customers.spec?.dimensions, ["customer"]);
  assert.deepEqual(customers.spec?.sort, { metric: "netSales", direction: "desc" });
  assert.equal(customers.spec?.limit, 10);

  const sellers = read("top 5 products by units last month");
  assert.deepEqual(sellers.spec?.dimensions, ["product"]);
  assert.deepEqual(sellers.spec?.metrics, ["unitsSold"]);
  assert.equal(sellers.spec?.limit, 5);

  const stock = read("Which products are about to run out of stock?");
  assert.deepEqual(stock.spec?.metrics, ["daysOfCover", "onHand"]);
  assert.deepEqual(stock.spec?.sort, { metric: "daysOfCover", direction: "asc" });
  assert.match(stock.assumptions.join(), /rate of sale measured over the last 30 days/);
});

Deno.test("a trend is a comparison over periods, not an explanation with actions", () => {
  const r = read("Is my average order value going up or down?");
  assert.equal(r.intent, "metric_query");
  assert.deepEqual(r.spec?.metrics, ["averageOrderValue"]);
  assert.deepEqual(r.spec?.comparison, { from: "2026-10-06", to: "2026-11-04" });
  assert.deepEqual(r.spec?.dimensions, ["day"]);
  assert.equal(read("Why did sales drop last week?").intent, "explain_change");
  assert.equal(read("Which products should I discount?").intent, "discount_candidates");
});

Deno.test("questions outside the data are declined with what can be answered", () => {
  for (
    const q of [
      "What's the weather in Paris tomorrow?",
      "what was my ROAS on facebook last week",
      "what's my net income this year",
      "how many visitors did the store get",
      "🙂🙂🙂",
      "asdf qwer zxcv",
    ]
  ) {
    const r = read(q);
    assert.equal(r.intent, "unanswerable", q);
    assert.equal(r.spec, null, q);
    assert.match(r.declined ?? "", /I can answer questions about sales/, q);
  }
});

Deno.test("profit is read from product costs: margin, gross profit, COGS, the most profitable", () => {
  const margin = read("what's my profit margin this month");
  assert.deepEqual([margin.intent, margin.spec?.metrics], ["metric_query", ["grossMargin"]]);
  const best = read("which products make me the most money?");
  assert.deepEqual(
    [best.spec?.metrics, best.spec?.dimensions, best.spec?.sort],
    [["grossProfit"], ["product"], { metric: "grossProfit", direction: "desc" }],
  );
  assert.deepEqual(read("cogs last month").spec?.metrics, ["costOfGoodsSold"]);
  assert.deepEqual(read("profit per order in october").spec?.metrics, ["profitPerOrder"]);
  // What lies beyond product costs is declined, saying what can be given instead.
  assert.match(read("what's my EBITDA").declined ?? "", /gross profit but not your net income/);
});

Deno.test("a day that does not exist is declined, naming it", () => {
  const r = read("sales on February 30");
  assert.equal(r.intent, "unanswerable");
  assert.match(r.declined!, /"February 30" is not a date/);
});

Deno.test("splits by quarter, year, discount code, and new or returning customer", () => {
  const codes = read("net sales by discount code last month");
  assert.deepEqual([codes.spec?.metrics, codes.spec?.dimensions], [["netSales"], ["discountCode"]]);
  const types = read("sales from new vs returning customers last month");
  assert.deepEqual(types.spec?.dimensions, ["customerType"]);
  assert.deepEqual(types.assumptions, [], "nothing dropped, nothing assumed");
  // Counting new and returning customers is the customers' figures, not a split of sales.
  assert.deepEqual(read("new vs returning customers last month").spec?.metrics, [
    "newCustomers",
    "returningCustomers",
    "repeatRate",
  ]);
  const quarterly = read("orders by quarter");
  assert.deepEqual(quarterly.spec?.dimensions, ["quarter"]);
  assert.deepEqual(quarterly.spec?.range, { from: "2026-01-01", to: TODAY });
  assert.match(quarterly.assumptions.join(), /this year so far/);
  // A split its figure cannot have is said, not computed wrong.
  const gross = read("gross sales by customer last week");
  assert.deepEqual(gross.spec?.dimensions, []);
  assert.match(gross.assumptions.join(), /cannot be split by customer/);
  // "most" is a word, not a typo of "cost".
  assert.equal(
    read("which coupon codes brought the most orders").assumptions.some((a) =>
      a.includes('"most"')
    ),
    false,
  );
});
