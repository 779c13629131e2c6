/**
 * The sales KPIs: base sums read from the daily rollup (mirror/sales_rollup.ts
 * holds the one definition of the facts and Shopify's rules), and the derived
 * measures defined once here. Any measure can be grouped by day, week, month,
 * product, variant or collection, over a range of the shop's days, filtered by
 * products, a collection or a sales channel. docs/metrics.md has each formula.
 */
import type { Tx } from "../db/database.ts";
import type { Dimension } from "./catalog.ts";
import {
  bounds,
  type DateRange,
  type Filters,
  type KpiScope,
  type Provenance,
  type Span,
} from "./scope.ts";

interface BaseSums {
  gross: number;
  discount: number;
  returned: number;
  shipping: number;
  tax: number;
  units: number;
  unitsReturned: number;
  orders: number;
  lines: number;
  refunds: number;
  /** Cost of goods sold less cost of goods returned (lines with a recorded cost). */
  cost: number;
  /** Net sales of the lines that have a cost: what profit is computed over. */
  costedNet: number;
  /** Lines sold without a cost. */
  uncostedLines: number;
  /** Orders behind the figures that Shopify sent with odd data (mirror/data_flags.ts). */
  flaggedOrders: number;
}

/** Every sales measure, from the base sums. */
export const SALES_MEASURES = {
  grossSales: (b: BaseSums) => b.gross,
  discounts: (b: BaseSums) => b.discount,
  returns: (b: BaseSums) => b.returned,
  netSales: (b: BaseSums) => b.gross - b.discount - b.returned,
  shipping: (b: BaseSums) => b.shipping,
  taxes: (b: BaseSums) => b.tax,
  totalSales: (b: BaseSums) => b.gross - b.discount - b.returned + b.shipping + b.tax,
  orders: (b: BaseSums) => b.orders,
  unitsSold: (b: BaseSums) => b.units,
  unitsReturned: (b: BaseSums) => b.unitsReturned,
  averageOrderValue: (b: BaseSums) => (b.orders ? (b.gross - b.discount) / b.orders : 0),
  refundRate: (b: BaseSums) => (b.gross ? b.returned / b.gross : 0),
  // Profit, as Shopify's profit reports: over the lines that have a cost only.
  costOfGoodsSold: (b: BaseSums) => b.cost,
  grossProfit: (b: BaseSums) => b.costedNet - b.cost,
  grossMargin: (b: BaseSums) => (b.costedNet ? (b.costedNet - b.cost) / b.costedNet : 0),
  profitPerOrder: (b: BaseSums) => (b.orders ? (b.costedNet - b.cost) / b.orders : 0),
  netSalesWithoutCost: (b: BaseSums) => b.gross - b.discount - b.returned - b.costedNet,
} as const;

export type SalesMeasure = keyof typeof SALES_MEASURES;
/** The catalog's splits but those of whole orders (metrics/order_splits.ts). */
export type SalesDimension = Exclude<Dimension, "customer" | "discountCode" | "customerType">;

export interface SalesRow {
  /** The group: a date (YYYY-MM-DD, the first day of a week or month) or a Shopify id. */
  key: string;
  /** A product's, variant's or collection's title, when grouped by one. */
  label?: string;
  values: Record<SalesMeasure, number>;
}

export interface SalesResult {
  rows: SalesRow[];
  /** The whole range, ungrouped. */
  total: Record<SalesMeasure, number>;
  provenance: Provenance;
}

export interface SalesQuery {
  range: DateRange;
  filters?: Filters;
  groupBy?: SalesDimension;
  /** Sort groups by this measure (descending unless `ascending`); time groups stay in time order. */
  orderBy?: SalesMeasure;
  ascending?: boolean;
  limit?: number;
}

