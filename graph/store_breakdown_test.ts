/**
 * Combining stores' answers: expected figures are written by hand from the
 * answers below (additions done here, not by the code under test).
 */
import assert from "node:assert/strict";
import { combineStoreAnswers, type StoreAnswer } from "./store_breakdown.ts";

const fact = (id: string, value: number, unit: string) => ({
  id,
  label: id,
  value,
  unit,
  provenance: null,
});

function answer(
  shop: string,
  currency: string,
  netSales: number,
  orders: number,
  aov: number,
): StoreAnswer {
  return {
    requestId: `req-${shop}`,
    linkedAccountId: `acct-${shop}`,
    shop: `${shop}.myshopify.com`,
    status: "completed",
    errorMessage: null,
    result: {
      summary: "…",
      currency,
      model: "offline",
      rawData: {
        plan: { spec: { metrics: ["netSales", "orders", "averageOrderValue"] } },
        facts: [
          fact("sales.netSales", netSales, "money"),
          fact("sales.orders", orders, "count"),
          fact("sales.averageOrderValue", aov, "money"),
        ] as never,
      },
      interpretation: {
        text: "Net sales, orders and average order value, 23–29 November 2026",
        range: { from: "2026-11-23", to: "2026-11-29" },
        comparisonRange: null,
        timezone: "America/New_York",
        assumptions: [],
        metrics: ["netSales", "orders", "averageOrderValue"],
        dimensions: [],
        answerable: true,
      },
    },
  };
}

interface Result {
  summary: string;
  currency: string | null;
  // deno-lint-ignore no-explicit-any
  visualizations: Array<{ type: string; data: any }>;
  rawData: { facts: Array<{ id: string }> };
}

const tableOf = (result: Result) =>
  result.visualizations.find((v) => v.type === "TABLE")!.data.rows;

Deno.test("same currency: money and counts add up; averages stay per store", () => {
  const combined = combineStoreAnswers("sales last week across all my stores", [
    answer("alatar-us", "USD", 1000.5, 10, 100.05),
    answer("alatar-ca", "USD", 250.25, 5, 50.05),
  ]);
  assert.ok(combined.ok);
  const result = combined.result as unknown as Result;
  assert.equal(result.currency, "USD");
  // 1000.50 + 250.25 = 1250.75; 10 + 5 = 15.
  assert.deepEqual(tableOf(result).at(-1), {
    store: "All stores",
    currency: "USD",
    netSales: 1250.75,
    orders: 15,
    averageOrderValue: null,
  });
  assert.match(
    result.summary,
    /Net sales across your 2 stores \(23–29 November 2026\): \$1,251 \(alatar-us\.myshopify\.com \$1,001, alatar-ca\.myshopify\.com \$250\.25\)/,
  );
  // (Prose rounds amounts of 1,000 and more to whole units, as every answer does.)
  assert.match(result.summary, /Average order value \(23–29 November 2026\), store by store:/);
  const bars = result.visualizations.find((v) => v.type === "BAR_CHART")!;
  assert.deepEqual(bars.data.bars.map((b: { value: number }) => b.value), [1000.5, 250.25]);
});

Deno.test("different currencies: money side by side in each currency, never added; counts added", () => {
  const combined = combineStoreAnswers("compare my US and EU stores", [
    answer("alatar-us", "USD", 1000, 10, 100),
    answer("alatar-eu", "EUR", 800, 8, 100),
  ]);
  assert.ok(combined.ok);
  const result = combined.result as unknown as Result;
  assert.equal(result.currency, null);
  assert.deepEqual(tableOf(result).at(-1), {
    store: "All stores",
    currency: null,
    netSales: null,
    orders: 18,
    averageOrderValue: null,
  });
  assert.match(result.summary, /sell in USD and EUR/);
  assert.match(result.summary, /does not invent an exchange rate/);
  assert.match(result.summary, /alatar-eu\.myshopify\.com €800\.00/);
  const facts = result.rawData.facts.map((f) => f.id);
  assert.ok(!facts.includes("total.sales.netSales"));
  assert.ok(facts.includes("total.sales.orders"));
});

Deno.test("a store that failed is named; when all failed the question fails", () => {
  const failed: StoreAnswer = {
    ...answer("alatar-eu", "EUR", 0, 0, 0),
    status: "failed",
    errorMessage: "The store's data could not be read.",
    result: null,
  };
  const partly = combineStoreAnswers("sales across all my stores", [
    answer("alatar-us", "USD", 1000, 10, 100),
    failed,
  ]);
  assert.ok(partly.ok);
  assert.match(
    (partly.result as { summary: string }).summary,
    /alatar-eu\.myshopify\.com could not be answered: The store's data could not be read\./,
  );
  const none = combineStoreAnswers("sales across all my stores", [failed]);
  assert.deepEqual(none, {
    ok: false,
    message:
      "None of your stores could be analysed: alatar-eu.myshopify.com: The store's data could not be read..",
  });
});
