/**
 * Writes mirror records in batches, inside the caller's tenant transaction.
 *
 * Newest wins: an order, product or customer is written only when its Shopify
 * `updatedAt` is at least the stored one, so a webhook delivered late (or an
 * import racing a webhook) never rolls data back. An order's lines and refunds
 * (a product's variants and collections) are replaced with the version of the
 * parent that won. Each batch travels as one JSON parameter expanded by
 * `jsonb_to_recordset`, which keeps a 500-order batch to a handful of
 * statements.
 */
import { hmac } from "@oslojs/crypto/hmac";
import { SHA256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";
import type { Tx } from "../db/database.ts";
import { refreshSalesDaily } from "./sales_rollup.ts";
import type {
  CustomerRecord,
  DiscountCodeRecord,
  OrderRecord,
  ProductRecord,
  RefundRecord,
} from "./records.ts";

export interface MirrorScope {
  userId: string;
  accountId: string;
}

// deno-lint-ignore no-explicit-any
const json = (tx: Tx, value: unknown) => tx.json(value as any);

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
    ...netSalesOf(o),
  }));
  const written = await tx<{ shopify_id: string; inserted: boolean }[]>`
    insert into shop_orders (user_id, linked_account_id, shopify_id, name, created_at,
      shopify_updated_at, cancelled_at, test, source_name, currency, presentment_currency,
      customer_id, discount_codes, subtotal, total_discounts, total_shipping, total_tax,
      total_price, total_refunded, presentment_total_price, line_sales, line_returns)
    select ${scope.userId}, ${scope.accountId}, r.*
    from jsonb_to_recordset(${json(tx, rows)}) as r(shopify_id bigint, name text,
      created_at timestamptz, shopify_updated_at timestamptz, cancelled_at timestamptz,
      test boolean, source_name text, currency text, presentment_currency text,
      customer_id bigint, discount_codes text[], subtotal numeric, total_discounts numeric,
      total_shipping numeric, total_tax numeric, total_price numeric, total_refunded numeric,
      presentment_total_price numeric, line_sales numeric, line_returns numeric)
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
      line_sales = excluded.line_sales, line_returns = excluded.line_returns, synced_at = now()
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
  if (options.rollup ?? true) {
    // The days whose sales these orders change: their own, their cancellations', and those of
    // old and new refunds.
    await refreshSalesDaily(tx, scope, {
      instants: [
        ...winners.map((o) => o.createdAt),
        ...winners.flatMap((o) => o.cancelledAt ? [o.cancelledAt] : []),
        ...winners.flatMap((o) => o.refunds.map((r) => r.createdAt)),
        ...replaced.map((r) => r.at),
      ],
    });
  }
  return written.length;
}

/**
 * An order's sales after discounts and its line returns, gift cards left out
 * (the customer KPIs sum these): from the record, which holds every line and refund.
 */
function netSalesOf(order: OrderRecord): { line_sales: string; line_returns: string } {
  const cents = (amount: string) => Math.round(Number(amount) * 100);
  const sold = order.lines.filter((l) => !l.isGiftCard);
  const soldIds = new Set(sold.map((l) => l.shopifyId));
  const sales = sold.reduce(
    (sum, l) => sum + cents(l.unitPrice) * l.quantity - cents(l.totalDiscount),
    0,
  );
  const returns = order.refunds.flatMap((r) => r.lines)
    .filter((l) => soldIds.has(l.lineItemId))
    .reduce((sum, l) => sum + cents(l.subtotal), 0);
  return { line_sales: (sales / 100).toFixed(2), line_returns: (returns / 100).toFixed(2) };
}

/** Recomputes `line_returns` of the orders a lone refund (its webhook) belongs to. */
async function updateOrderReturns(tx: Tx, scope: MirrorScope, orderIds: string[]) {
  await tx`
    update shop_orders o set
      line_returns = coalesce((select sum(rl.subtotal) from shop_refunds r
        join shop_refund_lines rl on rl.linked_account_id = r.linked_account_id
          and rl.refund_id = r.shopify_id
        join shop_order_lines l on l.linked_account_id = rl.linked_account_id
          and l.shopify_id = rl.line_item_id
        where r.linked_account_id = o.linked_account_id and r.order_id = o.shopify_id
          and not l.is_gift_card), 0)
    where o.linked_account_id = ${scope.accountId}
      and o.shopify_id in (select jsonb_array_elements_text(${json(tx, orderIds)})::bigint)`;
}

async function insertRefunds(tx: Tx, scope: MirrorScope, refunds: RefundRecord[]) {
  if (refunds.length === 0) return;
  await tx`
    insert into shop_refunds (user_id, linked_account_id, shopify_id, order_id, created_at,
      total_refunded, note)
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
      })),
    )
  }) as r(shopify_id bigint, order_id bigint, created_at timestamptz, total_refunded numeric, note text)
    on conflict (linked_account_id, shopify_id) do nothing`;
  const lines = refunds.flatMap((r) =>
    r.lines.map((l) => ({
      refund_id: r.shopifyId,
      line_item_id: l.lineItemId,
      quantity: l.quantity,
      subtotal: l.subtotal,
    }))
  );
  if (lines.length === 0) return;
  await tx`
    insert into shop_refund_lines (user_id, linked_account_id, refund_id, line_item_id, quantity, subtotal)
    select ${scope.userId}, ${scope.accountId}, r.refund_id, r.line_item_id, sum(r.quantity), sum(r.subtotal)
    from jsonb_to_recordset(${
    json(tx, lines)
  }) as r(refund_id bigint, line_item_id bigint, quantity integer, subtotal numeric)
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
  await updateOrderReturns(tx, scope, [refund.orderId]);
  // A cancelled order's cancellation returns what its refunds did not: that day changes too.
  await refreshSalesDaily(tx, scope, {
    instants: [refund.createdAt, ...(order.cancelled_at ? [order.cancelled_at.toISOString()] : [])],
  });
  return true;
}

