/**
 * The daily sales rollup (`shop_sales_daily`) and the one definition of the
 * sales facts it sums. Shopify Analytics' rules, in the shop's timezone:
 *
 * - a sale is dated on its order's day, a return on its refund's day;
 * - a cancelled order is a sale on the day it was placed and a return on the
 *   day it was cancelled (Shopify's sales reports, "Canceled orders"): what
 *   its refunds had not already given back is returned then, so over time it
 *   nets to zero;
 * - test orders are not sales; gift cards sold are not sales;
 * - money is in the shop's currency, whatever the customer paid in;
 * - shipping and taxes are charged on the order's day; the shipping and taxes
 *   a refund gave back come off on the refund's day;
 * - an order edit or exchange (Shopify's sales agreements) is dated on its own
 *   day: units it added are a sale then, units it removed a return.
 *
 * Cost facts (profit): the cost of goods sold at the unit cost recorded on
 * each line, less that of goods returned or cancelled, and the net sales of
 * the lines that have a cost; Shopify computes gross profit over those only.
 *
 * Rows exist at three levels per day and channel: the whole day (product 0,
 * carrying shipping, taxes and the day's distinct orders), each product
 * (variant 0) and each variant. Rebuilt whole after an import; refreshed for
 * the days an order or refund write touches.
 */
import type { Tx } from "../db/database.ts";
import type { MirrorScope } from "./records.ts";

type Fragment = ReturnType<Tx>;

/**
 * The version of the facts' definition below. Raise it when a rule changes what a day holds:
 * every mirror built with an older one is rebuilt whole at its next sync (`rebuildIfStale`).
 * 2: cancellations as returns, and the cost facts (issue #10).
 * 3: refunded taxes and shipping in their own columns; edits and exchanges on their own day;
 *    flagged orders (issue #10).
 */
export const ROLLUP_VERSION = 3;
const DAY_MS = 86_400_000;

/**
 * The shop days (in `tz`) that contain `instants`, and a condition that an
 * instant falls on one of them: a coarse instant window first, which an index
 * can range over, then the exact days.
 */
function shopDaysOf(tx: Tx, instants: string[], tz: string) {
  const times = instants.map((i) => Date.parse(i));
  const earliest = new Date(Math.min(...times) - DAY_MS).toISOString();
  const latest = new Date(Math.max(...times) + DAY_MS).toISOString();
  const list = tx`select distinct (jsonb_array_elements_text(${
    tx.json(instants)
  })::timestamptz at time zone ${tz})::date`;
  return {
    list,
    contain: (at: Fragment) =>
      tx`${at} >= ${earliest} and ${at} < ${latest}
         and (${at} at time zone ${tz})::date in (${list})`,
  };
}

