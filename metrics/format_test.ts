import assert from "node:assert/strict";
import { formatAmount } from "./format.ts";

Deno.test("prose rounds large money to whole units; exact keeps the currency's minor units", () => {
  assert.equal(formatAmount(12345.6, "money", { currency: "USD" }), "$12,346");
  assert.equal(formatAmount(12345.6, "money", { currency: "USD", exact: true }), "$12,345.60");
  assert.equal(formatAmount(99.5, "money", { currency: "EUR" }), "€99.50");
  assert.equal(formatAmount(1234.5, "money", { currency: "JPY", exact: true }), "¥1,235");
  assert.equal(formatAmount(1234.5, "money"), "1,234.50");
});

Deno.test("ratios drop a zero decimal; days and counts read as people write them", () => {
  assert.equal(formatAmount(0.3, "ratio"), "30%");
  assert.equal(formatAmount(-0.125, "ratio"), "-12.5%");
  assert.equal(formatAmount(0.2349, "ratio"), "23.5%");
  assert.equal(formatAmount(41.6, "days"), "42 days");
  assert.equal(formatAmount(1183, "count"), "1,183");
  assert.equal(formatAmount(2.345), "2.35");
});
