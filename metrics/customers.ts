/**
 * Customer KPIs over the mirror. A customer's orders are those that count as
 * sales (not cancelled, not test); a customer is *new* in a range when their
 * first such order falls in it, *returning* when they had one before. Orders
 * without a customer (POS walk-ins, guest checkouts without a match) are left
 * out of customer figures, as in Shopify's customer reports.
 */
import type { Tx } from "../db/database.ts";
import { round } from "./sales.ts";
import { bounds, type DateRange, type KpiScope, type Provenance, type Span } from "./scope.ts";

export function provenance(
  kpi: string,
  scope: KpiScope,
  range: DateRange,
  span: Span,
  orders: number,
): Provenance {
  return {
    kpi,
    source: "store mirror",
    range: {
      ...range,
      timezone: scope.timezone,
      startsAt: span.starts_at.toISOString(),
      endsAt: span.ends_at.toISOString(),
    },
    filters: {},
    rows: { orders, orderLines: 0, refunds: 0 },
    syncedAt: scope.syncedAt?.toISOString() ?? null,
  };
}

/** The orders that are sales and have a customer: the base of every customer KPI. */
export const counted = (tx: Tx, scope: KpiScope) =>
  tx`select shopify_id, customer_id, created_at, subtotal, line_sales, line_returns from shop_orders
     where linked_account_id = ${scope.accountId} and not test and cancelled_at is null
       and customer_id is not null`;

export interface NewVsReturning {
  newCustomers: number;
  returningCustomers: number;
  newCustomerOrders: number;
  returningCustomerOrders: number;
  /** Order subtotals (after discounts) of each group. */
  newCustomerSales: number;
  returningCustomerSales: number;
  /** Customers who ordered in the range and have two or more orders up to its end. */
  repeatCustomers: number;
  /** repeatCustomers / all customers who ordered in the range. */
  repeatPurchaseRate: number;
  provenance: Provenance;
}

export async function newVsReturning(
  tx: Tx,
  scope: KpiScope,
  range: DateRange,
): Promise<NewVsReturning> {
  const [row] = await tx`
    with span as (${bounds(tx, range, scope.timezone)}),
    orders as (${counted(tx, scope)}),
    per_customer as (
      select o.customer_id,
             min(o.created_at) as first_at,
             count(*) filter (where o.created_at >= span.starts_at and o.created_at < span.ends_at) as in_range,
             count(*) filter (where o.created_at < span.ends_at) as to_date,
             sum(o.subtotal) filter (where o.created_at >= span.starts_at and o.created_at < span.ends_at) as sales
      from orders o cross join span group by o.customer_id
    )
    select span.starts_at, span.ends_at,
      count(*) filter (where first_at >= span.starts_at)::int as new_customers,
      count(*) filter (where first_at < span.starts_at)::int as returning_customers,
      coalesce(sum(in_range) filter (where first_at >= span.starts_at), 0)::int as new_orders,
      coalesce(sum(in_range) filter (where first_at < span.starts_at), 0)::int as returning_orders,
      coalesce(sum(sales) filter (where first_at >= span.starts_at), 0)::float8 as new_sales,
      coalesce(sum(sales) filter (where first_at < span.starts_at), 0)::float8 as returning_sales,
      count(*) filter (where to_date >= 2)::int as repeat_customers
    from per_customer cross join span where in_range > 0
    group by span.starts_at, span.ends_at`;
  const [span] = row
    ? [{ starts_at: row.starts_at as Date, ends_at: row.ends_at as Date }]
    : await tx<Span[]>`${bounds(tx, range, scope.timezone)}`;
  const customers = (row?.new_customers ?? 0) + (row?.returning_customers ?? 0);
  return {
    newCustomers: row?.new_customers ?? 0,
    returningCustomers: row?.returning_customers ?? 0,
    newCustomerOrders: row?.new_orders ?? 0,
    returningCustomerOrders: row?.returning_orders ?? 0,
    newCustomerSales: round(row?.new_sales ?? 0),
    returningCustomerSales: round(row?.returning_sales ?? 0),
    repeatCustomers: row?.repeat_customers ?? 0,
    repeatPurchaseRate: customers ? round((row?.repeat_customers ?? 0) / customers) : 0,
    provenance: provenance(
      "new vs returning customers",
      scope,
      range,
      span!,
      (row?.new_orders ?? 0) + (row?.returning_orders ?? 0),
    ),
  };
}

