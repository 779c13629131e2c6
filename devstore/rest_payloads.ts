/**
 * Webhook bodies as Shopify sends them: the REST Admin API's JSON for the
 * object (numeric ids, snake_case, money as decimal strings with `_set`
 * variants for shop and presentment currencies, tags as one comma-separated
 * string). Only the fields a real payload has; the mirror must cope with what
 * REST does not carry (SEO, unit cost, collections), exactly as with Shopify.
 */
import type { DevCustomer, DevOrder, DevProduct, DevRefund, DevShop } from "./seed.ts";

const decimal = (n: number) => (Math.round(n * 100) / 100).toFixed(2);

function moneySet(amount: number, order: DevOrder) {
  return {
    shop_money: { amount: decimal(amount), currency_code: order.currency },
    presentment_money: {
      amount: decimal(amount / order.exchangeRate),
      currency_code: order.presentmentCurrency,
    },
  };
}

export function restRefund(order: DevOrder, refund: DevRefund) {
  const total = refund.shipping + refund.lines.reduce((s, l) => s + l.amount + l.tax, 0);
  return {
    id: refund.id,
    admin_graphql_api_id: `gid://shopify/Refund/${refund.id}`,
    order_id: order.id,
    created_at: refund.createdAt,
    processed_at: refund.createdAt,
    note: refund.note,
    restock: true,
    refund_line_items: refund.lines.map((l, i) => ({
      id: refund.id * 10 + i,
      line_item_id: l.lineItemId,
      quantity: l.quantity,
      restock_type: "return",
      subtotal: decimal(l.amount),
      subtotal_set: moneySet(l.amount, order),
      total_tax: decimal(l.tax),
      total_tax_set: moneySet(l.tax, order),
    })),
    refund_shipping_lines: refund.shipping
      ? [{
        id: refund.id * 10 + 9,
        subtotal_amount_set: moneySet(refund.shipping, order),
        tax_amount_set: moneySet(0, order),
      }]
      : [],
    order_adjustments: refund.shipping
      ? [{
        id: refund.id * 10 + 9,
        kind: "shipping_refund",
        amount: decimal(-refund.shipping),
        amount_set: moneySet(-refund.shipping, order),
      }]
      : [],
    transactions: [{
      id: refund.id * 10 + 8,
      kind: "refund",
      status: "success",
      amount: decimal(total),
      currency: order.currency,
    }],
  };
}

export function restOrder(shop: DevShop, order: DevOrder) {
  const subtotal = order.lineItems.reduce((s, l) => s + l.unitPrice * l.quantity - l.discount, 0);
  const discounts = order.lineItems.reduce((s, l) => s + l.discount, 0);
  const customer = order.customerId
    ? shop.customers.find((c) => c.id === order.customerId) ?? null
    : null;
  return {
    id: order.id,
    admin_graphql_api_id: `gid://shopify/Order/${order.id}`,
    name: order.name,
    email: order.email,
    created_at: order.createdAt,
    updated_at: order.updatedAt,
    processed_at: order.processedAt,
    cancelled_at: order.cancelledAt,
    cancel_reason: order.cancelReason,
    test: order.test,
    source_name: order.sourceName,
    currency: order.currency,
    presentment_currency: order.presentmentCurrency,
    note: order.note,
    discount_codes: order.discountCodes.map((code) => ({
      code,
      amount: decimal(discounts),
      type: "percentage",
    })),
    customer: customer ? restCustomer(customer) : null,
    subtotal_price: decimal(subtotal),
    subtotal_price_set: moneySet(subtotal, order),
    total_discounts: decimal(discounts),
    total_discounts_set: moneySet(discounts, order),
    total_shipping_price_set: moneySet(order.shipping, order),
    total_tax: decimal(order.tax),
    total_tax_set: moneySet(order.tax, order),
    total_price: decimal(subtotal + order.shipping + order.tax),
    total_price_set: moneySet(subtotal + order.shipping + order.tax, order),
    line_items: order.lineItems.map((l) => ({
      id: l.id,
      admin_graphql_api_id: `gid://shopify/LineItem/${l.id}`,
      title: l.title,
      sku: l.sku,
      quantity: l.quantity,
      product_id: l.productId,
      variant_id: l.variantId,
      gift_card: l.isGiftCard ?? false,
      price: decimal(l.unitPrice),
      price_set: moneySet(l.unitPrice, order),
      total_discount: decimal(l.discount),
      total_discount_set: moneySet(l.discount, order),
    })),
    shipping_lines: order.shipping
      ? [{
        title: "Standard",
        price: decimal(order.shipping),
        price_set: moneySet(order.shipping, order),
      }]
      : [],
    refunds: order.refunds.map((r) => restRefund(order, r)),
  };
}

export function restProduct(product: DevProduct) {
  return {
    id: product.id,
    admin_graphql_api_id: `gid://shopify/Product/${product.id}`,
    title: product.title,
    handle: product.handle,
    body_html: product.descriptionHtml,
    product_type: product.productType,
    vendor: product.vendor,
    tags: product.tags.join(", "),
    status: product.status.toLowerCase(),
    created_at: product.createdAt,
    updated_at: product.updatedAt,
    images: product.images.map((i) => ({ id: i.id, src: i.url, alt: i.altText })),
    variants: product.variants.map((v) => ({
      id: v.id,
      admin_graphql_api_id: `gid://shopify/ProductVariant/${v.id}`,
      product_id: product.id,
      title: v.title,
      sku: v.sku,
      price: decimal(v.price),
      compare_at_price: v.compareAtPrice === null ? null : decimal(v.compareAtPrice),
      inventory_quantity: v.inventoryQuantity,
      inventory_item_id: v.id + 1,
    })),
  };
}

export function restCustomer(customer: DevCustomer) {
  return {
    id: customer.id,
    admin_graphql_api_id: `gid://shopify/Customer/${customer.id}`,
    email: customer.email,
    phone: customer.phone,
    first_name: customer.firstName,
    last_name: customer.lastName,
    created_at: customer.createdAt,
    updated_at: customer.updatedAt,
    tags: customer.tags.join(", "),
    state: "enabled",
  };
}
