/**
 * Inventory KPIs: stock on hand (the mirror's latest inventory), how many days
 * it lasts at the range's rate of sale, and sell-through over the range.
 *
 * - units sold (net) = units sold − units returned in the range;
 * - days of cover = on hand ÷ (net units sold ÷ days in range); none when
 *   nothing sold (the stock does not move);
 * - sell-through = net units sold ÷ (net units sold + on hand).
 */
import type { Tx } from "../db/database.ts";
import { round } from "./sales.ts";
import { bounds, type DateRange, type Filters, type KpiScope, type Provenance } from "./scope.ts";

export interface InventoryRow {
  productId: string;
  title: string;
  tags: string[];
  onHand: number;
  unitsSold: number;
  daysOfCover: number | null;
  sellThrough: number;
  /** On hand × unit cost, when cost is known. */
  stockValueAtCost: number | null;
  /**
   * The thinnest margin of its variants at full price, (price − cost) ÷ price: the deepest
   * discount that keeps every variant at or above cost. Null when a variant has no cost.
   */
  lowestMargin: number | null;
}

export async function inventoryKpis(
  tx: Tx,
  scope: KpiScope,
  range: DateRange,
  options: {
    filters?: Filters;
    orderBy?: "daysOfCover" | "sellThrough" | "onHand";
    /** Smallest value first ("asc") or largest; see the default below. */
    direction?: "asc" | "desc";
    limit?: number;
  } = {},
): Promise<{ rows: InventoryRow[]; provenance: Provenance }> {
  const days = Math.round((Date.parse(range.to) - Date.parse(range.from)) / 86_400_000) + 1;
  const filters = options.filters ?? {};
  const account = scope.accountId;
  const products = filters.productIds?.length
    ? tx`and p.shopify_id in (select jsonb_array_elements_text(${
      tx.json(filters.productIds)
    })::bigint)`
    : tx``;
  const collection = filters.collectionId
    ? tx`and p.shopify_id in (select product_id from shop_product_collections
           where linked_account_id = ${account} and collection_id = ${filters.collectionId})`
    : tx``;
  const rows = await tx`
    with span as (${bounds(tx, range, scope.timezone)}),
    sold as (
      -- Net units from the daily rollup's product rows (gift cards, cancelled and test orders
      -- are already left out there).
      select product_id, sum(units) - sum(units_returned) as units
      from shop_sales_daily
      where linked_account_id = ${account} and product_id <> 0 and variant_id = 0
        and day between ${range.from}::date and ${range.to}::date
      group by product_id
    ),
    stock as (
      select product_id, sum(greatest(coalesce(inventory_quantity, 0), 0)) as on_hand,
             sum(greatest(coalesce(inventory_quantity, 0), 0) * unit_cost) as at_cost,
             bool_and(unit_cost is not null) as costed,
             min((price - unit_cost) / nullif(price, 0)) as lowest_margin
      from shop_variants where linked_account_id = ${account} group by product_id
    )
    select p.shopify_id::text as product_id, p.title, p.tags,
           coalesce(s.on_hand, 0)::int as on_hand,
           coalesce(sold.units, 0)::int as units_sold,
           case when s.costed then s.at_cost::float8 end as at_cost,
           case when s.costed then s.lowest_margin::float8 end as lowest_margin,
           (select coalesce(sum(orders), 0) from shop_sales_daily where linked_account_id = ${account}
              and product_id = 0 and day between ${range.from}::date and ${range.to}::date)::int
             as n_orders,
           span.starts_at, span.ends_at
    from shop_products p cross join span
    left join stock s on s.product_id = p.shopify_id
    left join sold on sold.product_id = p.shopify_id
    where p.linked_account_id = ${account} and p.status = 'ACTIVE' ${products} ${collection}`;
  let result: InventoryRow[] = rows.map((r) => {
    const rate = r.units_sold / days;
    return {
      productId: r.product_id,
      title: r.title,
      tags: r.tags,
      onHand: r.on_hand,
      unitsSold: r.units_sold,
      daysOfCover: rate > 0 ? round(r.on_hand / rate) : null,
      sellThrough: r.units_sold + r.on_hand > 0
        ? round(Math.max(r.units_sold, 0) / (Math.max(r.units_sold, 0) + r.on_hand))
        : 0,
      stockValueAtCost: r.at_cost === null ? null : round(r.at_cost),
      lowestMargin: r.lowest_margin === null ? null : round(r.lowest_margin),
    };
  });
  const order = options.orderBy ?? "daysOfCover";
  const value = (row: InventoryRow) =>
    order === "daysOfCover"
      ? row.daysOfCover ?? Infinity // nothing sold: the stock never runs out
      : order === "onHand"
      ? row.onHand
      : row.sellThrough;
  // By default the most stock-heavy first: the longest cover, the most on hand, the slowest sell-through.
  const direction = options.direction ?? (order === "sellThrough" ? "asc" : "desc");
  result.sort((a, b) =>
    (direction === "asc" ? value(a) - value(b) : value(b) - value(a)) ||
    a.productId.localeCompare(b.productId)
  );
  if (options.limit) result = result.slice(0, options.limit);
  const first = rows[0];
  return {
    rows: result,
    provenance: {
      kpi: "inventory",
      source: "store mirror",
      range: {
        ...range,
        timezone: scope.timezone,
        startsAt: first?.starts_at.toISOString() ?? "",
        endsAt: first?.ends_at.toISOString() ?? "",
      },
      filters,
      rows: { orders: first?.n_orders ?? 0, orderLines: 0, refunds: 0 },
      syncedAt: scope.syncedAt?.toISOString() ?? null,
    },
  };
}

/** What a discount on a product must respect, read from its variants. */
export interface ProductStock {
  /**
   * The thinnest variant margin at full price, (price − cost) ÷ price: the deepest discount that
   * keeps every variant at or above cost. Null when a variant has no cost (never taken as free).
   */
  lowestMargin: number | null;
  /** Units on hand across its variants; null when Shopify tracks none of them. */
  onHand: number | null;
}

export async function productStock(
  tx: Tx,
  accountId: string,
  productIds: readonly string[],
): Promise<Map<string, ProductStock>> {
  if (productIds.length === 0) return new Map();
  const rows = await tx<{ id: string; margin: number | null; onHand: number | null }[]>`
    select product_id::text as id,
           case when bool_and(unit_cost is not null)
                then min((price - unit_cost) / nullif(price, 0))::float8 end as margin,
           sum(inventory_quantity)::int as "onHand"
    from shop_variants
    where linked_account_id = ${accountId}
      and product_id in (select jsonb_array_elements_text(${
    tx.json(productIds as string[])
  })::bigint)
    group by product_id`;
  return new Map(
    rows.map((r) => [r.id, {
      lowestMargin: r.margin === null ? null : round(r.margin),
      onHand: r.onHand,
    }]),
  );
}