/** The rollup's base columns and the type each sum reaches the client as. */
const BASE_COLUMNS = [
  ["gross", "float8"],
  ["discount", "float8"],
  ["returned", "float8"],
  ["shipping", "float8"],
  ["tax", "float8"],
  ["units", "int"],
  ["units_returned", "int"],
  ["orders", "int"],
  ["lines", "int"],
  ["refunds", "int"],
  ["cost", "float8"],
  ["costed_net", "float8"],
  ["uncosted_lines", "int"],
  ["flagged_orders", "int"],
] as const;

/** `sum(<from>.column) as column` for every base column; `cast` types them for the client. */
function sumsOf(from: string, cast = true): string {
  return BASE_COLUMNS.map(([column, type]) =>
    `sum(${from}.${column})${cast ? `::${type}` : ""} as ${column}`
  ).join(", ");
}

const TIME_UNITS = new Set(["day", "week", "month", "quarter", "year"]);

export async function salesKpis(
  tx: Tx,
  scope: KpiScope,
  query: SalesQuery,
): Promise<SalesResult> {
  const filters = query.filters ?? {};
  const account = scope.accountId;
  const dimension = query.groupBy;
  const byProduct = Boolean(filters.productIds?.length || filters.collectionId) ||
    dimension === "product" || dimension === "collection";
  // The rollup level: variants, products (variant 0) or whole days (product 0).
  const level = dimension === "variant"
    ? tx`d.variant_id <> 0`
    : byProduct
    ? tx`d.product_id <> 0 and d.variant_id = 0`
    : tx`d.product_id = 0`;
  const where = rollupWhere(tx, account, query.range, filters);
  const key = !dimension
    ? null
    : TIME_UNITS.has(dimension)
    ? tx`to_char(date_trunc(${dimension}, d.day), 'YYYY-MM-DD')`
    : dimension === "product"
    ? tx`d.product_id::text`
    : dimension === "variant"
    ? tx`d.variant_id::text`
    : dimension === "channel"
    ? tx`coalesce(d.source_name, 'unknown')`
    : tx`c.collection_id::text`;

  const groups = !key ? [] : dimension === "collection"
    // Products first (a year is tens of thousands of day rows), then their collections.
    ? await tx<Array<Record<string, number | string | null>>>`
      select c.collection_id::text as key, ${tx.unsafe(sumsOf("p"))}
      from (select d.product_id, ${tx.unsafe(sumsOf("d", false))}
            from shop_sales_daily d where ${level} and ${where} group by d.product_id) p
      join shop_product_collections c on c.linked_account_id = ${account} and c.product_id = p.product_id
      group by 1`
    : await tx<Array<Record<string, number | string | null>>>`
      select ${key} as key, ${tx.unsafe(sumsOf("d"))} from shop_sales_daily d
      where ${level} and ${where} group by 1`;
  // The total: whole-day rows unless products are filtered (shipping and orders are exact there).
  const totalLevel = filters.productIds?.length || filters.collectionId
    ? level
    : tx`d.product_id = 0`;
  // The range's instants come with the total (an aggregate always answers one row).
  const [totalRow] = await tx<Array<Record<string, number | null> & Span>>`
    with span as (${bounds(tx, query.range, scope.timezone)})
    select ${tx.unsafe(sumsOf("d"))}, (select starts_at from span), (select ends_at from span)
    from shop_sales_daily d where ${totalLevel} and ${where}`;
  const span = totalRow!;

  const labels = dimension && !TIME_UNITS.has(dimension) && dimension !== "channel" &&
      groups.length
    ? await labelsOf(tx, account, dimension, groups.map((g) => String(g.key)))
    : new Map<string, string>();
  let rows: SalesRow[] = groups.map((g) => ({
    key: String(g.key),
    ...(labels.has(String(g.key)) ? { label: labels.get(String(g.key))! } : {}),
    values: measures(sums(g)),
  }));
  if (dimension && TIME_UNITS.has(dimension)) {
    // Every period of the range, with zeros where nothing sold, so a chart has no gaps.
    const byKey = new Map(rows.map((r) => [r.key, r]));
    rows = periods(query.range, dimension as Period).map((period) =>
      byKey.get(period) ?? { key: period, values: measures(sums({})) }
    );
  } else if (query.orderBy) {
    const m = query.orderBy;
    rows.sort((a, b) =>
      (query.ascending ? a.values[m] - b.values[m] : b.values[m] - a.values[m]) ||
      a.key.localeCompare(b.key)
    );
  }
  if (query.limit) rows = rows.slice(0, query.limit);
  const total = sums(totalRow!);
  // Orders counted as Shopify sent them although something about them was odd: say what.
  const flagged = total.flaggedOrders > 0
    ? await tx<{ reason: string }[]>`
      select distinct unnest(data_flags) as reason from shop_orders
      where linked_account_id = ${account} and data_flags <> '{}'
        and created_at >= ${span.starts_at} and created_at < ${span.ends_at}
      order by 1`
    : [];
  return {
    rows,
    total: measures(total),
    provenance: {
      kpi: dimension ? `sales by ${dimension}` : "sales",
      source: "store mirror",
      range: {
        ...query.range,
        timezone: scope.timezone,
        startsAt: span.starts_at.toISOString(),
        endsAt: span.ends_at.toISOString(),
      },
      filters,
      rows: { orders: total.orders, orderLines: total.lines, refunds: total.refunds },
      ...(total.flaggedOrders > 0
        ? { flagged: { orders: total.flaggedOrders, reasons: flagged.map((f) => f.reason) } }
        : {}),
      syncedAt: scope.syncedAt?.toISOString() ?? null,
    },
  };
}

