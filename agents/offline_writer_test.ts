import assert from "node:assert/strict";
import { grounded } from "./grounding.ts";
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

Deno.test("a figure's answer starts with the figure and the period as computed, and is grounded", () => {
  const all = emptyResult();
  const fact = (id: string, value: number, unit: "count" | "money" | "ratio") =>
    all.facts.push({ id, label: id, value, unit, provenance: null });
  fact("sales.grossSales", 34_537.5, "money");
  fact("sales.grossSales.previous", 30_000, "money");
  fact("sales.grossSales.change", 0.1513, "ratio");
  const plan = planOffline("gross sales in october vs september", "2026-12-04");
  const narrative = writeOffline(all, plan, "EUR");
  assert.equal(
    narrative.summary,
    "Gross sales were €34,538 in 1–31 October 2026. " +
      "Against 1–30 September 2026: gross sales up 15.1% on €30,000.",
  );
  assert.deepEqual(grounded(narrative, all).report.dropped, []);
});

Deno.test("a declined question says why, and Siri says only that", () => {
  const narrative = writeOffline(
    emptyResult(),
    planOffline("What's the weather in Paris tomorrow?", "2026-12-04"),
    "USD",
  );
  assert.match(narrative.summary, /not about your store.*I can answer questions about sales/);
  assert.equal(
    narrative.speech,
    "That is not about your store: I answer questions about your Shopify store's own data.",
  );
});

Deno.test("a figure's answer says when the period asked is before the store's data", () => {
  const all = emptyResult();
  all.facts.push({
    id: "sales.orders",
    label: "Orders",
    value: 0,
    unit: "count",
    provenance: null,
  });
  all.findings.push(
    "Your store's data starts on 10 February 2026: there is nothing from the period asked.",
  );
  const narrative = writeOffline(all, planOffline("orders in january 2025", "2026-12-04"), "USD");
  assert.equal(
    narrative.summary,
    "Orders were 0 in 1–31 January 2025. " +
      "Your store's data starts on 10 February 2026: there is nothing from the period asked.",
  );
});
