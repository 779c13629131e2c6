/**
 * Executes a query spec over the mirror: the semantic layer's one path from a
 * question's spec to numbers. Each metric family has its KPI module (sales,
 * customers, inventory); this module only chooses the calls, so every figure
 * keeps the single definition its module gives it.
 *
 * @example
 * ```ts
 * const out = await runSpec(tx, scope, QuerySpecSchema.parse({
 *   metrics: ["orders"], range: { from: "2026-10-01", to: "2026-10-31" },
 * }));
 * out.totals.orders; // October's orders
 * ```
 */
import type { Tx } from "../db/database.ts";
import { type MetricName, METRICS } from "./catalog.ts";
import { type Cohort, cohorts, lifetimeValue, newVsReturning } from "./customers.ts";
import { type OrderGroup, salesByOrderGroup } from "./order_splits.ts";
import { inventoryKpis } from "./inventory.ts";
import type { QuerySpec } from "./query_spec.ts";
import {
  costGaps,
  firstSalesDay,
  round,
  type SalesDimension,
  salesKpis,
  type SalesMeasure,
} from "./sales.ts";
import type { DateRange, KpiScope, Provenance } from "./scope.ts";

export type MetricValues = Partial<Record<MetricName, number | null>>;

export interface SpecRow {
  /** A date (the first day of a week or month), a Shopify id or a channel name. */
  key: string;
  label: string;
  values: MetricValues;
}

export interface SpecResult {
  totals: MetricValues;
  /** The totals over the comparison range, when the spec has one. */
  previous: MetricValues | null;
  /** One row per group of the spec's dimension, in its sort order. */
  rows: SpecRow[];
  provenance: Provenance;
  previousProvenance: Provenance | null;
  /** The shop's first day of sales in the mirror (null: none yet), so an answer can say so. */
  dataStartsOn: string | null;
  /** Each first-order month's retention curve, when the spec asks for cohorts. */
  cohorts?: Cohort[];
  /** What a profit figure leaves out (lines without a cost) and since when costs are recorded. */
  costGaps?: Awaited<ReturnType<typeof costGaps>>;
}

type Computed = Omit<SpecResult, "dataStartsOn">;

const ORDER_GROUPS: readonly string[] = ["customer", "discountCode", "customerType"];
/** The figures computed over lines with a cost only: their answers say what that leaves out. */
const PROFIT_METRICS: readonly MetricName[] = [
  "costOfGoodsSold",
  "grossProfit",
  "grossMargin",
  "profitPerOrder",
];

const pick = (metrics: MetricName[], all: Record<string, number | null>): MetricValues =>
  Object.fromEntries(metrics.map((m) => [m, all[m] ?? null]));

export async function runSpec(tx: Tx, scope: KpiScope, spec: QuerySpec): Promise<SpecResult> {
  const family = METRICS[spec.metrics[0]!].family;
  const computed = family === "customers"
    ? await customersOf(tx, scope, spec)
    : family === "inventory"
    ? await inventoryOf(tx, scope, spec)
    : await salesOf(tx, scope, spec);
  return { ...computed, dataStartsOn: await firstSalesDay(tx, scope.accountId) };
}

async function salesOf(tx: Tx, scope: KpiScope, spec: QuerySpec): Promise<Computed> {
  const filters = spec.filters;
  const totalsOf = async (range: DateRange) => {
    const r = await salesKpis(tx, scope, { range, filters });
    return { values: pick(spec.metrics, r.total), provenance: r.provenance };
  };
  const now = await totalsOf(spec.range);
  const before = spec.comparison ? await totalsOf(spec.comparison) : null;
  const dimension = spec.dimensions[0];
  let rows: SpecRow[] = [];
  let provenance = now.provenance;
  if (dimension && ORDER_GROUPS.includes(dimension as OrderGroup)) {
    const ranked = await salesByOrderGroup(tx, scope, spec.range, {
      group: dimension as OrderGroup,
      orderBy: spec.sort?.metric === "orders" ? "orders" : "netSales",
      ascending: spec.sort?.direction === "asc",
      limit: spec.limit ?? 10,
    });
    rows = ranked.rows.map((r) => ({
      key: r.key,
      label: r.label,
      values: pick(spec.metrics, { netSales: r.netSales, orders: r.orders }),
    }));
    provenance = ranked.provenance;
  } else if (dimension) {
    const grouped = await salesKpis(tx, scope, {
      range: spec.range,
      filters,
      groupBy: dimension as SalesDimension,
      ...(spec.sort
        ? {
          orderBy: spec.sort.metric as SalesMeasure,
          ascending: spec.sort.direction === "asc",
        }
        : {}),
      ...(spec.limit ? { limit: spec.limit } : {}),
    });
    rows = grouped.rows.map((r) => ({
      key: r.key,
      label: r.label ?? r.key,
      values: pick(spec.metrics, r.values),
    }));
    provenance = grouped.provenance;
  }
  const profit = spec.metrics.some((m) => PROFIT_METRICS.includes(m));
  return {
    totals: now.values,
    previous: before?.values ?? null,
    rows,
    provenance: dimension ? provenance : now.provenance,
    previousProvenance: before?.provenance ?? null,
    ...(profit ? { costGaps: await costGaps(tx, scope, spec.range, filters) } : {}),
  };
}

