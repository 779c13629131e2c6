/**
 * Issue #10's figure: for each of the last twelve whole months (and this one
 * so far), the sales KPIs Alatar computes from its mirror against the values
 * computed straight from the dev store's objects by Shopify's rules
 * (eval/expected.ts). Used by `deno task eval` and by tests/shopify_numbers_test.ts.
 */
import type { Database } from "../db/database.ts";
import type { DevShop } from "../devstore/seed.ts";
import { kpiScope } from "../metrics/scope.ts";
import { salesKpis } from "../metrics/sales.ts";
import { expectedSales, monthBefore, type Range, shopDay } from "./expected.ts";

export const MONTHLY_FIGURES = [
  "grossSales",
  "discounts",
  "returns",
  "netSales",
  "shipping",
  "taxes",
  "totalSales",
  "orders",
  "averageOrderValue",
  "costOfGoodsSold",
  "grossProfit",
] as const;

export interface MonthCheck {
  month: string;
  range: Range;
  /** Figures that differ, with both values; empty when all are exact to the cent. */
  differences: string[];
}

export async function checkMonthlySales(
  db: Database,
  shop: DevShop,
  ids: { userId: string; accountId: string },
  today = shopDay(new Date().toISOString(), shop.timezone),
): Promise<MonthCheck[]> {
  const months = [
    ...Array.from({ length: 12 }, (_, i) => monthBefore(today, 12 - i)),
    { ...monthBefore(today, 0), to: today },
  ];
  const checks: MonthCheck[] = [];
  for (const month of months) {
    const range = { from: month.from, to: month.to };
    const got = await db.withTenant(ids.userId, async (tx) => {
      const scope = await kpiScope(tx, ids.userId, ids.accountId);
      if (!scope) throw new Error("the store is not linked");
      return (await salesKpis(tx, scope, { range })).total;
    });
    const want = expectedSales(shop, range);
    const differences = MONTHLY_FIGURES.filter((m) =>
      // Amounts are compared to the cent; AOV is a quotient, rounded by each side its own way.
      Math.abs(got[m] - want[m]) > (m === "averageOrderValue" ? 0.006 : 0.005)
    ).map((m) => `${m} ${got[m]} ≠ ${want[m].toFixed(2)}`);
    checks.push({ month: `${month.name} ${month.year}`, range, differences });
  }
  return checks;
}
