/**
 * Webhook bodies (Shopify's REST JSON) as mirror records, validated with zod:
 * a body we do not understand is refused whole rather than half-applied.
 * REST carries less than GraphQL: products come without SEO, unit cost or
 * collections, customers often without an order count; those stay `undefined`
 * so the upsert keeps the mirror's values.
 */
import { z } from "zod";
import { dataFlags } from "./data_flags.ts";
import type { CustomerRecord, OrderRecord, ProductRecord, RefundRecord } from "./records.ts";

const id = z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(String);
const decimal = z.union([z.string(), z.number()]).transform((v) => String(v));
const moneySet = z.object({
  shop_money: z.object({ amount: decimal, currency_code: z.string() }),
  presentment_money: z.object({ amount: decimal, currency_code: z.string() }),
});
const tags = z.string().nullish().transform((s) =>
  (s ?? "").split(",").map((t) => t.trim()).filter(Boolean)
);

const RestRefund = z.object({
  id,
  order_id: id,
  created_at: z.string(),
  note: z.string().nullish(),
  refund_line_items: z.array(z.object({
    line_item_id: id,
    quantity: z.number().int(),
    subtotal_set: moneySet.optional(),
    subtotal: decimal.optional(),
    total_tax_set: moneySet.optional(),
    total_tax: decimal.optional(),
  })).default([]),
  refund_shipping_lines: z.array(z.object({
    subtotal_amount_set: moneySet,
    tax_amount_set: moneySet.optional(),
  })).optional(),
  order_adjustments: z.array(z.object({
    kind: z.string(),
    amount: decimal,
    tax_amount: decimal.optional(),
  })).default([]),
  transactions: z.array(z.object({
    kind: z.string(),
    status: z.string(),
    amount: decimal,
  })).default([]),
});

const RestOrder = z.object({
  id,
  name: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  cancelled_at: z.string().nullish(),
  test: z.boolean().default(false),
  source_name: z.string().nullish(),
  currency: z.string(),
  presentment_currency: z.string().nullish(),
  customer: z.object({ id }).nullish(),
  discount_codes: z.array(z.object({ code: z.string() })).default([]),
  subtotal_price_set: moneySet,
  total_discounts_set: moneySet,
  total_shipping_price_set: moneySet,
  total_tax_set: moneySet,
  total_price_set: moneySet,
  line_items: z.array(z.object({
    id,
    title: z.string(),
    sku: z.string().nullish(),
    quantity: z.number().int(),
    product_id: id.nullish(),
    variant_id: id.nullish(),
    gift_card: z.boolean().default(false),
    price_set: moneySet,
    total_discount_set: moneySet,
  })),
  refunds: z.array(RestRefund).default([]),
});

const RestProduct = z.object({
  id,
  title: z.string(),
  handle: z.string(),
  body_html: z.string().nullish(),
  product_type: z.string().nullish(),
  vendor: z.string().nullish(),
  tags,
  status: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  images: z.array(z.object({ id })).default([]),
  variants: z.array(z.object({
    id,
    title: z.string(),
    sku: z.string().nullish(),
    price: decimal,
    compare_at_price: decimal.nullish(),
    inventory_quantity: z.number().int().nullish(),
  })),
});

const RestCustomer = z.object({
  id,
  email: z.string().nullish(),
  phone: z.string().nullish(),
  orders_count: z.number().int().optional(),
  tags,
  created_at: z.string(),
  updated_at: z.string(),
});