function sums(row: Record<string, number | string | null>): BaseSums {
  const n = (v: unknown) => Number(v ?? 0);
  return {
    gross: n(row.gross),
    discount: n(row.discount),
    returned: n(row.returned),
    shipping: n(row.shipping),
    tax: n(row.tax),
    units: n(row.units),
    unitsReturned: n(row.units_returned),
    orders: n(row.orders),
    lines: n(row.lines),
    refunds: n(row.refunds),
    cost: n(row.cost),
    costedNet: n(row.costed_net),
    uncostedLines: n(row.uncosted_lines),
    flaggedOrders: n(row.flagged_orders),
  };
}

function measures(base: BaseSums): Record<SalesMeasure, number> {
  return Object.fromEntries(
    Object.entries(SALES_MEASURES).map(([name, of]) => [name, round(of(base))]),
  ) as Record<SalesMeasure, number>;
}

async function labelsOf(
  tx: Tx,
  account: string,
  dimension: SalesDimension,
  ids: string[],
): Promise<Map<string, string>> {
  const list = tx`select jsonb_array_elements_text(${tx.json(ids)})::bigint`;
  const rows = dimension === "product"
    ? await tx`select shopify_id::text as id, title from shop_products
               where linked_account_id = ${account} and shopify_id in (${list})`
    : dimension === "variant"
    ? await tx`select v.shopify_id::text as id, p.title || ' / ' || v.title as title
               from shop_variants v join shop_products p
                 on p.linked_account_id = v.linked_account_id and p.shopify_id = v.product_id
               where v.linked_account_id = ${account} and v.shopify_id in (${list})`
    : await tx`select shopify_id::text as id, title from shop_collections
               where linked_account_id = ${account} and shopify_id in (${list})`;
  return new Map(rows.map((r) => [r.id as string, r.title as string]));
}

