/**
 * The sales KPIs, defined once (the "semantic layer"): every measure is an
 * expression over one relation of facts, and any of them can be grouped by
 * day, week, month, product, variant or collection. Definitions follow
 * Shopify Analytics, so the numbers match the merchant's admin:
 *
 * - a sale is dated on its order's day, a return on its refund's day, in the
 *   shop's timezone;
 * - cancelled and test orders are not sales; gift cards sold are not sales;
 * - money is in the shop's currency whatever the customer paid in.
 *
 * The facts: one row per order line (gross, discount, units), one per refunded
 * line (returned amount and units), one per order (shipping, taxes), and one
 * per refund for the shipping it gave back. docs/metrics.md has each formula.
 */
import type { Tx } from "../db/database.ts";
import { bounds, type DateRange, type Filters, type KpiScope, type Provenance } from "./scope.ts";

export const SALES_MEASURES = {
  grossSales: "sum(gross)",
  discounts: "sum(discount)",
  returns: "sum(returned)",
  netSales: "sum(gross) - sum(discount) - sum(returned)",
  shipping: "sum(shipping)",
  taxes: "sum(tax)",
  totalSales: "sum(gross) - sum(discount) - sum(returned) + sum(shipping) + sum(tax)",
  orders: "count(distinct order_id) filter (where kind = 'sale')",
  unitsSold: "sum(units)",
  unitsReturned: "sum(units_returned)",
  averageOrderValue:
    "(sum(gross) - sum(discount)) / nullif(count(distinct order_id) filter (where kind = 'sale'), 0)",
  refundRate: "sum(returned) / nullif(sum(gross), 0)",
} as const;

export type SalesMeasure = keyof typeof SALES_MEASURES;
export const SALES_DIMENSIONS = [
  "day",
  "week",
  "month",
  "product",
  "variant",
  "collection",
] as const;
export type SalesDimension = typeof SALES_DIMENSIONS[number];

