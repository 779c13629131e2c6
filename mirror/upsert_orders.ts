/**
 * Writes orders into the mirror, with their lines and refunds (replaced with
 * the version of the order that won), and keeps the sales rollup current.
 *
 * Newest wins: a row is written only when its Shopify `updatedAt` is at least
 * the stored one, so a webhook delivered late (or an import racing a webhook)
 * never rolls data back. Each batch travels as one JSON parameter expanded by
 * `jsonb_to_recordset`, which keeps a 500-row batch to a handful of statements.
 * Everything runs inside the caller's tenant transaction.
 */
import { jsonParam as json, type Tx } from "../db/database.ts";
import type { LineChangeRecord, MirrorScope, OrderRecord, RefundRecord } from "./records.ts";
import { refreshSalesDaily } from "./sales_rollup.ts";

/** Upserts orders with their lines and refunds; returns how many orders were written. */
export async function upsertOrders(
  tx: Tx,
  scope: MirrorScope,
  orders: OrderRecord[],
  /** False during an import, which rebuilds the sales rollup once at its end. */
  options: { rollup?: boolean } = {},
): Promise<number> {
  if (orders.length === 0) return 0;
  const rows = orders.map((o) => ({
    shopify_id: o.shopifyId,
    name: o.name,
    created_at: o.createdAt,
    shopify_updated_at: o.updatedAt,
    cancelled_at: o.cancelledAt,
    test: o.test,
    source_name: o.sourceName,
    currency: o.currency,
    presentment_currency: o.presentmentCurrency,
    customer_id: o.customerId,
    discount_codes: o.discountCodes,
    subtotal: o.subtotal,
    total_discounts: o.totalDiscounts,
    total_shipping: o.totalShipping,
    total_tax: o.totalTax,
    total_price: o.totalPrice,
    total_refunded: o.totalRefunded,
    presentment_total_price: o.presentmentTotalPrice,
    data_flags: o.flags,
  }));
  const written = await tx<{ shopify_id: string; inserted: boolean }[]>`
    insert into shop_orders (user_id, linked_account_id, shopify_id, name, created_at,
      shopify_updated_at, cancelled_at, test, source_name, currency, presentment_currency,
      customer_id, discount_codes, subtotal, total_discounts, total_shipping, total_tax,
      total_price, total_refunded, presentment_total_price, data_flags)
    select ${scope.userId}, ${scope.accountId}, r.*
    from jsonb_to_recordset(${json(tx, rows)}) as r(shopify_id bigint, name text,
      created_at timestamptz, shopify_updated_at timestamptz, cancelled_at timestamptz,
      test boolean, source_name text, currency text, presentment_currency text,
      customer_id bigint, discount_codes text[], subtotal numeric, total_discounts numeric,
      total_shipping numeric, total_tax numeric, total_price numeric, total_refunded numeric,
      presentment_total_price numeric, data_flags text[])
    on conflict (linked_account_id, shopify_id) do update set
      name = excluded.name, created_at = excluded.created_at,
      shopify_updated_at = excluded.shopify_updated_at, cancelled_at = excluded.cancelled_at,
      test = excluded.test, source_name = excluded.source_name, currency = excluded.currency,
      presentment_currency = excluded.presentment_currency, customer_id = excluded.customer_id,
      discount_codes = excluded.discount_codes, subtotal = excluded.subtotal,
      total_discounts = excluded.total_discounts, total_shipping = excluded.total_shipping,
      total_tax = excluded.total_tax, total_price = excluded.total_price,
      total_refunded = excluded.total_refunded,
      presentment_total_price = excluded.presentment_total_price,
      data_flags = excluded.data_flags, synced_at = now()
    where shop_orders.shopify_updated_at <= excluded.shopify_updated_at
    returning shopify_id, (xmax = 0) as inserted`;
  if (written.length === 0) return 0;
  const won = new Set(written.map((r) => String(r.shopify_id)));
  const winners = orders.filter((o) => won.has(o.shopifyId));
  // Orders that existed get their lines and refunds replaced; new ones (an import) have none.
  const updated = written.filter((r) => !r.inserted).map((r) => String(r.shopify_id));
  let replaced: { at: string }[] = [];
  // The costs recorded for lines being replaced: a line keeps the cost it was first mirrored with.
  let recorded: { id: string; unit_cost: string | null; at: Date | null }[] = [];
  if (updated.length) {
    const ids = json(tx, updated);
    recorded = await tx`delete from shop_order_lines where linked_account_id = ${scope.accountId}
             and order_id in (select jsonb_array_elements_text(${ids})::bigint)
             returning shopify_id::text as id, unit_cost::text, cost_recorded_at as at`;
    replaced = await tx<{ at: string }[]>`
      delete from shop_refunds where linked_account_id = ${scope.accountId}
        and order_id in (select jsonb_array_elements_text(${ids})::bigint)
      returning created_at::text as at`;
  }
  const lines = winners.flatMap((o) =>
    o.lines.map((l) => ({
      shopify_id: l.shopifyId,
      order_id: o.shopifyId,
      product_id: l.productId,
      variant_id: l.variantId,
      title: l.title,
      sku: l.sku,
      quantity: l.quantity,
      unit_price: l.unitPrice,
      total_discount: l.totalDiscount,
      is_gift_card: l.isGiftCard,
    }))
  );
  if (lines.length) {
    // A new line takes its variant's cost now (a product without a cost leaves it null).
    await tx`
      insert into shop_order_lines (user_id, linked_account_id, shopify_id, order_id, product_id,
        variant_id, title, sku, quantity, unit_price, total_discount, is_gift_card, unit_cost,
        cost_recorded_at)
      select ${scope.userId}, ${scope.accountId}, r.*,
        case when k.id is not null then k.unit_cost else v.unit_cost end,
        case when k.id is not null then k.at when v.unit_cost is not null then now() end
      from jsonb_to_recordset(${json(tx, lines)}) as r(shopify_id bigint, order_id bigint,
        product_id bigint, variant_id bigint, title text, sku text, quantity integer,
        unit_price numeric, total_discount numeric, is_gift_card boolean)
      left join jsonb_to_recordset(${json(tx, recorded)})
        as k(id bigint, unit_cost numeric, at timestamptz) on k.id = r.shopify_id
      left join shop_variants v
        on v.linked_account_id = ${scope.accountId} and v.shopify_id = r.variant_id`;
  }
  await insertRefunds(tx, scope, winners.flatMap((o) => o.refunds));
  const changed = await replaceLineChanges(tx, scope, winners);
  await updateOrderNetSales(tx, scope, winners.map((o) => o.shopifyId));
  if (options.rollup ?? true) {
    // The days whose sales these orders change: their own, their cancellations', and those of
    // old and new refunds.
    await refreshSalesDaily(tx, scope, {
      instants: [
        ...winners.map((o) => o.createdAt),
        ...winners.flatMap((o) => o.cancelledAt ? [o.cancelledAt] : []),
        ...winners.flatMap((o) => o.refunds.map((r) => r.createdAt)),
        ...replaced.map((r) => r.at),
        ...changed,
      ],
    });
  }
  return written.length;
}

