import assert from "node:assert/strict";
import type { Fact } from "./facts.ts";
import type { Provenance } from "../metrics/scope.ts";
import { groundText, isGrounded, statedNumbers } from "./grounding.ts";

const provenance = {} as Provenance;
const facts: Fact[] = [
  { id: "sales.netSales", label: "Net sales", value: 12345.67, unit: "money", provenance },
  { id: "sales.orders", label: "Orders", value: 212, unit: "count", provenance },
  { id: "sales.netSales.change", label: "change", value: -0.1834, unit: "ratio", provenance },
  { id: "sales.averageOrderValue", label: "AOV", value: 58.23, unit: "money", provenance },
];

Deno.test("figures are read with their formatting; dates and order numbers are not figures", () => {
  assert.deepEqual(
    statedNumbers("Net sales were $12,345.67 on 212 orders, down 18.3% (Nov 9–15, 2026; #1042).")
      .map((n) => [n.value, n.percent]),
    [[12345.67, false], [212, false], [18.3, true]],
  );
  assert.deepEqual(statedNumbers("about $12.3k").map((n) => n.value), [12300]);
  assert.deepEqual(statedNumbers("between 2026-11-09 and 2026-11-15").length, 0);
  // "November 2026" is a month and a year, not "November 20" and a figure 26.
  assert.deepEqual(
    statedNumbers("Orders were 1,083 in 23–29 November 2026 and 12 in 1 December 2026.")
      .map((n) => n.value),
    [1083, 12],
  );
});

Deno.test("a number is grounded when a fact has it, at the precision a writer rounds to", () => {
  const check = (text: string) => isGrounded(statedNumbers(text)[0]!, facts);
  assert.equal(check("$12,345.67"), true);
  assert.equal(check("$12,346"), true, "rounded to whole dollars");
  assert.equal(check("$12.3k"), true);
  assert.equal(check("18%"), true, "the change, as a whole percent, sign in words");
  assert.equal(check("-18.3%"), true);
  assert.equal(check("212 orders"), true);
  assert.equal(check("215 orders"), false);
  assert.equal(check("$13,000"), false);
  assert.equal(check("25%"), false);
});

Deno.test("sentences with an invented number are dropped and reported", () => {
  const { text, report } = groundText(
    "Net sales were $12,345.67 from 212 orders. That is 18.3% less than the week before. " +
      "Conversion fell to 1.9%. Average order value held at $58.23.",
    facts,
  );
  assert.equal(
    text,
    "Net sales were $12,345.67 from 212 orders. That is 18.3% less than the week before. " +
      "Average order value held at $58.23.",
  );
  assert.deepEqual(report.unsupported, ["1.9%"]);
  assert.deepEqual(report.dropped, ["Conversion fell to 1.9%."]);
  assert.equal(report.grounded, 4);
});

Deno.test("digits inside names taken from shop data are not figures", () => {
  const facts: Fact[] = [{ id: "n", label: "n", value: 120, unit: "money", provenance: null }];
  const text = "Mug 2.0 Pack of 3 sold $120. Another product sold $999.";
  const { text: kept, report } = groundText(text, facts, ["Mug 2.0 Pack of 3"]);
  assert.equal(kept, "Mug 2.0 Pack of 3 sold $120.");
  assert.deepEqual(report.unsupported, ["$999"]);
});

Deno.test("digits glued to letters are codes, not figures", () => {
  assert.deepEqual(statedNumbers("Use FREE100 or SKU42 for 15% off").map((n) => n.text), ["15%"]);
});
