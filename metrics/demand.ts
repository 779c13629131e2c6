/**
 * What the Predictive department forecasts from, read from the mirror's daily
 * rollup (in the shop's calendar): a daily series of net sales, orders or
 * units for the shop or one product, with days without sales as zeros; and
 * each tracked variant's stock on hand with its recent units sold.
 *
 * Orders are the rollup's orders with a sale that day, net sales its gross
 * less discounts and returns, units its units sold (before returns: demand is
 * what customers took, whatever came back later), refunds the returns dated
 * that day.
 */
import type { Tx } from "../db/database.ts";
import { addDays, spanDays } from "./calendar.ts";
import type { KpiScope } from "./scope.ts";

/** What can be forecast. */
export const SERIES_MEASURES = ["netSales", "orders", "unitsSold"] as const;
export type SeriesMeasure = typeof SERIES_MEASURES[number];
/** What can be read day by day: the forecast measures, and refunds for the anomaly checks. */
export type DailyMeasure = SeriesMeasure | "refunds";

const COLUMN: Record<DailyMeasure, string> = {
  netSales: "sum(gross - discount - returned)::float8",
  orders: "sum(orders)::float8",
  unitsSold: "sum(units)::float8",
  refunds: "sum(returned)::float8",
};

/** At most this many days of history are read: two years, so last year's season is there. */
export const HISTORY_DAYS = 730;

export interface DailySeries {
  /** Oldest first, one value a day from `from` to `through`. */
  values: number[];
  from: string;
  through: string;
}

/**
 * The daily series of `measure` up to `through` (inclusive), from the shop's first day of
 * sales or {@link HISTORY_DAYS} back, whichever is later. Empty when the shop has no sales.
 */
export async function dailySeries(
  tx: Tx,
  scope: KpiScope,
  options: { measure: DailyMeasure; through: string; productId?: string },
): Promise<DailySeries> {
  const earliest = addDays(options.through, -(HISTORY_DAYS - 1));
  const level = options.productId
    ? tx`product_id = ${options.productId} and variant_id = 0`
    : tx`product_id = 0`;
  const rows = await tx<{ day: string; value: number }[]>`
    select to_char(day, 'YYYY-MM-DD') as day, ${tx.unsafe(COLUMN[options.measure])} as value
    from shop_sales_daily
    where linked_account_id = ${scope.accountId} and ${level}
      and day between ${earliest}::date and ${options.through}::date
    group by day order by day`;
  // The shop's first day of sales, not the product's: a product's quiet days count as zeros.
  const [first] = options.productId
    ? await tx<{ day: string | null }[]>`
        select to_char(min(day), 'YYYY-MM-DD') as day from shop_sales_daily
        where linked_account_id = ${scope.accountId} and product_id = 0
          and day between ${earliest}::date and ${options.through}::date`
    : [{ day: rows[0]?.day ?? null }];
  const from = first?.day;
  if (!from) return { values: [], from: options.through, through: options.through };
  const values = Array<number>(spanDays({ from, to: options.through })).fill(0);
  const offset = Date.parse(`${from}T00:00:00Z`);
  for (const row of rows) {
    const i = Math.round((Date.parse(`${row.day}T00:00:00Z`) - offset) / 86_400_000);
    if (i >= 0 && i < values.length) values[i] = row.value;
  }
  return { values, from, through: options.through };
}

export interface StockPosition {
  productId: string;
  variantId: string;
  productTitle: string;
  variantTitle: string;
  onHand: number;
  /** Units of the variant sold over the `days` before and including `through`. */
  recentUnits: number;
}

/**
 * Every variant of the shop's active products whose stock Shopify tracks (a variant without
 * an inventory quantity is left out: it never runs out), with its units sold recently.
 */
export async function stockPositions(
  tx: Tx,
  scope: KpiScope,
  options: { through: string; days: number; productIds?: string[] },
): Promise<StockPosition[]> {
  const products = options.productIds?.length
    ? tx`and p.shopify_id in (select jsonb_array_elements_text(${
      tx.json(options.productIds)
    })::bigint)`
    : tx``;
  return await tx<StockPosition[]>`
    select p.shopify_id::text as "productId", v.shopify_id::text as "variantId",
           p.title as "productTitle", v.title as "variantTitle",
           v.inventory_quantity as "onHand",
           coalesce((select sum(d.units) from shop_sales_daily d
                     where d.linked_account_id = ${scope.accountId}
                       and d.product_id = v.product_id and d.variant_id = v.shopify_id
                       and d.day between ${addDays(options.through, -(options.days - 1))}::date
                                     and ${options.through}::date), 0)::int as "recentUnits"
    from shop_variants v
    join shop_products p on p.linked_account_id = v.linked_account_id
      and p.shopify_id = v.product_id
    where v.linked_account_id = ${scope.accountId} and p.status = 'ACTIVE'
      and v.inventory_quantity is not null ${products}
    order by p.title, v.title, v.shopify_id`;
}
