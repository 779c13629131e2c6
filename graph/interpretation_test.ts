import assert from "node:assert/strict";
import { interpretationOf, timezoneInWords } from "./interpretation.ts";
import { planOffline } from "./offline_planner.ts";

const TODAY = "2026-12-04";

Deno.test("the interpretation names the figure, the exact days and the shop's timezone", () => {
  const i = interpretationOf(planOffline("orders in october", TODAY), "America/New_York");
  assert.equal(i.text, "Orders, 1–31 October 2026, New York time");
  assert.equal(i.answerable, true);
  assert.deepEqual(i.metrics, ["orders"]);
  assert.deepEqual(i.range, { from: "2026-10-01", to: "2026-10-31" });
  assert.equal(i.comparisonRange, null);
  assert.match(i.assumptions.join(), /"october" read as october 2026/);
});

Deno.test("comparisons, splits and declines are said as such", () => {
  const vs = interpretationOf(
    planOffline("gross sales by week, october vs september", TODAY),
    "UTC",
  );
  assert.equal(
    vs.text,
    "Gross sales by week, 1–31 October 2026, compared with 1–30 September 2026, UTC",
  );
  const no = interpretationOf(planOffline("weather in paris", TODAY), "Europe/Paris");
  assert.equal(no.answerable, false);
  assert.deepEqual([no.metrics, no.range], [[], null]);
  assert.equal(timezoneInWords("America/Argentina/Buenos_Aires"), "Buenos Aires time");
  const codes = interpretationOf(
    planOffline("net sales by discount code in october", TODAY),
    "UTC",
  );
  assert.equal(codes.text, "Net sales by discount code, 1–31 October 2026, UTC");
});
