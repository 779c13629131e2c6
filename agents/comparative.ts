/**
 * Comparative Analysis (seed 000 §6, class 2): period against period, and
 * what drove the change. Net sales = orders × average net order value, so a
 * change splits into an orders effect and an order-value effect (the
 * remainder is their interaction); across products, each product's change in
 * net sales is its contribution, and the largest falls and rises are the
 * drivers. All computed here, from the metrics layer.
 */
import { RunnableLambda } from "@langchain/core/runnables";
import { z } from "zod";
import type { Database } from "../db/database.ts";
import { productStock } from "../metrics/inventory.ts";
import { round, salesKpis } from "../metrics/sales.ts";
import { DateRangeSchema } from "../metrics/scope.ts";
import { type DepartmentInput, type DepartmentResult, emptyResult } from "./department.ts";
import { type Fact, formatFact } from "./facts.ts";

export const ComparativeInput = z.object({
  range: DateRangeSchema,
  comparisonRange: DateRangeSchema,
  /** Product ids to compare with each other, besides the period comparison. */
  productIds: z.array(z.string().regex(/^\d{1,19}$/)).max(10).optional(),
  limit: z.number().int().min(1).max(10).default(3),
}).passthrough();

export function comparativeDepartment(db: Database) {
  return RunnableLambda.from(async (input: DepartmentInput): Promise<DepartmentResult> => {
    const task = ComparativeInput.parse(input.task.input);
    const { scope, currency } = input;
    return await db.withTenant(scope.userId, async (tx) => {
      const result = emptyResult();
      const [now, before] = await Promise.all([
        salesKpis(tx, scope, { range: task.range, groupBy: "product" }),
        salesKpis(tx, scope, { range: task.comparisonRange, groupBy: "product" }),
      ]);
      const fact = (id: string, label: string, value: number, unit: Fact["unit"]) => {
        const f: Fact = { id, label, value: round(value), unit, provenance: now.provenance };
        result.facts.push(f);
        return f;
      };
      // Orders × AOV decomposition of the change in net sales.
      const aov = (n: number, o: number) => (o ? n / o : 0);
      const n1 = now.total.netSales, n0 = before.total.netSales;
      const o1 = now.total.orders, o0 = before.total.orders;
      const a1 = aov(n1, o1), a0 = aov(n0, o0);
      const change = fact("drivers.netSalesChange", "Change in net sales", n1 - n0, "money");
      const ordersEffect = fact(
        "drivers.ordersEffect",
        "Part of the change due to the number of orders",
        (o1 - o0) * a0,
        "money",
      );
      const valueEffect = fact(
        "drivers.orderValueEffect",
        "Part of the change due to the net value per order",
        (a1 - a0) * o0,
        "money",
      );
      fact("drivers.ordersChange", "Change in the number of orders", o1 - o0, "count");
      const byOrders = Math.abs(ordersEffect.value) >= Math.abs(valueEffect.value);
      const effect = byOrders ? ordersEffect : valueEffect;
      const cause = byOrders
        ? (effect.value < 0 ? "fewer orders" : "more orders")
        : (effect.value < 0 ? "smaller orders" : "bigger orders");
      if (change.value !== 0) {
        const magnitude = formatFact({ ...change, value: Math.abs(change.value) }, currency);
        result.findings.push(
          `Net sales ${change.value < 0 ? "fell" : "rose"} by ${magnitude}, mostly from ${cause} (${
            formatFact({ ...effect, value: Math.abs(effect.value) }, currency)
          } of it).`,
        );
      }

      // Product contributions.
      const previous = new Map(before.rows.map((r) => [r.key, r]));
      const contributions = [
        ...new Set([...now.rows.map((r) => r.key), ...before.rows.map((r) => r.key)]),
      ].map((key) => {
        const cur = now.rows.find((r) => r.key === key);
        const prev = previous.get(key);
        return {
          productId: key,
          title: cur?.label ?? prev?.label ?? key,
          netSales: round(cur?.values.netSales ?? 0),
          previousNetSales: round(prev?.values.netSales ?? 0),
          change: round((cur?.values.netSales ?? 0) - (prev?.values.netSales ?? 0)),
        };
      }).sort((a, b) => a.change - b.change);
      const fallers = contributions.filter((c) => c.change < 0).slice(0, task.limit)
        .map((c) => ({ ...c, lowestMargin: null as number | null, onHand: null as number | null }));
      const risers = contributions.filter((c) => c.change > 0).reverse().slice(0, task.limit);
      // Their margins, so an offer proposed on them never goes below cost, and their stock:
      // a product that fell because it sold out needs restocking, not a discount.
      const stock = await productStock(tx, scope.accountId, fallers.map((f) => f.productId));
      for (const f of fallers) {
        f.lowestMargin = stock.get(f.productId)?.lowestMargin ?? null;
        f.onHand = stock.get(f.productId)?.onHand ?? null;
      }
      result.tables.drivers = { provenance: now.provenance, rows: [...fallers, ...risers] };
      for (const c of [...fallers, ...risers]) {
        fact(
          `drivers.product.${c.productId}.change`,
          `Change in net sales of ${c.title}`,
          c.change,
          "money",
        );
        fact(
          `drivers.product.${c.productId}.previous`,
          `Net sales of ${c.title} in the previous period`,
          c.previousNetSales,
          "money",
        );
        fact(`drivers.product.${c.productId}.now`, `Net sales of ${c.title}`, c.netSales, "money");
      }
      for (const f of fallers.filter((f) => f.onHand !== null && f.onHand <= 0)) {
        fact(`drivers.product.${f.productId}.onHand`, `${f.title} on hand`, f.onHand!, "count");
      }
      if (fallers[0]) {
        const soldOut = fallers[0].onHand !== null && fallers[0].onHand <= 0;
        result.findings.push(
          `The biggest fall was ${fallers[0].title}: ${
            formatFact({ value: fallers[0].previousNetSales, unit: "money" }, currency)
          } before, ${formatFact({ value: fallers[0].netSales, unit: "money" }, currency)} now${
            soldOut ? ", and it is out of stock" : ""
          }.`,
        );
      }
      if (risers[0]) {
        result.findings.push(
          `The biggest rise was ${risers[0].title} (${
            formatFact({ value: risers[0].change, unit: "money" }, currency)
          }).`,
        );
      }

      // Product against product, when the plan names some.
      if (task.productIds?.length) {
        const picked = now.rows.filter((r) => task.productIds!.includes(r.key));
        result.tables.productComparison = {
          provenance: now.provenance,
          rows: picked.map((r) => ({
            productId: r.key,
            title: r.label ?? r.key,
            netSales: round(r.values.netSales),
            unitsSold: r.values.unitsSold,
            orders: r.values.orders,
          })),
        };
      }
      return result;
    });
  }).withConfig({ runName: "comparative_analysis" });
}
