/**
 * The dev store's resolvers of Shopify's object types (orders and their lines
 * and refunds, products, variants, customers, discounts, subscriptions), over
 * the in-memory shop. Money is computed from the seed's lines the way Shopify
 * reports it; `Query` and `Mutation` live in admin_api.ts and
 * action_mutations.ts.
 */
import { refundableQuantity, saleTransactionId } from "./action_mutations.ts";
import { connection, type Context, decimal, gid, money } from "./admin_helpers.ts";
import type { DevWebhookSubscription } from "./changes.ts";
import { type DevAgreement, type DevSale, salesAgreements } from "./sales_agreements.ts";
import type {
  DevCustomer,
  DevDiscount,
  DevLineItem,
  DevOrder,
  DevProduct,
  DevShop,
  DevVariant,
} from "./seed.ts";

/** Indexes of the shop and the sums Shopify derives from an order's lines. */
export function storeLookups(shop: DevShop) {
  const products = new Map(shop.products.map((p) => [p.id, p]));
  const variants = new Map(shop.products.flatMap((p) => p.variants.map((v) => [v.id, v] as const)));
  const customers = new Map(shop.customers.map((c) => [c.id, c]));
  const collections = new Map(shop.collections.map((c) => [c.id, c]));
  // Recounted when orders are added (tests place orders through DevStore.changes).
  let counted = -1;
  const ordersPerCustomer = new Map<number, number>();
  const orderCount = (customerId: number) => {
    if (counted !== shop.orders.length) {
      ordersPerCustomer.clear();
      for (const o of shop.orders) {
        if (o.customerId) {
          ordersPerCustomer.set(o.customerId, (ordersPerCustomer.get(o.customerId) ?? 0) + 1);
        }
      }
      counted = shop.orders.length;
    }
    return ordersPerCustomer.get(customerId) ?? 0;
  };
  const codeUses = (code: string) =>
    shop.orders.filter((o) => o.discountCodes.includes(code)).length;

  const subtotal = (o: DevOrder) =>
    o.lineItems.reduce((s, l) => s + l.unitPrice * l.quantity - l.discount, 0);
  const discounts = (o: DevOrder) => o.lineItems.reduce((s, l) => s + l.discount, 0);
  const refunded = (o: DevOrder) =>
    o.refunds.reduce(
      (s, r) => s + r.shipping + r.lines.reduce((t, l) => t + l.amount + l.tax, 0),
      0,
    );

  return {
    products,
    variants,
    customers,
    collections,
    orderCount,
    codeUses,
    subtotal,
    discounts,
    refunded,
  };
}

export type StoreLookups = ReturnType<typeof storeLookups>;