/** Rebuilds the rollup for the shop days containing `instants`, or for every day. */
export async function refreshSalesDaily(
  tx: Tx,
  scope: MirrorScope,
  which: { instants: string[] } | "all",
): Promise<void> {
  if (which !== "all" && which.instants.length === 0) return;
  const [state] = await tx<{ tz: string | null }[]>`
    select shop_timezone as tz from store_sync_state where linked_account_id = ${scope.accountId}`;
  const tz = state?.tz ?? "UTC";
  const days = which === "all" ? null : shopDaysOf(tx, which.instants, tz);
  const inDays = (at: Fragment) => days ? days.contain(at) : tx`true`;
  await tx`delete from shop_sales_daily where linked_account_id = ${scope.accountId}
           ${days ? tx`and day in (${days.list})` : tx``}`;
  if (!days) {
    await tx`update store_sync_state set rollup_version = ${ROLLUP_VERSION}
             where linked_account_id = ${scope.accountId}`;
  }
  const account = scope.accountId;
  // Cancelled orders count: placed, they were sales; their cancellation is a return (below).
  const counted = tx`o.linked_account_id = ${account} and not o.test`;
  // Per line, what edits and exchanges added (their units are sold on their own day, not the
  // order's) and took back; per order, the taxes they charged and gave back.
  const changedTax = tx`select order_id,
      sum(tax) filter (where action = 'ORDER') as added, sum(tax) filter (where action = 'RETURN') as removed
    from shop_line_changes where linked_account_id = ${account} group by order_id`;
  const changed = tx`select line_item_id,
      sum(quantity) filter (where action = 'ORDER') as added,
      sum(discount) filter (where action = 'ORDER') as added_discount,
      sum(quantity) filter (where action = 'RETURN') as removed,
      sum(amount) filter (where action = 'RETURN') as removed_amount
    from shop_line_changes where linked_account_id = ${account} group by line_item_id`;
  // What refunds gave back, per refund: shipping (null: not recorded, then the refund's total
  // beyond its lines' subtotals and taxes) and taxes.
  const refunded = tx`select r.shopify_id, r.order_id,
      coalesce(r.shipping, greatest(r.total_refunded - coalesce(sum(rl.subtotal), 0)
        - coalesce(sum(rl.tax), 0) - r.shipping_tax, 0)) as shipping,
      coalesce(sum(rl.tax), 0) + r.shipping_tax as tax
    from shop_refunds r left join shop_refund_lines rl
      on rl.linked_account_id = r.linked_account_id and rl.refund_id = r.shopify_id
    where r.linked_account_id = ${account}
    group by r.shopify_id, r.order_id, r.shipping, r.total_refunded, r.shipping_tax`;
  // Order lines with a cost only when Shopify's is usable: a negative cost (bad input) is kept as
  // sent in shop_order_lines but counts as none, so profit names the product instead.
  const lines = tx`(select linked_account_id, shopify_id, order_id, product_id, variant_id,
      quantity, unit_price, total_discount, is_gift_card,
      case when unit_cost >= 0 then unit_cost end as unit_cost from shop_order_lines)`;
  await tx`
    with changed as (${changed}), changed_tax as (${changedTax}), refunded as (${refunded}),
      refunded_order as (select order_id, sum(shipping) as shipping, sum(tax) as tax
                         from refunded group by order_id)
    insert into shop_sales_daily (user_id, linked_account_id, day, source_name, product_id,
      variant_id, gross, discount, returned, shipping, tax, units, units_returned, orders, lines,
      refunds, cost, costed_net, uncosted_lines, flagged_orders)
    select ${scope.userId}, ${account}, day, source_name, coalesce(product_id, 0),
      coalesce(variant_id, 0), sum(gross), sum(discount), sum(returned), sum(shipping), sum(tax),
      sum(units), sum(units_returned),
      count(distinct order_id) filter (where kind = 'sale'),
      count(*) filter (where kind = 'sale'),
      count(distinct refund_id), sum(cost), sum(costed_net), sum(uncosted)::int,
      count(distinct order_id) filter (where kind = 'sale' and flagged)
    from (
      select (at at time zone ${tz})::date as day, f.* from (
        -- Sales: one row per line, on the order's day: the units it was placed with (those an
        -- edit or exchange added are sold on that day, below).
        select o.created_at as at, 'sale' as kind, coalesce(o.source_name, '') as source_name,
               o.shopify_id as order_id, null::bigint as refund_id, l.product_id, l.variant_id,
               l.unit_price * (l.quantity - coalesce(c.added, 0)) as gross,
               l.total_discount - coalesce(c.added_discount, 0) as discount,
               0::numeric as returned, l.quantity - coalesce(c.added, 0) as units,
               0 as units_returned, 0::numeric as shipping, 0::numeric as tax,
               -- Cost facts: goods sold at the cost recorded on the line; profit is computed
               -- only over lines that have one.
               coalesce(l.unit_cost * (l.quantity - coalesce(c.added, 0)), 0) as cost,
               case when l.unit_cost is null then 0
                    else l.unit_price * (l.quantity - coalesce(c.added, 0)) - l.total_discount
                      + coalesce(c.added_discount, 0) end as costed_net,
               (l.unit_cost is null)::int as uncosted, o.data_flags <> '{}' as flagged
        from shop_orders o join ${lines} l
          on l.linked_account_id = o.linked_account_id and l.order_id = o.shopify_id
        left join changed c on c.line_item_id = l.shopify_id
        where ${counted} and not l.is_gift_card and l.quantity > coalesce(c.added, 0)
          and ${inDays(tx`o.created_at`)}
        union all
        -- Edits and exchanges: units added are a sale on their day (Shopify shows an edit on a
        -- later day as an order of that day); units removed or exchanged are a return.
        select ch.happened_at, case ch.action when 'ORDER' then 'sale' else 'return' end,
               coalesce(o.source_name, ''), o.shopify_id, null, l.product_id, l.variant_id,
               case ch.action when 'ORDER' then ch.amount + ch.discount else 0 end,
               case ch.action when 'ORDER' then ch.discount else 0 end,
               case ch.action when 'RETURN' then ch.amount else 0 end,
               case ch.action when 'ORDER' then ch.quantity else 0 end,
               case ch.action when 'RETURN' then ch.quantity else 0 end, 0, 0,
               coalesce(l.unit_cost * ch.quantity, 0) * (case ch.action when 'ORDER' then 1 else -1 end),
               case when l.unit_cost is null then 0
                    else ch.amount * (case ch.action when 'ORDER' then 1 else -1 end) end,
               (ch.action = 'ORDER' and l.unit_cost is null)::int, o.data_flags <> '{}'
        from shop_orders o
        join shop_line_changes ch on ch.linked_account_id = o.linked_account_id and ch.order_id = o.shopify_id
        join ${lines} l on l.linked_account_id = ch.linked_account_id and l.shopify_id = ch.line_item_id
        where ${counted} and not l.is_gift_card and ${inDays(tx`ch.happened_at`)}
        union all
        -- Their taxes, charged and given back on their day (taxes belong to the order).
        select ch.happened_at, 'change', coalesce(o.source_name, ''), o.shopify_id, null, null,
               null, 0, 0, 0, 0, 0, 0,
               sum(ch.tax * (case ch.action when 'ORDER' then 1 else -1 end)), 0, 0, 0, false
        from shop_orders o
        join shop_line_changes ch on ch.linked_account_id = o.linked_account_id and ch.order_id = o.shopify_id
        where ${counted} and ${inDays(tx`ch.happened_at`)}
        group by ch.happened_at, o.source_name, o.shopify_id
        union all
        -- Returns: one row per refunded line, on the refund's day.
        select r.created_at, 'return', coalesce(o.source_name, ''), o.shopify_id, r.shopify_id,
               l.product_id, l.variant_id, 0, 0, rl.subtotal, 0, rl.quantity, 0, 0,
               -coalesce(l.unit_cost * rl.quantity, 0),
               case when l.unit_cost is null then 0 else -rl.subtotal end, 0, false
        from shop_orders o
        join shop_refunds r on r.linked_account_id = o.linked_account_id and r.order_id = o.shopify_id
        join shop_refund_lines rl on rl.linked_account_id = r.linked_account_id and rl.refund_id = r.shopify_id
        join ${lines} l on l.linked_account_id = rl.linked_account_id and l.shopify_id = rl.line_item_id
        where ${counted} and not l.is_gift_card and ${inDays(tx`r.created_at`)}
        union all
        -- Cancellations: on the day of the cancellation, each line's value after discounts and
        -- its quantity, less what its refunds (whenever made), edits and exchanges already took
        -- back.
        select o.cancelled_at, 'cancellation', coalesce(o.source_name, ''), o.shopify_id, null,
               l.product_id, l.variant_id, 0, 0,
               greatest(l.unit_price * l.quantity - l.total_discount
                 - coalesce(back.subtotal, 0) - coalesce(c.removed_amount, 0), 0),
               0, greatest(l.quantity - coalesce(back.quantity, 0) - coalesce(c.removed, 0), 0),
               0, 0,
               -coalesce(l.unit_cost * greatest(l.quantity - coalesce(back.quantity, 0)
                 - coalesce(c.removed, 0), 0), 0),
               case when l.unit_cost is null then 0
                    else -greatest(l.unit_price * l.quantity - l.total_discount
                      - coalesce(back.subtotal, 0) - coalesce(c.removed_amount, 0), 0) end,
               0, false
        from shop_orders o
        join ${lines} l on l.linked_account_id = o.linked_account_id and l.order_id = o.shopify_id
        left join changed c on c.line_item_id = l.shopify_id
        left join lateral (
          select sum(rl.subtotal) as subtotal, sum(rl.quantity) as quantity
          from shop_refund_lines rl
          where rl.linked_account_id = l.linked_account_id and rl.line_item_id = l.shopify_id
        ) back on true
        where ${counted} and o.cancelled_at is not null and not l.is_gift_card
          and ${inDays(tx`o.cancelled_at`)}
        union all
        -- A cancellation gives back the order's shipping and taxes that refunds, edits and
        -- exchanges had not already given back.
        select o.cancelled_at, 'cancellation', coalesce(o.source_name, ''), o.shopify_id, null,
               null, null, 0, 0, 0, 0, 0,
               -greatest(o.total_shipping - coalesce(ro.shipping, 0), 0),
               -(o.total_tax - coalesce(ro.tax, 0) - coalesce(ct.removed, 0)),
               0, 0, 0, false
        from shop_orders o
        left join refunded_order ro on ro.order_id = o.shopify_id
        left join changed_tax ct on ct.order_id = o.shopify_id
        where ${counted} and o.cancelled_at is not null and ${inDays(tx`o.cancelled_at`)}
        union all
        -- Shipping and taxes, on the order's day (less the taxes of what edits and exchanges
        -- added later: those are charged on their own day).
        select o.created_at, 'order', coalesce(o.source_name, ''), o.shopify_id, null, null, null,
               0, 0, 0, 0, 0, o.total_shipping, o.total_tax - coalesce(ct.added, 0),
               0, 0, 0, false
        from shop_orders o left join changed_tax ct on ct.order_id = o.shopify_id
        where ${counted} and ${inDays(tx`o.created_at`)}
        union all
        -- Shipping and taxes a refund gave back, on the refund's day.
        select r.created_at, 'refund', coalesce(o.source_name, ''), o.shopify_id, r.shopify_id,
               null, null, 0, 0, 0, 0, 0, -rf.shipping, -rf.tax, 0, 0, 0, false
        from shop_orders o
        join shop_refunds r on r.linked_account_id = o.linked_account_id and r.order_id = o.shopify_id
        join refunded rf on rf.shopify_id = r.shopify_id
        where ${counted} and ${inDays(tx`r.created_at`)}
      ) f
    ) facts
    group by grouping sets ((day, source_name), (day, source_name, product_id),
                            (day, source_name, product_id, variant_id))
    -- Product and variant rows exist only for facts that have a product (a variant).
    having (grouping(product_id) = 1 or product_id is not null)
       and (grouping(variant_id) = 1 or variant_id is not null)`;
}

/** Rebuilds the whole rollup if it was built with an older definition; true if it did. */
export async function rebuildIfStale(tx: Tx, scope: MirrorScope): Promise<boolean> {
  const [state] = await tx<{ version: number }[]>`
    select rollup_version as version from store_sync_state
    where linked_account_id = ${scope.accountId}`;
  if (!state || state.version >= ROLLUP_VERSION) return false;
  await refreshSalesDaily(tx, scope, "all");
  return true;
}
