import assert from "node:assert/strict";
import { isGrounded, statedNumbers } from "./grounding.ts";
import { type Fact, formatFact } from "./facts.ts";

Deno.test("formatFact writes money, ratios, days and counts", () => {
  assert.equal(formatFact({ value: 12345.678, unit: "money" }), "$12,346");
  assert.equal(formatFact({ value: 45.5, unit: "money" }), "$45.50");
  assert.equal(formatFact({ value: 45.5, unit: "money" }, "EUR"), "€45.50");
  assert.equal(formatFact({ value: -0.1834, unit: "ratio" }), "-18.3%");
  assert.equal(formatFact({ value: 40.4, unit: "days" }), "40 days");
  assert.equal(formatFact({ value: 1234, unit: "count" }), "1,234");
});

Deno.test("whatever formatFact writes, the grounding check accepts", () => {
  const facts: Fact[] = [
    { id: "a", label: "a", value: 12345.678, unit: "money", provenance: null },
    { id: "b", label: "b", value: -0.1834, unit: "ratio", provenance: null },
    { id: "c", label: "c", value: 45.5, unit: "money", provenance: null },
    { id: "d", label: "d", value: 1234, unit: "count", provenance: null },
  ];
  for (const fact of facts) {
    const [stated] = statedNumbers(`It was ${formatFact(fact)} then.`);
    assert.ok(stated && isGrounded(stated, facts), formatFact(fact));
  }
});