/**
 * The one definition of an order's net sales inputs (the customer KPIs and order splits sum
 * them): `line_sales`, its lines after discounts, and `line_returns`, what refunds, edits and
 * exchanges took back of those lines, gift cards left out of both. Computed from the mirrored lines and refunds after
 * they are written, for orders just upserted or whose refund arrived alone (its webhook).
 */
async function updateOrderNetSales(tx: Tx, scope: MirrorScope, orderIds: string[]) {
  if (orderIds.length === 0) return;
  await tx`
    update shop_orders o set
      line_sales = coalesce((select sum(l.unit_price * l.quantity - l.total_discount)
        from shop_order_lines l
        where l.linked_account_id = o.linked_account_id and l.order_id = o.shopify_id
          and not l.is_gift_card), 0),
      line_returns = coalesce((select sum(rl.subtotal) from shop_refunds r
        join shop_refund_lines rl on rl.linked_account_id = r.linked_account_id
          and rl.refund_id = r.shopify_id
        join shop_order_lines l on l.linked_account_id = rl.linked_account_id
          and l.shopify_id = rl.line_item_id
        where r.linked_account_id = o.linked_account_id and r.order_id = o.shopify_id
          and not l.is_gift_card), 0)
        -- Units an edit removed or an exchange took back.
        + coalesce((select sum(c.amount) from shop_line_changes c
          where c.linked_account_id = o.linked_account_id and c.order_id = o.shopify_id
            and c.action = 'RETURN'), 0)
    where o.linked_account_id = ${scope.accountId}
      and o.shopify_id in (select jsonb_array_elements_text(${json(tx, orderIds)})::bigint)
`;
}

/**
 * Replaces the edits and exchanges of the orders whose record carries them (a REST webhook does
 * not: the mirror's stay). Returns the instants of the old and new changes, whose days change.
 */