export function objectResolvers(shop: DevShop, lookups: StoreLookups) {
  const { products, variants, customers, collections, orderCount, codeUses } = lookups;
  const { subtotal, discounts, refunded } = lookups;
  return {
    BulkOperation: {
      __isTypeOf: (value: { id?: string }) => String(value.id ?? "").includes("BulkOperation"),
    },
    DiscountCode: { __resolveType: () => "DiscountCodeBasic" },
    DiscountCustomerGetsValue: {
      __resolveType: (value: { percentage?: number }) =>
        value.percentage === undefined ? "DiscountAmount" : "DiscountPercentage",
    },
    DiscountCodeNode: {
      id: (d: DevDiscount) => gid("DiscountCodeNode", d.id),
      codeDiscount: (d: DevDiscount) => d,
    },
    DiscountCodeBasic: {
      title: (d: DevDiscount) => d.title ?? d.code,
      status: (d: DevDiscount, _: unknown, ctx: Context) =>
        Date.parse(d.startsAt) > ctx.now
          ? "SCHEDULED"
          : d.endsAt && Date.parse(d.endsAt) <= ctx.now
          ? "EXPIRED"
          : "ACTIVE",
      asyncUsageCount: (d: DevDiscount) => codeUses(d.code),
      codes: (d: DevDiscount, args: { first?: number; after?: string }, ctx: Context) =>
        connection(
          [{
            id: gid("DiscountRedeemCode", d.id + 1),
            code: d.code,
            asyncUsageCount: codeUses(d.code),
          }],
          args,
          ctx.bulk,
        ),
      customerGets: (d: DevDiscount) => ({ value: { percentage: d.percentage / 100 } }),
    },
    WebhookSubscription: {
      id: (w: DevWebhookSubscription) => gid("WebhookSubscription", w.id),
    },
    Order: {
      id: (o: DevOrder) => gid("Order", o.id),
      currencyCode: (o: DevOrder) => o.currency,
      presentmentCurrencyCode: (o: DevOrder) => o.presentmentCurrency,
      // The seed keeps REST's lowercase reason ("customer"); GraphQL's enum is upper case.
      cancelReason: (o: DevOrder) => o.cancelReason?.toUpperCase() ?? null,
      customer: (o: DevOrder) => (o.customerId ? customers.get(o.customerId) ?? null : null),
      subtotalPriceSet: (o: DevOrder) => money(subtotal(o), o),
      totalDiscountsSet: (o: DevOrder) => money(discounts(o), o),
      totalShippingPriceSet: (o: DevOrder) => money(o.shipping, o),
      totalTaxSet: (o: DevOrder) => money(o.tax, o),
      totalPriceSet: (o: DevOrder) => money(subtotal(o) + o.shipping + o.tax, o),
      totalRefundedSet: (o: DevOrder) => money(refunded(o), o),
      lineItems: (o: DevOrder, args: { first?: number; after?: string }, ctx: Context) =>
        connection(o.lineItems.map((line) => ({ line, order: o })), args, ctx.bulk),
      transactions: (o: DevOrder) => [{
        id: gid("OrderTransaction", saleTransactionId(o)),
        kind: "SALE",
        status: "SUCCESS",
        gateway: o.test ? "bogus" : "shopify_payments",
        amountSet: money(subtotal(o) + o.shipping + o.tax, o),
        createdAt: o.processedAt,
      }],
      refunds: (o: DevOrder, args: { first?: number }) =>
        o.refunds.slice(0, args.first ?? o.refunds.length).map((refund) => ({ refund, order: o })),
      edited: (o: DevOrder) => o.changes.some((c) => c.kind === "edit"),
      returnStatus: (o: DevOrder) =>
        o.changes.some((c) => c.kind === "exchange") ? "RETURNED" : "NO_RETURN",
      agreements: (o: DevOrder, args: { first?: number; after?: string }, ctx: Context) =>
        connection(
          salesAgreements(o).map((agreement) => ({ agreement, order: o })),
          args,
          ctx.bulk,
        ),
    },
    SalesAgreement: {
      __resolveType: ({ agreement }: { agreement: DevAgreement }) => agreement.__typename,
    },
    ...Object.fromEntries(
      ["OrderAgreement", "OrderEditAgreement", "RefundAgreement", "ReturnAgreement"].map((
        name,
      ) => [name, {
        id: ({ agreement }: { agreement: DevAgreement }) => gid("SalesAgreement", agreement.id),
        happenedAt: ({ agreement }: { agreement: DevAgreement }) => agreement.happenedAt,
        sales: (
          { agreement, order }: { agreement: DevAgreement; order: DevOrder },
          args: { first?: number; after?: string },
          ctx: Context,
        ) => connection(agreement.sales.map((sale) => ({ sale, order })), args, ctx.bulk),
      }]),
    ),
    Sale: { __resolveType: () => "ProductSale" },
    ProductSale: {
      id: ({ sale }: { sale: DevSale }) => gid("Sale", sale.id),
      actionType: ({ sale }: { sale: DevSale }) => sale.actionType,
      lineType: () => "PRODUCT",
      quantity: ({ sale }: { sale: DevSale }) => sale.quantity,
      totalAmount: ({ sale, order }: { sale: DevSale; order: DevOrder }) =>
        money(sale.amount + sale.tax, order),
      totalDiscountAmountBeforeTaxes: ({ sale, order }: { sale: DevSale; order: DevOrder }) =>
        money(sale.discount, order),
      totalTaxAmount: ({ sale, order }: { sale: DevSale; order: DevOrder }) =>
        money(sale.tax, order),
      lineItem: ({ sale, order }: { sale: DevSale; order: DevOrder }) => ({
        line: sale.line,
        order,
      }),
    },
    LineItem: {
      id: ({ line }: { line: DevLineItem }) => gid("LineItem", line.id),
      title: ({ line }: { line: DevLineItem }) => line.title,
      sku: ({ line }: { line: DevLineItem }) => line.sku,
      quantity: ({ line }: { line: DevLineItem }) => line.quantity,
      isGiftCard: ({ line }: { line: DevLineItem }) => line.isGiftCard ?? false,
      product: ({ line }: { line: DevLineItem }) => products.get(line.productId) ?? null,
      variant: ({ line }: { line: DevLineItem }) => variants.get(line.variantId) ?? null,
      originalUnitPriceSet: ({ line, order }: { line: DevLineItem; order: DevOrder }) =>
        money(line.unitPrice, order),
      totalDiscountSet: ({ line, order }: { line: DevLineItem; order: DevOrder }) =>
        money(line.discount, order),
      discountedUnitPriceAfterAllDiscountsSet: (
        { line, order }: { line: DevLineItem; order: DevOrder },
      ) => money((line.unitPrice * line.quantity - line.discount) / line.quantity, order),
      refundableQuantity: ({ line, order }: { line: DevLineItem; order: DevOrder }) =>
        refundableQuantity(order, line.id),
    },
    Refund: {
      id: ({ refund }: { refund: DevOrder["refunds"][number] }) => gid("Refund", refund.id),
      createdAt: ({ refund }: { refund: DevOrder["refunds"][number] }) => refund.createdAt,
      note: ({ refund }: { refund: DevOrder["refunds"][number] }) => refund.note,
      totalRefundedSet: (
        { refund, order }: { refund: DevOrder["refunds"][number]; order: DevOrder },
      ) => money(refund.shipping + refund.lines.reduce((s, l) => s + l.amount + l.tax, 0), order),
      refundLineItems: (
        { refund, order }: { refund: DevOrder["refunds"][number]; order: DevOrder },
        args: { first?: number; after?: string },
        ctx: Context,
      ) =>
        connection(
          refund.lines.map((l) => ({
            lineItem: { line: order.lineItems.find((line) => line.id === l.lineItemId)!, order },
            quantity: l.quantity,
            subtotalSet: money(l.amount, order),
            totalTaxSet: money(l.tax, order),
          })),
          args,
          ctx.bulk,
        ),
      // Shipping given back: one line for the order's one shipping line (not taxed here).
      refundShippingLines: (
        { refund, order }: { refund: DevOrder["refunds"][number]; order: DevOrder },
        args: { first?: number; after?: string },
        ctx: Context,
      ) =>
        connection(
          refund.shipping
            ? [{
              id: gid("RefundShippingLine", refund.id * 10 + 9),
              subtotalAmountSet: money(refund.shipping, order),
              taxAmountSet: money(0, order),
            }]
            : [],
          args,
          ctx.bulk,
        ),
    },
    Product: {
      id: (p: DevProduct) => gid("Product", p.id),
      totalInventory: (p: DevProduct) => p.variants.reduce((s, v) => s + v.inventoryQuantity, 0),
      images: (p: DevProduct, args: { first?: number; after?: string }, ctx: Context) =>
        connection(p.images.map((i) => ({ ...i, id: gid("ProductImage", i.id) })), args, ctx.bulk),
      variants: (p: DevProduct, args: { first?: number; after?: string }, ctx: Context) =>
        connection(p.variants, args, ctx.bulk),
      collections: (p: DevProduct, args: { first?: number; after?: string }, ctx: Context) =>
        connection(p.collectionIds.map((id) => collections.get(id)!), args, ctx.bulk),
    },
    ProductVariant: {
      id: (v: DevVariant) => gid("ProductVariant", v.id),
      price: (v: DevVariant) => decimal(v.price),
      compareAtPrice: (
        v: DevVariant,
      ) => (v.compareAtPrice === null ? null : decimal(v.compareAtPrice)),
      inventoryItem: (v: DevVariant) => ({
        unitCost: { amount: decimal(v.unitCost), currencyCode: shop.currency },
      }),
      product: (v: DevVariant) => products.get(v.productId),
    },
    Collection: { id: (c: { id: number }) => gid("Collection", c.id) },
    Customer: {
      id: (c: DevCustomer) => gid("Customer", c.id),
      numberOfOrders: (c: DevCustomer) => String(orderCount(c.id)),
    },
  };
}