/** Upserts products with variants (and collections when the source carries them). */
export async function upsertProducts(
  tx: Tx,
  scope: MirrorScope,
  products: ProductRecord[],
): Promise<number> {
  if (products.length === 0) return 0;
  // REST bodies carry no SEO: those products keep the mirror's SEO fields.
  const withSeo = products.filter((p) => p.seoTitle !== undefined);
  const withoutSeo = products.filter((p) => p.seoTitle === undefined);
  const written = [
    ...await writeProductRows(tx, scope, withSeo, true),
    ...await writeProductRows(tx, scope, withoutSeo, false),
  ];
  if (written.length === 0) return 0;
  const won = new Set(written);
  await replaceVariants(tx, scope, products.filter((p) => won.has(p.shopifyId)));
  await replaceCollections(
    tx,
    scope,
    products.filter((p) => won.has(p.shopifyId) && p.collections !== undefined),
  );
  return written.length;
}

async function writeProductRows(
  tx: Tx,
  scope: MirrorScope,
  products: ProductRecord[],
  seo: boolean,
): Promise<string[]> {
  if (products.length === 0) return [];
  const rows = products.map((p) => ({
    shopify_id: p.shopifyId,
    title: p.title,
    handle: p.handle,
    description_html: p.descriptionHtml,
    product_type: p.productType,
    vendor: p.vendor,
    tags: p.tags,
    status: p.status,
    seo_title: p.seoTitle ?? null,
    seo_description: p.seoDescription ?? null,
    image_count: p.imageCount,
    created_at: p.createdAt,
    shopify_updated_at: p.updatedAt,
  }));
  const written = await tx<{ shopify_id: string }[]>`
    insert into shop_products as p (user_id, linked_account_id, shopify_id, title, handle,
      description_html, product_type, vendor, tags, status, seo_title, seo_description,
      image_count, created_at, shopify_updated_at)
    select ${scope.userId}, ${scope.accountId}, r.shopify_id, r.title, r.handle,
      r.description_html, r.product_type, r.vendor, r.tags, r.status, r.seo_title,
      r.seo_description, r.image_count, r.created_at, r.shopify_updated_at
    from jsonb_to_recordset(${json(tx, rows)}) as r(shopify_id bigint, title text, handle text,
      description_html text, product_type text, vendor text, tags text[], status text,
      seo_title text, seo_description text, image_count integer,
      created_at timestamptz, shopify_updated_at timestamptz)
    on conflict (linked_account_id, shopify_id) do update set
      title = excluded.title, handle = excluded.handle,
      description_html = excluded.description_html, product_type = excluded.product_type,
      vendor = excluded.vendor, tags = excluded.tags, status = excluded.status,
      seo_title = ${seo ? tx`excluded.seo_title` : tx`p.seo_title`},
      seo_description = ${seo ? tx`excluded.seo_description` : tx`p.seo_description`},
      image_count = excluded.image_count, created_at = excluded.created_at,
      shopify_updated_at = excluded.shopify_updated_at, synced_at = now()
    where p.shopify_updated_at <= excluded.shopify_updated_at
    returning shopify_id`;
  return written.map((r) => String(r.shopify_id));
}

