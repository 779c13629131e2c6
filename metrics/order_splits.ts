/**
 * Splits that belong to whole orders rather than lines: by customer, by the
 * discount code used, and by new or returning customer. Each group's figures
 * are its orders placed in the range — net sales (lines less discounts, less
 * what was refunded of those lines, whenever; gift cards left out, from the
 * per-order columns `line_sales` and `line_returns`) and the count of orders.
 * Guest orders have no customer, so they count only by discount code. The
 * customer splits leave cancelled orders out, as Shopify's customer reports
 * do; the discount-code split counts them, netting to nothing, as its sales
 * reports do.
 *
 * @example
 * ```ts
 * const top = await salesByOrderGroup(tx, scope, range, { group: "customer", orderBy: "netSales", limit: 10 });
 * ```
 */
import type { Tx } from "../db/database.ts";
import { counted, provenance } from "./customers.ts";
import { round } from "./sales.ts";
import { bounds, type DateRange, type KpiScope, type Provenance, type Span } from "./scope.ts";

export type OrderGroup = "customer" | "discountCode" | "customerType";

export interface OrderGroupRow {
  key: string;
  label: string;
  netSales: number;
  orders: number;
}

export async function salesByOrderGroup(
  tx: Tx,
  scope: KpiScope,
  range: DateRange,
  options: {
    group: OrderGroup;
    orderBy: "netSales" | "orders";
    ascending?: boolean;
    limit: number;
  },
): Promise<{ rows: OrderGroupRow[]; provenance: Provenance }> {
  const direction = options.ascending ? tx`asc` : tx`desc`;
  const sort = options.orderBy === "orders" ? tx`orders` : tx`net`;
  // Each order of the range with the key it is grouped under.
  const keyed = options.group === "customer"
    ? tx`select o.customer_id::text as key, o.line_sales, o.line_returns
         from (${counted(tx, scope)}) o, span
         where o.created_at >= span.starts_at and o.created_at < span.ends_at`
    : options.group === "customerType"
    // New: the customer's first order ever falls in the range; returning: one came before it.
    ? tx`select case when o.first_at < span.starts_at then 'returning' else 'new' end as key,
                o.line_sales, o.line_returns
         from (select c.*, min(c.created_at) over (partition by c.customer_id) as first_at
               from (${counted(tx, scope)}) c) o, span
         where o.created_at >= span.starts_at and o.created_at < span.ends_at`
    // Codes are case-insensitive in Shopify; an order with two codes counts under each. As in
    // Shopify's sales reports, a cancelled order is an order of its code, and its cancellation
    // gave back all it had not returned: it nets to nothing.
    : tx`select upper(code) as key, o.line_sales,
                case when o.cancelled_at is null then o.line_returns else o.line_sales end
                  as line_returns
         from shop_orders o cross join lateral unnest(o.discount_codes) code, span
         where o.linked_account_id = ${scope.accountId} and not o.test
           and o.created_at >= span.starts_at and o.created_at < span.ends_at`;
  const rows = await tx<
    { key: string; net: number; orders: number; starts_at: Date; ends_at: Date }[]
  >`
    with span as (${bounds(tx, range, scope.timezone)})
    select g.key, (sum(g.line_sales) - sum(g.line_returns))::float8 as net, count(*)::int as orders,
           (select starts_at from span), (select ends_at from span)
    from (${keyed}) g
    group by g.key
    order by ${sort} ${direction}, g.key
    limit ${options.limit}`;
  // No order in the range: the range's instants still come from the database's calendar.
  const [span] = rows.length ? rows : await tx<Span[]>`${bounds(tx, range, scope.timezone)}`;
  const label = (key: string) =>
    options.group === "customer"
      ? `Customer ${key}`
      : options.group === "customerType"
      ? (key === "new" ? "New customers" : "Returning customers")
      : key;
  return {
    rows: rows.map((r) => ({
      key: r.key,
      label: label(r.key),
      netSales: round(r.net),
      orders: r.orders,
    })),
    provenance: provenance(
      `sales by ${options.group}`,
      scope,
      range,
      span!,
      rows.reduce((n, r) => n + r.orders, 0),
    ),
  };
}
