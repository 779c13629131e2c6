import assert from "node:assert/strict";
import { bars, progressBar, renderVisualization, sparkline } from "./render.ts";

Deno.test("progressBar fills in proportion and clamps", () => {
  assert.equal(progressBar(50, 10), "[#####-----]  50%");
  assert.equal(progressBar(140, 4), "[####] 140%");
});

Deno.test("sparkline spans the range from lowest to highest", () => {
  assert.equal(sparkline([0, 7, 14]), "▁▅█");
  assert.equal(sparkline([5, 5]), "▄▄");
});

Deno.test("bars are as long as their value relative to the largest", () => {
  const out = bars([{ label: "A", value: 10 }, { label: "B", value: -5 }], "count", 10).split("\n");
  assert.equal(out[0], "A  ██████████ 10");
  assert.equal(out[1], "B -█████ -5");
});

Deno.test("a KPI visualization shows each value with its change", () => {
  const text = renderVisualization({
    type: "KPI",
    title: "Key figures",
    data: { items: [{ label: "Net sales", value: 1234.5, unit: "money", change: -0.125 }] },
  }, "USD");
  assert.match(text, /Net sales\s+\$1,234\.50 {2}\(-12\.5%\)/);
});

Deno.test("money is written in the shop's currency, and never as dollars when it is unknown", () => {
  const kpi = (currency?: string) =>
    renderVisualization({
      type: "KPI",
      title: "Key figures",
      data: { items: [{ label: "Net sales", value: 1234.5, unit: "money" }] },
    }, currency);
  assert.match(kpi("EUR"), /Net sales\s+€1,234\.50$/m);
  assert.match(kpi("GBP"), /Net sales\s+£1,234\.50$/m);
  assert.match(kpi("JPY"), /Net sales\s+¥1,235$/m);
  assert.match(kpi(), /Net sales\s+1,234\.50$/m);
  const chart = renderVisualization({
    type: "BAR_CHART",
    title: "By product",
    data: { unit: "money", bars: [{ label: "Trail Runner", value: 90 }] },
  }, "CAD");
  assert.match(chart, /CA\$90\.00$/m);
});
