/**
 * Charts of a result, built from the departments' tables and facts. The data
 * shape of each type is a contract with the clients (docs/analysis.md):
 *
 * - `KPI`: `{ items: [{ label, value, unit, change? }] }` — `unit` is money,
 *   count, ratio or days; `change` a ratio against the previous period;
 * - `LINE_CHART`: `{ x: "day", series: [{ name, unit, points: [{ x, y }] }] }`;
 * - `BAR_CHART`: `{ unit, bars: [{ label, value }] }`;
 * - `TABLE`: `{ columns: [{ key, label, unit? }], rows: [{ [key]: value }] }`.
 */
import type { DepartmentResult } from "../agents/department.ts";
import { type Fact, factOf } from "../agents/facts.ts";
import { FACT_ID } from "../agents/quantitative.ts";
import { type Dimension, DIMENSION_NAMES, TIME_DIMENSIONS } from "../metrics/catalog.ts";
import type { Plan } from "../agents/plan.ts";

export type VisualizationType = "KPI" | "LINE_CHART" | "BAR_CHART" | "TABLE";

export interface Visualization {
  type: VisualizationType;
  title: string;
  data: Record<string, unknown>;
}

const HEADLINES = [
  "sales.netSales",
  "sales.orders",
  "sales.averageOrderValue",
  "sales.refundRate",
  "customers.new",
  "customers.returning",
  "customers.repeatRate",
  "customers.lifetimeValue",
  "catalog.products",
  "catalog.withIssues",
  "drivers.netSalesChange",
];

const FORECAST_HEADLINES = [
  "forecast.total",
  "forecast.actualSoFar",
  "forecast.lower80",
  "forecast.upper80",
  "forecast.chance",
];

/** A table; a column's optional third element is its unit, so clients can format its cells. */
function table(
  title: string,
  columns: Array<[string, string] | [string, string, string | undefined]>,
  rows: unknown[],
): Visualization {
  const keys = columns.map(([key]) => key);
  return {
    type: "TABLE",
    title,
    data: {
      columns: columns.map(([key, label, unit]) => (unit ? { key, label, unit } : { key, label })),
      rows: (rows as Array<Record<string, unknown>>).map((r) =>
        Object.fromEntries(keys.map((k) => [k, r[k] ?? null]))
      ),
    },
  };
}