async function replaceLineChanges(
  tx: Tx,
  scope: MirrorScope,
  orders: OrderRecord[],
): Promise<string[]> {
  const carrying = orders.filter((o) => o.changes !== undefined);
  if (carrying.length === 0) return [];
  const removed = await tx<{ at: string }[]>`
    delete from shop_line_changes where linked_account_id = ${scope.accountId}
      and order_id in (select jsonb_array_elements_text(${
    json(tx, carrying.map((o) => o.shopifyId))
  })::bigint)
    returning happened_at::text as at`;
  const rows = carrying.flatMap((o) =>
    (o.changes as LineChangeRecord[]).map((c) => ({
      agreement_id: c.agreementId,
      order_id: o.shopifyId,
      line_item_id: c.lineItemId,
      kind: c.kind,
      happened_at: c.happenedAt,
      action: c.action,
      quantity: c.quantity,
      amount: c.amount,
      discount: c.discount,
      tax: c.tax,
    }))
  );
  if (rows.length) {
    // One sale per line, agreement and action: Shopify may split one into several records.
    await tx`
      insert into shop_line_changes (user_id, linked_account_id, agreement_id, order_id,
        line_item_id, kind, happened_at, action, quantity, amount, discount, tax)
      select ${scope.userId}, ${scope.accountId}, r.agreement_id, r.order_id, r.line_item_id,
        min(r.kind), min(r.happened_at), r.action, sum(r.quantity), sum(r.amount),
        sum(r.discount), sum(r.tax)
      from jsonb_to_recordset(${json(tx, rows)}) as r(agreement_id bigint, order_id bigint,
        line_item_id bigint, kind text, happened_at timestamptz, action text, quantity integer,
        amount numeric, discount numeric, tax numeric)
      group by r.agreement_id, r.order_id, r.line_item_id, r.action`;
  }
  return [...removed.map((r) => r.at), ...rows.map((r) => r.happened_at)];
}

async function insertRefunds(tx: Tx, scope: MirrorScope, refunds: RefundRecord[]) {
  if (refunds.length === 0) return;
  await tx`
    insert into shop_refunds (user_id, linked_account_id, shopify_id, order_id, created_at,
      total_refunded, note, shipping, shipping_tax)
    select ${scope.userId}, ${scope.accountId}, r.*
    from jsonb_to_recordset(${
    json(
      tx,
      refunds.map((r) => ({
        shopify_id: r.shopifyId,
        order_id: r.orderId,
        created_at: r.createdAt,
        total_refunded: r.totalRefunded,
        note: r.note,
        shipping: r.shipping,
        shipping_tax: r.shippingTax,
      })),
    )
  }) as r(shopify_id bigint, order_id bigint, created_at timestamptz, total_refunded numeric,
        note text, shipping numeric, shipping_tax numeric)
    on conflict (linked_account_id, shopify_id) do nothing`;
  const lines = refunds.flatMap((r) =>
    r.lines.map((l) => ({
      refund_id: r.shopifyId,
      line_item_id: l.lineItemId,
      quantity: l.quantity,
      subtotal: l.subtotal,
      tax: l.tax,
    }))
  );
  if (lines.length === 0) return;
  await tx`
    insert into shop_refund_lines (user_id, linked_account_id, refund_id, line_item_id, quantity,
      subtotal, tax)
    select ${scope.userId}, ${scope.accountId}, r.refund_id, r.line_item_id, sum(r.quantity),
      sum(r.subtotal), sum(r.tax)
    from jsonb_to_recordset(${
    json(tx, lines)
  }) as r(refund_id bigint, line_item_id bigint, quantity integer, subtotal numeric, tax numeric)
    group by r.refund_id, r.line_item_id
    on conflict (linked_account_id, refund_id, line_item_id) do nothing`;
}

/**
 * A refund on its own (the `refunds/create` webhook). Written only when its
 * order is mirrored; otherwise the order's own sync brings it. Returns whether
 * it was written.
 */
export async function upsertRefund(
  tx: Tx,
  scope: MirrorScope,
  refund: RefundRecord,
): Promise<boolean> {
  const [order] = await tx<{ cancelled_at: Date | null }[]>`
    select cancelled_at from shop_orders
    where linked_account_id = ${scope.accountId} and shopify_id = ${refund.orderId}`;
  if (!order) return false;
  await insertRefunds(tx, scope, [refund]);
  await updateOrderNetSales(tx, scope, [refund.orderId]);
  // A cancelled order's cancellation returns what its refunds did not: that day changes too.
  await refreshSalesDaily(tx, scope, {
    instants: [refund.createdAt, ...(order.cancelled_at ? [order.cancelled_at.toISOString()] : [])],
  });
  return true;
}