async function replaceVariants(tx: Tx, scope: MirrorScope, winners: ProductRecord[]) {
  if (winners.length === 0) return;
  const variants = winners.flatMap((p) =>
    p.variants.map((v) => ({
      shopify_id: v.shopifyId,
      product_id: p.shopifyId,
      title: v.title,
      sku: v.sku,
      price: v.price,
      compare_at_price: v.compareAtPrice,
      unit_cost: v.unitCost ?? null,
      inventory_quantity: v.inventoryQuantity,
    }))
  );
  const ids = json(tx, winners.map((p) => p.shopifyId));
  // Variants removed in Shopify go; the rest are updated in place (keeping cost when not sent).
  await tx`delete from shop_variants v where linked_account_id = ${scope.accountId}
           and product_id in (select jsonb_array_elements_text(${ids})::bigint)
           and not exists (select 1 from jsonb_to_recordset(${json(tx, variants)})
                           as r(shopify_id bigint) where r.shopify_id = v.shopify_id)`;
  if (variants.length) {
    await tx`
      insert into shop_variants as v (user_id, linked_account_id, shopify_id, product_id, title,
        sku, price, compare_at_price, unit_cost, inventory_quantity)
      select ${scope.userId}, ${scope.accountId}, r.shopify_id, r.product_id, r.title, r.sku,
        r.price, r.compare_at_price, r.unit_cost, r.inventory_quantity
      from jsonb_to_recordset(${json(tx, variants)}) as r(shopify_id bigint, product_id bigint,
        title text, sku text, price numeric, compare_at_price numeric, unit_cost numeric, inventory_quantity integer)
      on conflict (linked_account_id, shopify_id) do update set
        product_id = excluded.product_id, title = excluded.title, sku = excluded.sku,
        price = excluded.price, compare_at_price = excluded.compare_at_price,
        unit_cost = coalesce(excluded.unit_cost, v.unit_cost),
        inventory_quantity = excluded.inventory_quantity`;
  }
}

async function replaceCollections(tx: Tx, scope: MirrorScope, withCollections: ProductRecord[]) {
  {
    const collections = new Map(
      withCollections.flatMap((p) => p.collections!.map((c) => [c.shopifyId, c] as const)),
    );
    if (collections.size) {
      await tx`
        insert into shop_collections (user_id, linked_account_id, shopify_id, title, handle)
        select ${scope.userId}, ${scope.accountId}, r.*
        from jsonb_to_recordset(${
        json(
          tx,
          [...collections.values()].map((c) => ({
            shopify_id: c.shopifyId,
            title: c.title,
            handle: c.handle,
          })),
        )
      }) as r(shopify_id bigint, title text, handle text)
        on conflict (linked_account_id, shopify_id) do update set
          title = excluded.title, handle = excluded.handle`;
    }
    await tx`delete from shop_product_collections where linked_account_id = ${scope.accountId}
             and product_id in (select jsonb_array_elements_text(${
      json(tx, withCollections.map((p) => p.shopifyId))
    })::bigint)`;
    const links = withCollections.flatMap((p) =>
      p.collections!.map((c) => ({ product_id: p.shopifyId, collection_id: c.shopifyId }))
    );
    if (links.length) {
      await tx`
        insert into shop_product_collections (user_id, linked_account_id, product_id, collection_id)
        select ${scope.userId}, ${scope.accountId}, r.*
        from jsonb_to_recordset(${json(tx, links)}) as r(product_id bigint, collection_id bigint)
        on conflict do nothing`;
    }
  }
}

