/**
 * What the proactive checks read of a store, in its own calendar: the daily
 * series metrics/anomalies.ts judges (net sales, orders, refunds, units, and
 * the best sellers' units) up to the day checked, and the best sellers' stock.
 */
import type { Tx } from "../db/database.ts";
import { addDays } from "../metrics/calendar.ts";
import { dailySeries, type StockPosition, stockPositions } from "../metrics/demand.ts";
import type { ShopSeries } from "../metrics/anomalies.ts";
import type { KpiScope } from "../metrics/scope.ts";

/** How many best sellers each check follows: the products a merchant would miss first. */
export const BEST_SELLERS = 5;

export interface BestSeller {
  id: string;
  title: string;
  units: number;
}

/** The products that sold the most units over the 28 days before `through`. */
export async function bestSellers(tx: Tx, scope: KpiScope, through: string): Promise<BestSeller[]> {
  return await tx<BestSeller[]>`
    select d.product_id::text as id, coalesce(p.title, 'Product ' || d.product_id) as title,
           sum(d.units)::int as units
    from shop_sales_daily d
    left join shop_products p on p.linked_account_id = d.linked_account_id
      and p.shopify_id = d.product_id
    where d.linked_account_id = ${scope.accountId} and d.product_id <> 0 and d.variant_id = 0
      and d.day between ${addDays(through, -28)}::date and ${addDays(through, -1)}::date
    group by d.product_id, p.title
    having sum(d.units) > 0
    order by sum(d.units) desc, d.product_id
    limit ${BEST_SELLERS}`;
}

/** The shop's series through `day`, aligned day for day (empty when it never sold). */
export async function shopSeries(
  tx: Tx,
  scope: KpiScope,
  day: string,
  products: BestSeller[],
): Promise<ShopSeries> {
  const read = (measure: "netSales" | "orders" | "unitsSold" | "refunds", productId?: string) =>
    dailySeries(tx, scope, { measure, through: day, ...(productId ? { productId } : {}) });
  const [netSales, orders, refunds, unitsSold] = [
    await read("netSales"),
    await read("orders"),
    await read("refunds"),
    await read("unitsSold"),
  ];
  const perProduct = [];
  for (const p of products) {
    perProduct.push({ id: p.id, unitsSold: (await read("unitsSold", p.id)).values });
  }
  return {
    lastDay: day,
    netSales: netSales.values,
    orders: orders.values,
    refunds: refunds.values,
    unitsSold: unitsSold.values,
    products: perProduct,
  };
}

/** The best sellers' variants with nothing left on hand that sold lately. */
export async function soldOut(
  tx: Tx,
  scope: KpiScope,
  day: string,
  products: BestSeller[],
): Promise<StockPosition[]> {
  if (!products.length) return [];
  const positions = await stockPositions(tx, scope, {
    through: day,
    days: 28,
    productIds: products.map((p) => p.id),
  });
  // Three sold in four weeks: a variant that sells, not one nobody asks for.
  return positions.filter((p) => p.onHand <= 0 && p.recentUnits >= 3);
}