function refundRecord(refund: z.infer<typeof RestRefund>): RefundRecord {
  // The amount paid back: successful refund transactions.
  const total = refund.transactions
    .filter((t) => t.kind === "refund" && t.status === "success")
    .reduce((sum, t) => sum + Number(t.amount), 0);
  // Shipping given back: its refund shipping lines, or (older payloads) shipping adjustments,
  // which REST signs negative.
  const adjustments = refund.order_adjustments.filter((a) => a.kind === "shipping_refund");
  const shipping = refund.refund_shipping_lines
    ? refund.refund_shipping_lines.map((l) => ({
      amount: Number(l.subtotal_amount_set.shop_money.amount),
      tax: Number(l.tax_amount_set?.shop_money.amount ?? 0),
    }))
    : adjustments.map((a) => ({
      amount: Math.abs(Number(a.amount)),
      tax: Math.abs(Number(a.tax_amount ?? 0)),
    }));
  return {
    shopifyId: refund.id,
    orderId: refund.order_id,
    createdAt: refund.created_at,
    totalRefunded: total.toFixed(2),
    note: refund.note ?? null,
    lines: refund.refund_line_items.map((l) => ({
      lineItemId: l.line_item_id,
      quantity: l.quantity,
      subtotal: l.subtotal_set?.shop_money.amount ?? l.subtotal ?? "0",
      tax: l.total_tax_set?.shop_money.amount ?? l.total_tax ?? "0",
    })),
    shipping: shipping.reduce((s, l) => s + l.amount, 0).toFixed(2),
    shippingTax: shipping.reduce((s, l) => s + l.tax, 0).toFixed(2),
  };
}

export function orderFromWebhook(payload: unknown): OrderRecord {
  const o = RestOrder.parse(payload);
  const refunds = o.refunds.map(refundRecord);
  const lines = o.line_items.map((l) => ({
    shopifyId: l.id,
    productId: l.product_id ?? null,
    variantId: l.variant_id ?? null,
    title: l.title,
    sku: l.sku ?? null,
    quantity: l.quantity,
    unitPrice: l.price_set.shop_money.amount,
    totalDiscount: l.total_discount_set.shop_money.amount,
    isGiftCard: l.gift_card,
  }));
  // REST carries no sales agreements: `changes` stays undefined and the mirror keeps its own.
  return {
    shopifyId: o.id,
    name: o.name,
    createdAt: o.created_at,
    updatedAt: o.updated_at,
    cancelledAt: o.cancelled_at ?? null,
    test: o.test,
    sourceName: o.source_name ?? null,
    currency: o.currency,
    presentmentCurrency: o.presentment_currency ?? o.currency,
    customerId: o.customer?.id ?? null,
    discountCodes: o.discount_codes.map((d) => d.code),
    subtotal: o.subtotal_price_set.shop_money.amount,
    totalDiscounts: o.total_discounts_set.shop_money.amount,
    totalShipping: o.total_shipping_price_set.shop_money.amount,
    totalTax: o.total_tax_set.shop_money.amount,
    totalPrice: o.total_price_set.shop_money.amount,
    totalRefunded: refunds.reduce((sum, r) => sum + Number(r.totalRefunded), 0).toFixed(2),
    presentmentTotalPrice: o.total_price_set.presentment_money.amount,
    lines,
    refunds,
    flags: dataFlags({ currency: o.currency, nullMoney: false }, lines, refunds),
  };
}

export function refundFromWebhook(payload: unknown): RefundRecord {
  return refundRecord(RestRefund.parse(payload));
}

export function productFromWebhook(payload: unknown): ProductRecord {
  const p = RestProduct.parse(payload);
  return {
    shopifyId: p.id,
    title: p.title,
    handle: p.handle,
    descriptionHtml: p.body_html ?? "",
    productType: p.product_type ?? "",
    vendor: p.vendor ?? "",
    tags: p.tags,
    status: p.status.toUpperCase(),
    imageCount: p.images.length,
    createdAt: p.created_at,
    updatedAt: p.updated_at,
    variants: p.variants.map((v) => ({
      shopifyId: v.id,
      title: v.title,
      sku: v.sku ?? null,
      price: v.price,
      compareAtPrice: v.compare_at_price ?? null,
      inventoryQuantity: v.inventory_quantity ?? null,
    })),
  };
}

export function customerFromWebhook(payload: unknown): CustomerRecord {
  const c = RestCustomer.parse(payload);
  return {
    shopifyId: c.id,
    email: c.email ?? null,
    phone: c.phone ?? null,
    numberOfOrders: c.orders_count,
    tags: c.tags,
    createdAt: c.created_at,
    updatedAt: c.updated_at,
  };
}
