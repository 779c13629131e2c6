import assert from "node:assert/strict";
import { grounded } from "./qualitative.ts";
import { writeOffline } from "./offline_writer.ts";
import { emptyResult } from "./department.ts";
import { planOffline } from "../graph/offline_planner.ts";

Deno.test("every sentence the offline writer states for discount candidates survives grounding", () => {
  const all = emptyResult();
  all.tables.slowStock = { provenance: null, rows: [{ productId: "1", title: "Mug", onHand: 4 }] };
  all.findings.push("Offer 30% off a slow seller (Mug) for two weeks to turn stock into cash.");
  all.facts.push({
    id: "recommendation.discount30",
    label: "d",
    value: 0.3,
    unit: "ratio",
    provenance: null,
  });
  const narrative = writeOffline(
    all,
    planOffline("Which products should I discount?", "2026-11-22"),
    "USD",
  );
  const { report } = grounded(narrative, all);
  assert.deepEqual(report.dropped, []);
  assert.match(narrative.summary, /^Some products are selling slowly/);
});
