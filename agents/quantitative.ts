/**
 * Quantitative Analysis (seed 000 §6, class 2): runs the metrics layer's KPIs
 * for a task's ranges and turns them into facts, the only numbers an answer
 * may state. Each fact carries the provenance of the KPI it came from, so the
 * grounding check and the merchant can trace it. No model is involved: the
 * numbers are computed here, in SQL.
 *
 * A LangChain runnable, so the orchestrator composes it like any department.
 */
import { RunnableLambda } from "@langchain/core/runnables";
import { type Fact, type FactUnit, formatFact, type Table } from "./facts.ts";
import { z } from "zod";
import type { Database } from "../db/database.ts";
import { inSpan } from "../log/tracing.ts";
import { cohorts, lifetimeValue, newVsReturning } from "../metrics/customers.ts";
import { inventoryKpis } from "../metrics/inventory.ts";
import { type MetricName, METRICS, TIME_DIMENSIONS } from "../metrics/catalog.ts";
import { QuerySpecSchema } from "../metrics/query_spec.ts";
import { describeRange } from "../metrics/calendar.ts";
import { runSpec } from "../metrics/run_spec.ts";
import { salesKpis, type SalesMeasure } from "../metrics/sales.ts";
import { DateRangeSchema, FiltersSchema, type KpiScope } from "../metrics/scope.ts";

export const QUANT_KPIS = [
  "sales",
  "sales_by_day",
  "sales_by_product",
  "inventory",
  "new_vs_returning",
  "cohorts",
  "ltv",
] as const;

export const QuantitativeInput = z.object({
  kpis: z.array(z.enum(QUANT_KPIS)).default([]),
  /** A question's query spec (the semantic layer); the named KPIs are the older road. */
  spec: QuerySpecSchema.optional(),
  range: DateRangeSchema.optional(),
  comparisonRange: DateRangeSchema.optional(),
  filters: FiltersSchema.optional(),
  limit: z.number().int().min(1).max(50).default(10),
}).refine((t) => t.spec || (t.kpis.length && t.range), "a spec, or KPIs and a range");
export type QuantitativeInput = z.input<typeof QuantitativeInput>;

export interface QuantitativeResult {
  facts: Fact[];
  /** Statements for the writer: a period before the store's data, said as such. */
  findings?: string[];
  /** Series and tables for charts: keyed rows of numbers. */
  tables: Record<string, Table>;
}

const HEADLINE: Array<[SalesMeasure, string, FactUnit]> = [
  ["netSales", "Net sales", "money"],
  ["grossSales", "Gross sales", "money"],
  ["discounts", "Discounts", "money"],
  ["returns", "Returns", "money"],
  ["totalSales", "Total sales", "money"],
  ["orders", "Orders", "count"],
  ["unitsSold", "Units sold", "count"],
  ["averageOrderValue", "Average order value", "money"],
  ["refundRate", "Refund rate", "ratio"],
];

/** The words for what was odd about an order (mirror/data_flags.ts). */
const DATA_FLAG_WORDS: Record<string, string> = {
  null_money_set: "a missing money amount",
  unknown_currency: "an unknown currency",
  refund_exceeds_line: "a refund larger than its line",
  sales_truncated: "more sales records than were read",
};

/** One KPI's SQL, as a span of the analysis's trace (its name only: never the shop's data). */
function kpi<T>(name: string, run: () => Promise<T>): Promise<T> {
  return inSpan(`kpi ${name}`, { "db.system.name": "postgresql", "alatar.kpi": name }, run);
}