/**
 * The keyed hash under which an e-mail or phone is stored and looked up:
 * normalised first, so "Ann@Example.com " and "ann@example.com" match.
 */
export function contactHash(key: Uint8Array, kind: "email" | "phone", value: string): Uint8Array {
  const normalised = kind === "email" ? value.trim().toLowerCase() : value.replace(/[^\d+]/g, "");
  return hmac(SHA256, key, new TextEncoder().encode(`${kind}:${normalised}`));
}

export async function upsertCustomers(
  tx: Tx,
  scope: MirrorScope,
  customers: CustomerRecord[],
  lookupKey: Uint8Array,
): Promise<number> {
  // REST bodies may lack the order count: those customers keep the mirror's.
  return await writeCustomerRows(
    tx,
    scope,
    customers.filter((c) => c.numberOfOrders !== undefined),
    lookupKey,
    true,
  ) + await writeCustomerRows(
    tx,
    scope,
    customers.filter((c) => c.numberOfOrders === undefined),
    lookupKey,
    false,
  );
}

async function writeCustomerRows(
  tx: Tx,
  scope: MirrorScope,
  customers: CustomerRecord[],
  lookupKey: Uint8Array,
  counted: boolean,
): Promise<number> {
  if (customers.length === 0) return 0;
  const rows = customers.map((c) => ({
    shopify_id: c.shopifyId,
    email_hash: c.email ? encodeHexLowerCase(contactHash(lookupKey, "email", c.email)) : null,
    phone_hash: c.phone ? encodeHexLowerCase(contactHash(lookupKey, "phone", c.phone)) : null,
    number_of_orders: c.numberOfOrders ?? null,
    tags: c.tags,
    created_at: c.createdAt,
    shopify_updated_at: c.updatedAt,
  }));
  const written = await tx`
    insert into shop_customers as c (user_id, linked_account_id, shopify_id, email_hash,
      phone_hash, number_of_orders, tags, created_at, shopify_updated_at)
    select ${scope.userId}, ${scope.accountId}, r.shopify_id, decode(r.email_hash, 'hex'),
      decode(r.phone_hash, 'hex'), coalesce(r.number_of_orders, 0), r.tags, r.created_at,
      r.shopify_updated_at
    from jsonb_to_recordset(${json(tx, rows)}) as r(shopify_id bigint, email_hash text,
      phone_hash text, number_of_orders integer, tags text[], created_at timestamptz,
      shopify_updated_at timestamptz)
    on conflict (linked_account_id, shopify_id) do update set
      email_hash = excluded.email_hash, phone_hash = excluded.phone_hash,
      number_of_orders = ${counted ? tx`excluded.number_of_orders` : tx`c.number_of_orders`},
      tags = excluded.tags, created_at = excluded.created_at,
      shopify_updated_at = excluded.shopify_updated_at, synced_at = now()
    where c.shopify_updated_at <= excluded.shopify_updated_at`;
  return written.count;
}

/** Discount codes are few: each sync replaces the account's whole set. */
export async function replaceDiscountCodes(
  tx: Tx,
  scope: MirrorScope,
  codes: DiscountCodeRecord[],
): Promise<number> {
  await tx`delete from shop_discount_codes where linked_account_id = ${scope.accountId}`;
  if (codes.length === 0) return 0;
  const rows = codes.map((c) => ({
    discount_id: c.discountId,
    code: c.code,
    title: c.title,
    status: c.status,
    percentage: c.percentage,
    amount: c.amount,
    starts_at: c.startsAt,
    ends_at: c.endsAt,
    usage_count: c.usageCount,
  }));
  const inserted = await tx`
    insert into shop_discount_codes (user_id, linked_account_id, discount_id, code, title, status,
      percentage, amount, starts_at, ends_at, usage_count)
    select ${scope.userId}, ${scope.accountId}, r.*
    from jsonb_to_recordset(${json(tx, rows)}) as r(discount_id bigint, code text, title text,
      status text, percentage numeric, amount numeric, starts_at timestamptz, ends_at timestamptz,
      usage_count integer)
    on conflict do nothing`;
  return inserted.count;
}
