import assert from "node:assert/strict";
import type { Department, Plan } from "../agents/plan.ts";
import { nextStep, runsInline, type TaskRow } from "./orchestrator.ts";

const plan = {
  intent: "explain_change",
  range: { from: "2026-11-23", to: "2026-11-29" },
  assumptions: [],
  tasks: [
    { department: "data_retrieval", taskKey: "retrieve", input: {}, required: true },
    { department: "quantitative", taskKey: "sales", input: {}, required: true },
    { department: "comparative", taskKey: "drivers", input: {}, required: true },
    { department: "qualitative", taskKey: "narrative", input: {}, required: true },
    { department: "recommendation", taskKey: "actions", input: {}, required: false },
  ],
} as unknown as Plan;

const row = (
  department: Department,
  task_key: string,
  status: TaskRow["status"],
  required = true,
): TaskRow => ({ department, task_key, status, required, error_message: null, result: null });

const offlineFresh = (d: Department) => runsInline(d, { hasModel: false, nothingStale: true });
const withModelStale = (d: Department) => runsInline(d, { hasModel: true, nothingStale: false });

Deno.test("pure stages run inline; stages that call out are dispatched, one stage at a time", () => {
  // Offline with a fresh mirror: data retrieval inline, the analysis stage as jobs.
  assert.deepEqual(nextStep(plan, [], offlineFresh), { step: "inline", stage: 0 });
  const retrieved = [row("data_retrieval", "retrieve", "completed")];
  assert.deepEqual(nextStep(plan, retrieved, offlineFresh), { step: "dispatch", stage: 1 });
  // With a model and a stale mirror, retrieval is a job and so is the writer.
  assert.deepEqual(nextStep(plan, [], withModelStale), { step: "dispatch", stage: 0 });
  const analysed = [
    ...retrieved,
    row("quantitative", "sales", "completed"),
    row("comparative", "drivers", "completed"),
  ];
  assert.deepEqual(nextStep(plan, analysed, withModelStale), { step: "inline", stage: 2 });
  const recommended = [...analysed, row("recommendation", "actions", "completed", false)];
  assert.deepEqual(nextStep(plan, recommended, withModelStale), { step: "dispatch", stage: 3 });
  assert.deepEqual(nextStep(plan, recommended, offlineFresh), { step: "inline", stage: 3 });
  const written = [...recommended, row("qualitative", "narrative", "completed")];
  assert.deepEqual(nextStep(plan, written, offlineFresh), { step: "aggregate" });
});

Deno.test("an open task waits; a failed required task fails the request, an optional one does not", () => {
  const open = [
    row("data_retrieval", "retrieve", "completed"),
    row("quantitative", "sales", "completed"),
    row("comparative", "drivers", "retrying"),
  ];
  assert.deepEqual(nextStep(plan, open, offlineFresh), { step: "wait" });
  const failed = [
    row("data_retrieval", "retrieve", "completed"),
    row("quantitative", "sales", "completed"),
    { ...row("comparative", "drivers", "failed"), error_message: "Shopify did not answer." },
  ];
  assert.deepEqual(nextStep(plan, failed, offlineFresh), {
    step: "fail",
    failure: "The comparison step failed: Shopify did not answer.",
  });
  const optionalFailed = [
    row("data_retrieval", "retrieve", "completed"),
    row("quantitative", "sales", "completed"),
    row("comparative", "drivers", "completed"),
    row("recommendation", "actions", "failed", false),
  ];
  assert.deepEqual(nextStep(plan, optionalFailed, offlineFresh), { step: "inline", stage: 3 });
});