export function quantitativeDepartment(db: Database) {
  return RunnableLambda.from(
    async (
      { scope, input }: { scope: KpiScope; input: QuantitativeInput },
    ): Promise<QuantitativeResult> => {
      const task = QuantitativeInput.parse(input);
      if (task.spec) {
        const spec = task.spec;
        return await db.withTenant(
          scope.userId,
          async (tx) =>
            specFacts(spec, await kpi(spec.metrics.join(","), () => runSpec(tx, scope, spec))),
        );
      }
      const range = task.range!;
      return await db.withTenant(scope.userId, async (tx) => {
        const facts: Fact[] = [];
        const tables: QuantitativeResult["tables"] = {};
        const filters = task.filters ?? {};
        if (task.kpis.includes("sales")) {
          const now = await kpi("sales", () => salesKpis(tx, scope, { range, filters }));
          for (const [measure, label, unit] of HEADLINE) {
            facts.push({
              id: `sales.${measure}`,
              label,
              value: now.total[measure],
              unit,
              provenance: now.provenance,
            });
          }
          const comparisonRange = task.comparisonRange;
          if (comparisonRange) {
            const before = await kpi(
              "sales",
              () => salesKpis(tx, scope, { range: comparisonRange, filters }),
            );
            for (const [measure, label, unit] of HEADLINE) {
              const was = before.total[measure];
              facts.push({
                id: `sales.${measure}.previous`,
                label: `${label} (previous period)`,
                value: was,
                unit,
                provenance: before.provenance,
              });
              if (unit !== "ratio" && was !== 0) {
                facts.push({
                  id: `sales.${measure}.change`,
                  label: `${label}, change from the previous period`,
                  value: Math.round(((now.total[measure] - was) / Math.abs(was)) * 10_000) / 10_000,
                  unit: "ratio",
                  provenance: now.provenance,
                });
              }
            }
          }
        }
        if (task.kpis.includes("sales_by_day")) {
          const byDay = await kpi(
            "sales_by_day",
            () => salesKpis(tx, scope, { range, filters, groupBy: "day" }),
          );
          tables.salesByDay = {
            provenance: byDay.provenance,
            rows: byDay.rows.map((r) => ({
              day: r.key,
              netSales: r.values.netSales,
              orders: r.values.orders,
            })),
          };
        }
        if (task.kpis.includes("sales_by_product")) {
          const byProduct = await kpi("sales_by_product", () =>
            salesKpis(tx, scope, {
              range,
              filters,
              groupBy: "product",
              orderBy: "netSales",
              limit: task.limit,
            }));
          tables.topProducts = {
            provenance: byProduct.provenance,
            rows: byProduct.rows.map((r) => ({
              productId: r.key,
              title: r.label ?? r.key,
              netSales: r.values.netSales,
              unitsSold: r.values.unitsSold,
            })),
          };
          byProduct.rows.forEach((r, i) =>
            facts.push({
              id: `product.${r.key}.netSales`,
              label: `Net sales of ${r.label ?? r.key} (#${i + 1})`,
              value: r.values.netSales,
              unit: "money",
              provenance: byProduct.provenance,
            })
          );
        }
        if (task.kpis.includes("inventory")) {
          const stock = await kpi(
            "inventory",
            () => inventoryKpis(tx, scope, range, { filters, limit: task.limit }),
          );
          tables.slowStock = {
            provenance: stock.provenance,
            rows: stock.rows.map((r) => ({ ...r })),
          };
          for (const r of stock.rows) {
            facts.push({
              id: `product.${r.productId}.onHand`,
              label: `${r.title}: units on hand`,
              value: r.onHand,
              unit: "count",
              provenance: stock.provenance,
            });
            if (r.daysOfCover !== null) {
              facts.push({
                id: `product.${r.productId}.daysOfCover`,
                label: `${r.title}: days of cover`,
                value: r.daysOfCover,
                unit: "days",
                provenance: stock.provenance,
              });
            }
          }
        }
        if (task.kpis.includes("new_vs_returning")) {
          const split = await kpi("new_vs_returning", () => newVsReturning(tx, scope, range));
          for (
            const [id, label, value, unit] of [
              ["customers.new", "New customers", split.newCustomers, "count"],
              ["customers.returning", "Returning customers", split.returningCustomers, "count"],
              ["customers.repeatRate", "Repeat purchase rate", split.repeatPurchaseRate, "ratio"],
            ] as Array<[string, string, number, FactUnit]>
          ) facts.push({ id, label, value, unit, provenance: split.provenance });
        }
        if (task.kpis.includes("cohorts")) {
          const groups = await kpi("cohorts", () => cohorts(tx, scope, range));
          tables.cohorts = {
            provenance: groups.provenance,
            rows: groups.cohorts.map((c) => ({ ...c })),
          };
        }
        if (task.kpis.includes("ltv")) {
          const ltv = await kpi("ltv", () => lifetimeValue(tx, scope, range));
          facts.push({
            id: "customers.lifetimeValue",
            label: "Average lifetime value of customers acquired in the period",
            value: ltv.averageLifetimeValue,
            unit: "money",
            provenance: ltv.provenance,
          });
        }
        return { facts, tables };
      });
    },
  ).withConfig({ runName: "quantitative_analysis" });
}

/** The fact id of a catalog metric: the ids the writer, the charts and older answers know. */
export const FACT_ID: Record<MetricName, string> = {
  ...Object.fromEntries(
    Object.entries(METRICS).map(([name, m]) => [name, `${m.family}.${name}`]),
  ) as Record<MetricName, string>,
  newCustomers: "customers.new",
  returningCustomers: "customers.returning",
  repeatRate: "customers.repeatRate",
  lifetimeValue: "customers.lifetimeValue",
};

