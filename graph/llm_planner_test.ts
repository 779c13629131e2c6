import assert from "node:assert/strict";
import { readingOfReply } from "./llm_planner.ts";

const TODAY = "2026-12-07";
const asked = (question: string) => ({
  question,
  products: [{ id: "101", title: "Trail Runner" }],
});

Deno.test("a model's forecast reading: a period ahead, a target, the product the question names", () => {
  const question = "will the Trail Runner sell 40 units in January?";
  const r = readingOfReply(
    JSON.stringify({
      intent: "forecast",
      metrics: ["unitsSold"],
      // A product id the model made up is not taken: the question's own title is.
      filters: { productIds: ["999"] },
      range: { from: "2027-01-01", to: "2027-01-31" },
      target: 40,
    }),
    TODAY,
    asked(question),
  );
  assert.deepEqual(r.predict, {
    kind: "forecast",
    measure: "unitsSold",
    range: { from: "2027-01-01", to: "2027-01-31" },
    productId: "101",
    target: 40,
  });
});

Deno.test("a model's stock-out reading keeps its deadline; too far ahead or past is refused", () => {
  const r = readingOfReply(
    JSON.stringify({ intent: "stockout", range: { from: TODAY, to: "2026-12-24" } }),
    TODAY,
    asked("will the Trail Runner run out before Christmas?"),
  );
  assert.deepEqual(r.predict, { kind: "stockout", productIds: ["101"], by: "2026-12-24" });
  assert.throws(
    () =>
      readingOfReply(
        JSON.stringify({ intent: "forecast", range: { from: "2027-06-01", to: "2027-06-30" } }),
        TODAY,
      ),
    /too late/,
  );
  // Any other intent still ends by today.
  assert.throws(
    () =>
      readingOfReply(
        JSON.stringify({ intent: "metric_query", range: { from: "2026-12-01", to: "2026-12-31" } }),
        TODAY,
      ),
    /too late/,
  );
});