/** The charts of a result; a query spec's own figures are its KPI tiles. */
export function visualizationsOf(all: DepartmentResult, plan?: Plan): Visualization[] {
  const charts: Visualization[] = [];
  const headlines = plan?.intent === "forecast"
    ? FORECAST_HEADLINES
    : plan?.spec && plan.intent === "metric_query"
    ? plan.spec.metrics.map((m) => FACT_ID[m])
    : HEADLINES;
  const kpis = headlines.map((id) => factOf(all.facts, id)).filter((f): f is Fact => !!f);
  if (kpis.length) {
    charts.push({
      type: "KPI",
      title: "Key figures",
      data: {
        items: kpis.map((f) => ({
          label: f.label,
          value: f.value,
          unit: f.unit,
          ...(factOf(all.facts, `${f.id}.change`)
            ? { change: factOf(all.facts, `${f.id}.change`)!.value }
            : {}),
        })),
      },
    });
  }
  const t = all.tables;
  const breakdown = t.breakdown;
  if (breakdown?.rows.length && breakdown.columns?.length && breakdown.dimension) {
    const columns = breakdown.columns;
    const dimensionName = DIMENSION_NAMES[breakdown.dimension as Dimension] ??
      { one: breakdown.dimension, many: breakdown.dimension };
    if (TIME_DIMENSIONS.includes(breakdown.dimension as never)) {
      charts.push({
        type: "LINE_CHART",
        title: `${columns.map((c) => c.label).join(", ")} by ${dimensionName.one}`,
        data: {
          x: breakdown.dimension,
          series: columns.map((c) => ({
            name: c.label,
            unit: c.unit,
            points: breakdown.rows.map((r) => ({ x: r.key, y: r[c.key] })),
          })),
        },
      });
    } else {
      const first = columns[0]!;
      charts.push({
        type: "BAR_CHART",
        title: `${first.label} by ${dimensionName.one}`,
        data: {
          unit: first.unit,
          bars: breakdown.rows.map((r) => ({ label: r.title, value: r[first.key] })),
        },
      });
      charts.push(
        table(
          `By ${dimensionName.one}`,
          [
            ["title", dimensionName.one[0]!.toUpperCase() + dimensionName.one.slice(1)],
            ...columns.map((c) => [c.key, c.label, c.unit] as [string, string, string]),
          ],
          breakdown.rows,
        ),
      );
    }
  }
  if (t.salesByDay?.rows.length) {
    charts.push({
      type: "LINE_CHART",
      title: "Net sales by day",
      data: {
        x: "day",
        series: [{
          name: "Net sales",
          unit: "money",
          points: t.salesByDay.rows.map((r) => ({ x: r.day, y: r.netSales })),
        }],
      },
    });
  }
  const forecast = t.forecast;
  if (forecast?.rows.length) {
    // Actual days, then forecast days whose points carry their 80% band (`lower`, `upper`) and
    // the 95% band (`lower95`, `upper95`).
    const column = forecast.columns?.[0];
    const rows = forecast.rows as Array<Record<string, number | string>>;
    charts.push({
      type: "LINE_CHART",
      title: `${column?.label ?? "Forecast"}: recent days and forecast`,
      data: {
        x: "day",
        series: [
          {
            name: "Actual",
            unit: column?.unit ?? "count",
            points: rows.filter((r) => r.actual !== undefined).map((r) => ({
              x: r.day,
              y: r.actual,
            })),
          },
          {
            name: "Forecast",
            unit: column?.unit ?? "count",
            points: rows.filter((r) => r.forecast !== undefined).map((r) => ({
              x: r.day,
              y: r.forecast,
              lower: r.lower80,
              upper: r.upper80,
              lower95: r.lower95,
              upper95: r.upper95,
            })),
          },
        ],
      },
    });
  }
  if (t.stockouts?.rows.length) {
    charts.push(table("When stock runs out", [
      ["title", "Variant"],
      ["onHand", "On hand"],
      ["perDay", "Forecast units a day"],
      ["runsOutOn", "Runs out around"],
      ["earliest", "As early as"],
      ["latest", "As late as"],
    ], t.stockouts.rows));
  }
  if (t.topProducts?.rows.length) {
    charts.push({
      type: "BAR_CHART",
      title: "Top products by net sales",
      data: {
        unit: "money",
        bars: t.topProducts.rows.map((r) => ({ label: r.title, value: r.netSales })),
      },
    });
  }
  if (t.drivers?.rows.length) {
    charts.push({
      type: "BAR_CHART",
      title: "Change in net sales by product",
      data: {
        unit: "money",
        bars: t.drivers.rows.map((r) => ({ label: r.title, value: r.change })),
      },
    });
  }
  if (t.slowStock?.rows.length) {
    charts.push(table("Slow-moving stock", [
      ["title", "Product"],
      ["onHand", "On hand"],
      ["unitsSold", "Sold"],
      ["daysOfCover", "Days of cover"],
      ["sellThrough", "Sell-through", "ratio"],
    ], t.slowStock.rows));
  }
  if (t.cohorts?.rows.length) {
    charts.push(table("Customer cohorts", [
      ["cohort", "Cohort"],
      ["customers", "Customers"],
      ["retention", "Retention", "ratio"],
    ], t.cohorts.rows));
  }
  if (t.orderLookup?.rows.length) {
    charts.push(table("Orders found", [
      ["name", "Order"],
      ["createdAt", "Placed"],
      ["totalPrice", "Total"],
      ["totalRefunded", "Refunded"],
      ["currency", "Currency"],
    ], t.orderLookup.rows));
  }
  if (t.returnCheck?.rows.length) {
    charts.push(table("Return check", [
      ["title", "Item"],
      ["quantity", "Quantity"],
      ["returnable", "Returnable"],
      ["why", "Why not"],
    ], t.returnCheck.rows));
  }
  if (t.catalogIssues?.rows.length) {
    charts.push(table(
      "Listings to fix",
      [["title", "Product"], ["issues", "Issues"]],
      t.catalogIssues.rows.slice(0, 50),
    ));
  }
  return charts;
}