/** A spec's computed numbers as facts (totals, previous, change, each group) and one table. */
function specFacts(
  spec: z.infer<typeof QuerySpecSchema>,
  out: Awaited<ReturnType<typeof runSpec>>,
): QuantitativeResult {
  const facts: Fact[] = [];
  for (const metric of spec.metrics) {
    const m = METRICS[metric];
    const now = out.totals[metric];
    if (now === undefined || now === null) continue;
    const id = FACT_ID[metric];
    facts.push({ id, label: m.label, value: now, unit: m.unit, provenance: out.provenance });
    const was = out.previous?.[metric];
    if (was === undefined || was === null) continue;
    facts.push({
      id: `${id}.previous`,
      label: `${m.label} (previous period)`,
      value: was,
      unit: m.unit,
      provenance: out.previousProvenance,
    });
    if (m.unit !== "ratio" && was !== 0) {
      facts.push({
        id: `${id}.change`,
        label: `${m.label}, change from the previous period`,
        value: Math.round(((now - was) / Math.abs(was)) * 10_000) / 10_000,
        unit: "ratio",
        provenance: out.provenance,
      });
    }
  }
  const dimension = spec.dimensions[0];
  const tables: QuantitativeResult["tables"] = {};
  if (dimension) {
    const time = TIME_DIMENSIONS.includes(dimension);
    tables.breakdown = {
      provenance: out.provenance,
      dimension,
      columns: spec.metrics.map((metric) => ({
        key: metric,
        label: METRICS[metric].label,
        unit: METRICS[metric].unit,
      })),
      rows: out.rows.map((r) => ({ key: r.key, title: r.label, ...r.values })),
    };
    // Groups other than periods are things the answer may name with their figure.
    if (!time) {
      out.rows.forEach((r, i) => {
        for (const metric of spec.metrics) {
          const value = r.values[metric];
          if (value === undefined || value === null) continue;
          facts.push({
            id: `${dimension}.${r.key}.${metric}`,
            label: `${METRICS[metric].label} of ${r.label} (#${i + 1})`,
            value,
            unit: METRICS[metric].unit,
            provenance: out.provenance,
          });
        }
      });
    }
  }
  if (out.cohorts) {
    tables.cohorts = { provenance: out.provenance, rows: out.cohorts.map((c) => ({ ...c })) };
  }
  const findings: string[] = [];
  const gaps = out.costGaps;
  if (gaps && gaps.lines > 0) {
    // Never counted as free: the lines without a cost are left out of profit, counted and named.
    facts.push(
      {
        id: "sales.uncostedLines",
        label: "Lines sold without a product cost",
        value: gaps.lines,
        unit: "count",
        provenance: out.provenance,
      },
      {
        id: "sales.netSalesWithoutCost",
        label: "Net sales of lines without a product cost",
        value: gaps.netSales,
        unit: "money",
        provenance: out.provenance,
      },
    );
    const named = gaps.products.slice(0, 3).map((p) => p.label);
    const more = gaps.products.length - named.length;
    // The amount left out is a fact of its own (money is written in the shop's currency there).
    findings.push(
      `Profit counts only lines with a product cost: ${formatFact(facts.at(-2)!)} lines had none ` +
        `(${named.join(", ")}${more > 0 ? ` and ${more} more products` : ""}), so their net ` +
        `sales are left out of it. Set their costs in Shopify.`,
    );
  }
  if (gaps?.costsRecordedFrom && spec.range.from < gaps.costsRecordedFrom) {
    findings.push(
      `Costs are recorded as orders arrive since ${
        describeRange({ from: gaps.costsRecordedFrom, to: gaps.costsRecordedFrom })
      }; earlier orders use the costs of that day.`,
    );
  }
  const flagged = out.provenance?.flagged;
  if (flagged) {
    const reasons = flagged.reasons.map((r) => DATA_FLAG_WORDS[r] ?? r.replaceAll("_", " "));
    const fact: Fact = {
      id: "sales.flaggedOrders",
      label: "Orders Shopify sent with unusual data",
      value: flagged.orders,
      unit: "count",
      provenance: out.provenance,
    };
    facts.push(fact);
    findings.push(
      `${formatFact(fact)} ${flagged.orders === 1 ? "order" : "orders"} in these figures came ` +
        `from Shopify with unusual data (${reasons.join("; ")}); ` +
        `${flagged.orders === 1 ? "it is" : "they are"} counted as Shopify sent ${
          flagged.orders === 1 ? "it" : "them"
        }.`,
    );
  }
  const starts = out.dataStartsOn;
  if (starts && spec.range.from < starts) {
    const day = describeRange({ from: starts, to: starts });
    findings.push(
      spec.range.to < starts
        ? `Your store's data starts on ${day}: there is nothing from the period asked.`
        : `Your store's data starts on ${day}: nothing before it is counted.`,
    );
  } else if (!starts) {
    findings.push("Your store has no sales in its data yet.");
  }
  return { facts, tables, findings };
}