async function customersOf(tx: Tx, scope: KpiScope, spec: QuerySpec): Promise<Computed> {
  const wantsSplit = spec.metrics.some((m) => m !== "lifetimeValue" && m !== "cohortRetention");
  let curves: Cohort[] | undefined;
  const totalsOf = async (range: DateRange) => {
    const values: Record<string, number | null> = {};
    let provenance: Provenance | null = null;
    if (wantsSplit) {
      const split = await newVsReturning(tx, scope, range);
      Object.assign(values, {
        newCustomers: split.newCustomers,
        returningCustomers: split.returningCustomers,
        repeatRate: split.repeatPurchaseRate,
      });
      provenance = split.provenance;
    }
    if (spec.metrics.includes("cohortRetention")) {
      const groups = await cohorts(tx, scope, range);
      curves ??= groups.cohorts;
      // Weighted by cohort size, over the cohorts whose next month began within the range;
      // nobody ordering in it counts as 0.
      const nextMonth = (cohort: string) => {
        const [y, m] = cohort.split("-").map(Number) as [number, number];
        return new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
      };
      const seen = groups.cohorts.filter((c) => nextMonth(c.cohort) <= range.to);
      const size = seen.reduce((n, c) => n + c.customers, 0);
      values.cohortRetention = size
        ? round(seen.reduce((n, c) => n + (c.retention[1] ?? 0) * c.customers, 0) / size)
        : null;
      provenance ??= groups.provenance;
    }
    if (spec.metrics.includes("lifetimeValue")) {
      const ltv = await lifetimeValue(tx, scope, range);
      values.lifetimeValue = ltv.averageLifetimeValue;
      provenance ??= ltv.provenance;
    }
    return { values: pick(spec.metrics, values), provenance: provenance! };
  };
  const now = await totalsOf(spec.range);
  const before = spec.comparison ? await totalsOf(spec.comparison) : null;
  return {
    totals: now.values,
    previous: before?.values ?? null,
    rows: [],
    provenance: now.provenance,
    previousProvenance: before?.provenance ?? null,
    ...(curves ? { cohorts: curves } : {}),
  };
}

async function inventoryOf(tx: Tx, scope: KpiScope, spec: QuerySpec): Promise<Computed> {
  const metric = spec.sort?.metric ?? spec.metrics[0]!;
  const direction = spec.sort?.direction ?? "asc";
  const stock = await inventoryKpis(tx, scope, spec.range, {
    filters: spec.filters,
    orderBy: metric as "daysOfCover" | "sellThrough" | "onHand",
    direction,
    limit: spec.limit ?? 10,
  });
  // "Closest to running out" names products that sell: one that sells nothing never runs out.
  const sorted = metric === "daysOfCover" && direction === "asc"
    ? stock.rows.filter((r) => r.daysOfCover !== null)
    : stock.rows;
  return {
    totals: {},
    previous: null,
    rows: sorted.map((r) => ({
      key: r.productId,
      label: r.title,
      values: pick(spec.metrics, {
        onHand: r.onHand,
        daysOfCover: r.daysOfCover,
        sellThrough: r.sellThrough,
      }),
    })),
    provenance: stock.provenance,
    previousProvenance: null,
  };
}
