import assert from "node:assert/strict";
import { intentOf, planOffline, previousPeriod, rangeOf } from "./offline_planner.ts";
import { PlanSchema } from "./plan.ts";

const TODAY = "2026-11-22"; // a Sunday

Deno.test("time phrases become ranges of the shop's days", () => {
  assert.deepEqual(rangeOf("Why did sales drop last week?", TODAY), {
    from: "2026-11-09",
    to: "2026-11-15",
  });
  assert.deepEqual(rangeOf("sales this week", TODAY), { from: "2026-11-16", to: TODAY });
  assert.deepEqual(rangeOf("how was yesterday", TODAY), { from: "2026-11-21", to: "2026-11-21" });
  assert.deepEqual(rangeOf("orders last month", TODAY), { from: "2026-10-01", to: "2026-10-31" });
  assert.deepEqual(rangeOf("revenue this month", TODAY), { from: "2026-11-01", to: TODAY });
  assert.deepEqual(rangeOf("best sellers in the last 7 days", TODAY), {
    from: "2026-11-16",
    to: TODAY,
  });
  assert.deepEqual(rangeOf("sales year to date", TODAY), { from: "2026-01-01", to: TODAY });
  assert.deepEqual(rangeOf("how are we doing?", TODAY), { from: "2026-10-24", to: TODAY });
  // January's "last month" crosses the year.
  assert.deepEqual(rangeOf("last month", "2027-01-10"), { from: "2026-12-01", to: "2026-12-31" });
});

Deno.test("the comparison period is the same number of days just before", () => {
  assert.deepEqual(previousPeriod({ from: "2026-11-09", to: "2026-11-15" }), {
    from: "2026-11-02",
    to: "2026-11-08",
  });
  assert.deepEqual(previousPeriod({ from: "2026-03-01", to: "2026-03-31" }), {
    from: "2026-01-29",
    to: "2026-02-28",
  });
});

Deno.test("questions map to the intents of the seed's departments", () => {
  const cases: Array<[string, string]> = [
    ["Why did sales drop last week?", "explain_change"],
    ["Which products should I discount?", "discount_candidates"],
    ["What are my best sellers this month?", "product_ranking"],
    ["How many repeat customers do I have?", "customer_insights"],
    ["Can order #1042 be refunded?", "customer_service"],
    ["Customer ann@example.com wants to return her boots", "customer_service"],
    ["Which products are missing descriptions or SEO titles?", "catalog_audit"],
    ["How much did we sell yesterday?", "sales_overview"],
  ];
  for (const [question, intent] of cases) assert.equal(intentOf(question), intent, question);
});

Deno.test("plans are valid, start with retrieval, and are deterministic", () => {
  const plan = planOffline("Why did sales drop last week?", TODAY);
  assert.equal(PlanSchema.safeParse(plan).success, true);
  assert.equal(plan.intent, "explain_change");
  assert.deepEqual(plan.comparisonRange, { from: "2026-11-02", to: "2026-11-08" });
  assert.deepEqual(plan.tasks.map((t) => t.department), [
    "data_retrieval",
    "quantitative",
    "comparative",
    "qualitative",
    "recommendation",
  ]);
  assert.equal(plan.tasks.at(-1)!.required, false, "a failed recommendation does not fail it");
  assert.deepEqual(planOffline("Why did sales drop last week?", TODAY), plan);

  const lookup = planOffline("Can order #1042 be refunded?", TODAY);
  assert.deepEqual(lookup.tasks[1]!.input, {
    orderNumber: "1042",
    email: null,
    wantsRefund: true,
    wantsReplacement: false,
  });
});

Deno.test("a plan with duplicate task keys or a bad range is refused", () => {
  const plan = planOffline("sales this week", TODAY);
  assert.equal(
    PlanSchema.safeParse({ ...plan, tasks: [...plan.tasks, plan.tasks[0]] }).success,
    false,
  );
  assert.equal(
    PlanSchema.safeParse({ ...plan, range: { from: "2026-11-22", to: "2026-11-01" } }).success,
    false,
  );
});