export interface Cohort {
  /** The month of the customers' first order, YYYY-MM. */
  cohort: string;
  customers: number;
  /** Share of the cohort ordering in each month since: [1, 0.21, 0.15, …] up to today. */
  retention: number[];
}

/** Cohorts of customers by first-order month, for first orders within `range`. */
export async function cohorts(
  tx: Tx,
  scope: KpiScope,
  range: DateRange,
): Promise<{ cohorts: Cohort[]; provenance: Provenance }> {
  const tz = scope.timezone;
  // One pass: each customer's months with an order, the first of which is their cohort. Every
  // customer is active in their cohort's month, so offset 0 counts the cohort.
  const rows = await tx<{ cohort: string; offset: number; active: number }[]>`
    with span as (${bounds(tx, range, tz)}),
    months as (
      select distinct o.customer_id, date_trunc('month', o.created_at at time zone ${tz}) as month
      from (${counted(tx, scope)}) o
    ),
    cohorted as (
      select month, min(month) over (partition by customer_id) as cohort from months
    )
    select to_char(c.cohort, 'YYYY-MM') as cohort,
           ((extract(year from c.month) - extract(year from c.cohort)) * 12
             + extract(month from c.month) - extract(month from c.cohort))::int as offset,
           count(*)::int as active
    from cohorted c cross join span
    where c.cohort >= date_trunc('month', span.starts_at at time zone ${tz})
      and c.cohort < span.ends_at at time zone ${tz}
    group by c.cohort, c.month`;
  const byCohort = new Map<string, { size: number; active: Map<number, number> }>();
  for (const row of rows) {
    const entry = byCohort.get(row.cohort) ?? { size: 0, active: new Map() };
    if (row.offset === 0) entry.size = row.active;
    entry.active.set(row.offset, row.active);
    byCohort.set(row.cohort, entry);
  }
  const [span] = await tx<Span[]>`${bounds(tx, range, tz)}`;
  const result = [...byCohort.entries()].sort().map(([cohort, { size, active }]) => {
    const last = Math.max(0, ...active.keys());
    return {
      cohort,
      customers: size,
      retention: Array.from({ length: last + 1 }, (_, k) => round((active.get(k) ?? 0) / size)),
    };
  });
  return {
    cohorts: result,
    provenance: provenance(
      "customer cohorts",
      scope,
      range,
      span!,
      result.reduce((n, c) => n + c.customers, 0),
    ),
  };
}

export interface Ltv {
  /** Customers whose first order falls in the range. */
  customers: number;
  /** Their net sales to date (lines less discounts less returns) per customer. */
  averageLifetimeValue: number;
  averageOrders: number;
  averageOrderValue: number;
  provenance: Provenance;
}

/** Simple LTV: what customers acquired in `range` have spent, net, up to now. */
export async function lifetimeValue(tx: Tx, scope: KpiScope, range: DateRange): Promise<Ltv> {
  // One pass over the orders: each customer's first order and totals to date; those whose first
  // order falls in the range are the ones acquired then.
  const [row] = await tx`
    with span as (${bounds(tx, range, scope.timezone)}),
    per_customer as (
      select customer_id, min(created_at) as first_at, count(*) as orders,
             sum(line_sales) as net, sum(line_returns) as returned
      from (${counted(tx, scope)}) o group by customer_id
    )
    select span.starts_at, span.ends_at,
           count(p.customer_id)::int as customers,
           coalesce(sum(p.orders), 0)::int as orders,
           coalesce(sum(p.net), 0)::float8 as net,
           coalesce(sum(p.returned), 0)::float8 as returned
    from span
    left join per_customer p on p.first_at >= span.starts_at and p.first_at < span.ends_at
    group by span.starts_at, span.ends_at`;
  const customers = row!.customers as number;
  const net = (row!.net as number) - (row!.returned as number);
  return {
    customers,
    averageLifetimeValue: customers ? round(net / customers) : 0,
    averageOrders: customers ? round(row!.orders / customers) : 0,
    averageOrderValue: row!.orders ? round((row!.net as number) / row!.orders) : 0,
    provenance: provenance("lifetime value", scope, range, {
      starts_at: row!.starts_at,
      ends_at: row!.ends_at,
    }, row!.orders),
  };
}
