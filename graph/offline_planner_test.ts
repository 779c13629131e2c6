import assert from "node:assert/strict";
import { planFor, planOffline } from "./offline_planner.ts";
import { PlanSchema } from "../agents/plan.ts";

const TODAY = "2026-11-22"; // a Sunday: last week ran Monday 9 to Sunday 15 November

Deno.test("plans are valid, start with retrieval, and are deterministic", () => {
  const plan = planOffline("Why did sales drop last week?", TODAY);
  assert.equal(PlanSchema.safeParse(plan).success, true);
  assert.equal(plan.intent, "explain_change");
  assert.deepEqual(plan.range, { from: "2026-11-09", to: "2026-11-15" });
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

Deno.test("a figure asked for is computed from its spec, with no recommendation", () => {
  const plan = planOffline("how many orders did i get in october", TODAY);
  assert.equal(plan.intent, "metric_query");
  assert.deepEqual(plan.tasks.map((t) => `${t.department}:${t.taskKey}`), [
    "data_retrieval:retrieve",
    "quantitative:metrics",
    "qualitative:narrative",
  ]);
  assert.deepEqual(plan.tasks[1]!.input.spec, plan.spec);
  assert.deepEqual(plan.spec?.metrics, ["orders"]);
  assert.deepEqual(plan.spec?.range, { from: "2026-10-01", to: "2026-10-31" });
});

Deno.test("an unanswerable question plans only its reply, and says why", () => {
  const plan = planOffline("What's the weather in Paris tomorrow?", TODAY);
  assert.equal(plan.intent, "unanswerable");
  assert.deepEqual(plan.tasks.map((t) => t.department), ["qualitative"]);
  assert.match(plan.declined!, /not about your store/);
  assert.equal(plan.spec, undefined);
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

Deno.test("a change read without a comparison is explained against the period before", () => {
  // A model's reading of "why did sales drop last week?" that names no period to compare with.
  const plan = planFor("Why did sales drop last week?", {
    intent: "explain_change",
    spec: null,
    range: { from: "2026-11-09", to: "2026-11-15" },
    comparison: null,
    assumptions: [],
    declined: null,
  });
  assert.deepEqual(plan.comparisonRange, { from: "2026-11-02", to: "2026-11-08" });
  const drivers = plan.tasks.find((t) => t.department === "comparative")!;
  assert.deepEqual(drivers.input.comparisonRange, plan.comparisonRange);
});
