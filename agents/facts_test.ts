import assert from "node:assert/strict";
import { isGrounded, statedNumbers } from "./grounding.ts";
import { type Fact, formatFact } from "./facts.ts";

Deno.test("formatFact writes money, ratios, days and counts", () => {
  assert.equal(formatFact({ value: 12345.678, unit: "money" }, "USD"), "$12,346");
  assert.equal(formatFact({ value: 45.5, unit: "money" }, "USD"), "$45.50");
  assert.equal(formatFact({ value: 45.5, unit: "money" }, "EUR"), "€45.50");
  // Money is never written in a guessed currency.
  assert.throws(() => formatFact({ value: 45.5, unit: "money" }), /needs the shop's currency/);
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
    for (const currency of ["USD", "EUR", "JPY"]) {
      const written = formatFact(fact, currency);
      const [stated] = statedNumbers(`It was ${written} then.`);
      assert.ok(stated && isGrounded(stated, facts), written);
    }
  }
});