export interface SalesRow {
  /** The group: a date (YYYY-MM-DD, the first day of a week or month) or a Shopify id; "total" ungrouped. */
  key: string;
  /** A product's or collection's title, when grouped by one. */
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

/** The fact rows within `span` (a CTE the caller defines) under `filters`, as SQL fragments. */
function facts(tx: Tx, scope: KpiScope, filters: Filters) {
  const account = scope.accountId;
  const productFilter = filters.productIds?.length
    ? tx`and l.product_id in (select jsonb_array_elements_text(${
      tx.json(filters.productIds)
    })::bigint)`
    : tx``;
  const collectionFilter = filters.collectionId
    ? tx`and l.product_id in (select product_id from shop_product_collections
           where linked_account_id = ${account} and collection_id = ${filters.collectionId})`
    : tx``;
  const lineFilters = tx`${productFilter} ${collectionFilter}`;
  // Shipping and taxes belong to orders, not products: a product filter leaves them out.
  const orderLevel = !filters.productIds?.length && !filters.collectionId;
  const source = filters.sourceName ? tx`and o.source_name = ${filters.sourceName}` : tx``;
  return tx`
    counted as (
      select o.* from shop_orders o
      where o.linked_account_id = ${account} and not o.test and o.cancelled_at is null ${source}
    ),
    facts as (
      select o.created_at as at, 'sale' as kind, o.shopify_id as order_id, l.shopify_id as line_id,
             null::bigint as refund_id, l.product_id, l.variant_id,
             l.unit_price * l.quantity as gross, l.total_discount as discount, 0::numeric as returned,
             l.quantity as units, 0 as units_returned, 0::numeric as shipping, 0::numeric as tax
      from counted o
      join shop_order_lines l on l.linked_account_id = o.linked_account_id and l.order_id = o.shopify_id
      cross join span
      where not l.is_gift_card and o.created_at >= span.starts_at and o.created_at < span.ends_at
        ${lineFilters}
      union all
      select r.created_at, 'return', o.shopify_id, l.shopify_id, r.shopify_id, l.product_id,
             l.variant_id, 0, 0, rl.subtotal, 0, rl.quantity, 0, 0
      from counted o
      join shop_refunds r on r.linked_account_id = o.linked_account_id and r.order_id = o.shopify_id
      join shop_refund_lines rl on rl.linked_account_id = r.linked_account_id and rl.refund_id = r.shopify_id
      join shop_order_lines l on l.linked_account_id = rl.linked_account_id and l.shopify_id = rl.line_item_id
      cross join span
      where not l.is_gift_card and r.created_at >= span.starts_at and r.created_at < span.ends_at
        ${lineFilters}
      ${
    orderLevel
      ? tx`
      union all
      select o.created_at, 'order', o.shopify_id, null, null, null, null, 0, 0, 0, 0, 0,
             o.total_shipping, o.total_tax
      from counted o cross join span
      where o.created_at >= span.starts_at and o.created_at < span.ends_at
      union all
      -- What a refund paid back beyond its lines' subtotals is refunded shipping.
      select r.created_at, 'shipping_refund', o.shopify_id, null, r.shopify_id, null, null, 0, 0, 0,
             0, 0,
             -greatest(r.total_refunded - coalesce((select sum(subtotal) from shop_refund_lines rl
               where rl.linked_account_id = r.linked_account_id and rl.refund_id = r.shopify_id), 0), 0),
             0
      from counted o
      join shop_refunds r on r.linked_account_id = o.linked_account_id and r.order_id = o.shopify_id
      cross join span
      where r.created_at >= span.starts_at and r.created_at < span.ends_at`
      : tx``
  }
    )`;
}

const TIME_STEP: Record<string, string> = { day: "1 day", week: "1 week", month: "1 month" };

export async function salesKpis(
  tx: Tx,
  scope: KpiScope,
  query: SalesQuery,
): Promise<SalesResult> {
  const filters = query.filters ?? {};
  const tz = scope.timezone;
  const dimension = query.groupBy;
  const measures = Object.entries(SALES_MEASURES)
    .map(([name, sql]) => `(${sql})::float8 as "${name}"`).join(", ");
  const key = !dimension
    ? tx`'total'`
    : dimension in TIME_STEP
    ? tx`to_char(date_trunc(${dimension}, at at time zone ${tz}), 'YYYY-MM-DD')`
    : dimension === "product"
    ? tx`product_id::text`
    : dimension === "variant"
    ? tx`variant_id::text`
    : tx`c.collection_id::text`;
  const collectionJoin = dimension === "collection"
    ? tx`join shop_product_collections c on c.linked_account_id = ${scope.accountId}
           and c.product_id = facts.product_id`
    : tx``;
  const grouped = dimension && !(dimension in TIME_STEP);

  const rows = await tx<Array<Record<string, unknown>>>`
    with span as (${bounds(tx, query.range, tz)}),
    ${facts(tx, scope, filters)},
    keyed as (
      select facts.*, ${key} as key from facts ${collectionJoin}
    ),
    grouped as (
      select grouping(key) as is_total, key, ${tx.unsafe(measures)},
             count(distinct order_id)::int as n_orders,
             count(distinct line_id) filter (where kind = 'sale')::int as n_lines,
             count(distinct refund_id)::int as n_refunds
      from keyed
      ${grouped ? tx`where key is not null` : tx``}
      group by grouping sets ((key), ())
    )
    select g.*, span.starts_at, span.ends_at,
      ${
    dimension === "product"
      ? tx`(select title from shop_products p where p.linked_account_id = ${scope.accountId}
             and p.shopify_id = g.key::bigint)`
      : dimension === "variant"
      ? tx`(select p.title || ' / ' || v.title from shop_variants v join shop_products p
             on p.linked_account_id = v.linked_account_id and p.shopify_id = v.product_id
             where v.linked_account_id = ${scope.accountId} and v.shopify_id = g.key::bigint)`
      : dimension === "collection"
      ? tx`(select title from shop_collections c where c.linked_account_id = ${scope.accountId}
             and c.shopify_id = g.key::bigint)`
      : tx`null`
  } as label
    from grouped g cross join span`;

  const zero = Object.fromEntries(Object.keys(SALES_MEASURES).map((m) => [m, 0])) as Record<
    SalesMeasure,
    number
  >;
  const valuesOf = (row: Record<string, unknown>) =>
    Object.fromEntries(
      Object.keys(SALES_MEASURES).map((m) => [m, round(Number(row[m] ?? 0))]),
    ) as Record<SalesMeasure, number>;
  const totalRow = rows.find((r) => r.is_total === 1);
  const spanRow = rows[0];
  let groups: SalesRow[] = rows.filter((r) => r.is_total !== 1 && dimension).map((r) => ({
    key: String(r.key),
    ...(r.label ? { label: String(r.label) } : {}),
    values: valuesOf(r),
  }));
  if (dimension && dimension in TIME_STEP) {
    // Every period of the range, with zeros where nothing sold, so a chart has no gaps.
    const byKey = new Map(groups.map((g) => [g.key, g]));
    groups = periods(query.range, dimension as "day" | "week" | "month").map((period) =>
      byKey.get(period) ?? { key: period, values: { ...zero } }
    );
  } else if (query.orderBy) {
    const m = query.orderBy;
    groups.sort((a, b) => query.ascending ? a.values[m] - b.values[m] : b.values[m] - a.values[m]);
  }
  if (query.limit) groups = groups.slice(0, query.limit);
  return {
    rows: groups,
    total: totalRow ? valuesOf(totalRow) : { ...zero },
    provenance: {
      kpi: dimension ? `sales by ${dimension}` : "sales",
      source: "store mirror",
      range: {
        ...query.range,
        timezone: tz,
        startsAt: (spanRow?.starts_at as Date | undefined)?.toISOString() ?? "",
        endsAt: (spanRow?.ends_at as Date | undefined)?.toISOString() ?? "",
      },
      filters,
      rows: {
        orders: Number(totalRow?.n_orders ?? 0),
        orderLines: Number(totalRow?.n_lines ?? 0),
        refunds: Number(totalRow?.n_refunds ?? 0),
      },
      syncedAt: scope.syncedAt?.toISOString() ?? null,
    },
  };
}

/** Four decimal places: money stays exact to the cent, ratios keep basis points. */
export function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}

/** The first day of every day, ISO week (Monday) or month that the range touches. */
export function periods(range: DateRange, unit: "day" | "week" | "month"): string[] {
  const day = 86_400_000;
  let at = Date.parse(`${range.from}T00:00:00Z`);
  const end = Date.parse(`${range.to}T00:00:00Z`);
  if (unit === "week") at -= ((new Date(at).getUTCDay() + 6) % 7) * day;
  if (unit === "month") at = Date.UTC(new Date(at).getUTCFullYear(), new Date(at).getUTCMonth(), 1);
  const out: string[] = [];
  while (at <= end) {
    out.push(new Date(at).toISOString().slice(0, 10));
    const d = new Date(at);
    at = unit === "day"
      ? at + day
      : unit === "week"
      ? at + 7 * day
      : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  return out;
}