/** The shop's first day with a sale or a refund in the mirror, or null for a shop with none. */
/** The rollup rows of `range` that `filters` keep (alias `d`). */
function rollupWhere(tx: Tx, account: string, range: DateRange, filters: Filters) {
  return tx`d.linked_account_id = ${account} and d.day between ${range.from}::date
      and ${range.to}::date
    ${filters.sourceName ? tx`and d.source_name = ${filters.sourceName}` : tx``}
    ${
    filters.productIds?.length
      ? tx`and d.product_id in (select jsonb_array_elements_text(${
        tx.json(filters.productIds)
      })::bigint)`
      : tx``
  }
    ${
    filters.collectionId
      ? tx`and d.product_id in (select product_id from shop_product_collections
             where linked_account_id = ${account} and collection_id = ${filters.collectionId})`
      : tx``
  }`;
}

/**
 * What profit leaves out over `range`: the lines sold without a cost, by
 * product (net sales and lines, most first), so an answer can count and name
 * them instead of treating them as free; and when costs began to be recorded
 * (lines of orders placed before that carry the cost at that moment).
 */
export async function costGaps(
  tx: Tx,
  scope: KpiScope,
  range: DateRange,
  filters: Filters = {},
): Promise<{
  lines: number;
  netSales: number;
  products: Array<{ id: string; label: string; lines: number; netSales: number }>;
  costsRecordedFrom: string | null;
}> {
  const rows = await tx<{ id: string; lines: number; net: number }[]>`
    select d.product_id::text as id, sum(d.uncosted_lines)::int as lines,
           sum(d.gross - d.discount - d.returned - d.costed_net)::float8 as net
    from shop_sales_daily d
    where d.product_id <> 0 and d.variant_id = 0 and ${
    rollupWhere(tx, scope.accountId, range, filters)
  }
    group by 1 having sum(d.uncosted_lines) > 0
    order by net desc, id`;
  const labels = rows.length
    ? await labelsOf(tx, scope.accountId, "product", rows.map((r) => r.id))
    : new Map<string, string>();
  // The import recorded today's costs on every line it brought; later lines get theirs as they
  // arrive. (One row to read, where the earliest recorded cost would scan every line.)
  const [first] = await tx<{ day: string | null }[]>`
    select to_char(import_started_at at time zone ${scope.timezone}, 'YYYY-MM-DD') as day
    from store_sync_state where linked_account_id = ${scope.accountId}`;
  return {
    lines: rows.reduce((n, r) => n + r.lines, 0),
    netSales: round(rows.reduce((n, r) => n + r.net, 0)),
    products: rows.map((r) => ({
      id: r.id,
      label: labels.get(r.id) ?? `Product ${r.id}`,
      lines: r.lines,
      netSales: round(r.net),
    })),
    costsRecordedFrom: first?.day ?? null,
  };
}

export async function firstSalesDay(tx: Tx, accountId: string): Promise<string | null> {
  const [row] = await tx<{ day: string | null }[]>`
    select to_char(min(day), 'YYYY-MM-DD') as day from shop_sales_daily
    where linked_account_id = ${accountId} and product_id = 0`;
  return row?.day ?? null;
}

/** Four decimal places: money stays exact to the cent, ratios keep basis points. */
export function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}

type Period = "day" | "week" | "month" | "quarter" | "year";
const MONTHS_IN: Partial<Record<Period, number>> = { month: 1, quarter: 3, year: 12 };

/** The first day of every day, ISO week (Monday), month, quarter or year that the range touches. */
export function periods(range: DateRange, unit: Period): string[] {
  const day = 86_400_000;
  let at = Date.parse(`${range.from}T00:00:00Z`);
  const end = Date.parse(`${range.to}T00:00:00Z`);
  const months = MONTHS_IN[unit];
  if (unit === "week") at -= ((new Date(at).getUTCDay() + 6) % 7) * day;
  if (months) {
    const d = new Date(at);
    // The first month of its quarter or year, as Postgres's date_trunc has it.
    at = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - (d.getUTCMonth() % months), 1);
  }
  const out: string[] = [];
  while (at <= end) {
    out.push(new Date(at).toISOString().slice(0, 10));
    const d = new Date(at);
    at = months
      ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1)
      : at + (unit === "week" ? 7 : 1) * day;
  }
  return out;
}
