/**
 * Admin GraphQL objects (a page of the API, or a bulk operation's JSONL put
 * back together) as mirror records. Money is taken in the shop's currency.
 */
import {
  type Customer,
  type DiscountCodeNode,
  needsAgreements,
  type Order,
  type OrderLine,
  type OrderRefund,
  type Product,
  type SalesAgreement,
} from "../shopify/queries.ts";
import {
  type CustomerRecord,
  type DiscountCodeRecord,
  type LineChangeRecord,
  type OrderRecord,
  type ProductRecord,
  type RefundRecord,
  shopifyId,
} from "./records.ts";
import { dataFlags } from "./data_flags.ts";

/**
 * Cents of a decimal string, and back: sums of Shopify's amounts without float drift.
 */
const cents = (amount: string) => Math.round(Number(amount) * 100);
const amountOf = (cents: number) => (cents / 100).toFixed(2);
/** The magnitude of a signed amount: Shopify signs what a return takes back negative. */
const magnitude = (amount: string) => amountOf(Math.abs(cents(amount)));

/**
 * The product sales of an order's edits and exchanges. The placement and refunds are left out
 * (the order and its refunds carry them); a return counts here only when it is an exchange (it
 * sold something too), since a refunded return's units come with its refund.
 */
export function lineChangeRecords(agreements: SalesAgreement[]): LineChangeRecord[] {
  const records: LineChangeRecord[] = [];
  for (const agreement of agreements) {
    const products = agreement.sales.nodes.filter((s) => s.lineType === "PRODUCT" && s.lineItem);
    const kind = agreement.__typename === "OrderEditAgreement"
      ? "edit"
      : agreement.__typename === "ReturnAgreement" &&
          products.some((s) => s.actionType === "ORDER")
      ? "exchange"
      : null;
    if (!kind) continue;
    for (const sale of products) {
      if (sale.actionType !== "ORDER" && sale.actionType !== "RETURN") continue;
      const total = cents(sale.totalAmount.shopMoney.amount);
      const tax = cents(sale.totalTaxAmount.shopMoney.amount);
      records.push({
        agreementId: shopifyId(agreement.id),
        lineItemId: shopifyId(sale.lineItem!.id),
        kind,
        happenedAt: agreement.happenedAt,
        action: sale.actionType,
        quantity: Math.abs(sale.quantity ?? 0),
        amount: amountOf(Math.abs(total - tax)),
        discount: magnitude(sale.totalDiscountAmountBeforeTaxes.shopMoney.amount),
        tax: amountOf(Math.abs(tax)),
      });
    }
  }
  return records;
}

export function orderRecord(
  order: Order,
  lines: OrderLine[] = order.lineItems?.nodes ?? [],
): OrderRecord {
  const id = shopifyId(order.id);
  // Shopify's schema lets the subtotal, discounts and tax sets be null. Rather than stop the
  // sync on such an order, the first two are summed from its lines (as Shopify computes them),
  // only then, and a missing tax counts as none.
  const lineDiscounts = () =>
    lines.reduce((s, l) => s + cents(l.totalDiscountSet.shopMoney.amount), 0);
  const lineSubtotal = () =>
    lines.reduce((s, l) => s + cents(l.originalUnitPriceSet.shopMoney.amount) * l.quantity, 0) -
    lineDiscounts();
  const records = {
    lines: lines.map((line) => ({
      shopifyId: shopifyId(line.id),
      productId: line.product ? shopifyId(line.product.id) : null,
      variantId: line.variant ? shopifyId(line.variant.id) : null,
      title: line.title,
      sku: line.sku,
      quantity: line.quantity,
      unitPrice: line.originalUnitPriceSet.shopMoney.amount,
      totalDiscount: line.totalDiscountSet.shopMoney.amount,
      isGiftCard: line.isGiftCard ?? false,
    })),
    refunds: (order.refunds ?? []).map((refund: OrderRefund): RefundRecord => {
      const shippingLines = refund.refundShippingLines?.nodes;
      return {
        shopifyId: shopifyId(refund.id),
        orderId: id,
        // A refund without a time (nullable in Shopify's schema) is dated when the order last
        // changed, the latest it can have happened.
        createdAt: refund.createdAt ?? order.updatedAt,
        totalRefunded: refund.totalRefundedSet.shopMoney.amount,
        note: refund.note ?? null,
        lines: (refund.refundLineItems?.nodes ?? []).map((line) => ({
          lineItemId: shopifyId(line.lineItem.id),
          quantity: line.quantity,
          subtotal: line.subtotalSet.shopMoney.amount,
          tax: line.totalTaxSet?.shopMoney.amount ?? "0.00",
        })),
        shipping: shippingLines
          ? amountOf(
            shippingLines.reduce((s, l) => s + cents(l.subtotalAmountSet.shopMoney.amount), 0),
          )
          : null,
        shippingTax: amountOf(
          (shippingLines ?? []).reduce((s, l) => s + cents(l.taxAmountSet.shopMoney.amount), 0),
        ),
      };
    }),
  };
  const agreements = order.agreements?.nodes;
  // No agreements asked for an order that was never edited nor returned: it has no changes.
  const changes = agreements
    ? lineChangeRecords(agreements)
    : needsAgreements(order)
    ? undefined
    : [];
  const nullMoney = !order.subtotalPriceSet || !order.totalDiscountsSet || !order.totalTaxSet;
  return {
    shopifyId: id,
    name: order.name,
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
    cancelledAt: order.cancelledAt,
    test: order.test,
    sourceName: order.sourceName,
    currency: order.currencyCode,
    presentmentCurrency: order.presentmentCurrencyCode,
    customerId: order.customer ? shopifyId(order.customer.id) : null,
    discountCodes: order.discountCodes,
    subtotal: order.subtotalPriceSet?.shopMoney.amount ?? amountOf(lineSubtotal()),
    totalDiscounts: order.totalDiscountsSet?.shopMoney.amount ?? amountOf(lineDiscounts()),
    totalShipping: order.totalShippingPriceSet.shopMoney.amount,
    totalTax: order.totalTaxSet?.shopMoney.amount ?? "0.00",
    totalPrice: order.totalPriceSet.shopMoney.amount,
    totalRefunded: order.totalRefundedSet.shopMoney.amount,
    presentmentTotalPrice: order.totalPriceSet.presentmentMoney.amount,
    ...records,
    ...(changes ? { changes } : {}),
    flags: dataFlags(
      {
        currency: order.currencyCode,
        nullMoney,
        truncated: agreements?.some((a) => a.sales.pageInfo.hasNextPage),
      },
      records.lines,
      records.refunds,
    ),
  };
}

export function productRecord(product: Product): ProductRecord {
  return {
    shopifyId: shopifyId(product.id),
    title: product.title,
    handle: product.handle,
    descriptionHtml: product.descriptionHtml,
    productType: product.productType,
    vendor: product.vendor,
    tags: product.tags,
    status: product.status,
    seoTitle: product.seo.title,
    seoDescription: product.seo.description,
    imageCount: product.images?.nodes.length ?? 0,
    createdAt: product.createdAt,
    updatedAt: product.updatedAt,
    variants: (product.variants?.nodes ?? []).map((v) => ({
      shopifyId: shopifyId(v.id),
      title: v.title,
      sku: v.sku,
      price: v.price,
      compareAtPrice: v.compareAtPrice,
      unitCost: v.inventoryItem?.unitCost?.amount ?? null,
      inventoryQuantity: v.inventoryQuantity,
    })),
    collections: (product.collections?.nodes ?? []).map((c) => ({
      shopifyId: shopifyId(c.id),
      title: c.title,
      handle: c.handle,
    })),
  };
}

export function customerRecord(customer: Customer): CustomerRecord {
  return {
    shopifyId: shopifyId(customer.id),
    email: customer.email,
    phone: customer.phone,
    numberOfOrders: Number(customer.numberOfOrders),
    tags: customer.tags,
    createdAt: customer.createdAt,
    updatedAt: customer.updatedAt,
  };
}

/** One record per code; discounts of other kinds (automatic, apps) are skipped. */
export function discountCodeRecords(node: DiscountCodeNode): DiscountCodeRecord[] {
  const d = node.codeDiscount;
  if (d.__typename !== "DiscountCodeBasic") return [];
  return (d.codes?.nodes ?? []).map(({ code }) => ({
    discountId: shopifyId(node.id),
    code,
    title: d.title ?? code,
    status: d.status ?? "ACTIVE",
    percentage: d.customerGets?.value.percentage ?? null,
    amount: d.customerGets?.value.amount?.amount ?? null,
    startsAt: d.startsAt ?? null,
    endsAt: d.endsAt ?? null,
    usageCount: d.asyncUsageCount ?? 0,
  }));
}

type JsonObject = Record<string, unknown>;
const edgesToNodes = (value: unknown) =>
  value && typeof value === "object" && "edges" in value
    ? { nodes: (value as { edges: Array<{ node: unknown }> }).edges.map((e) => e.node) }
    : value;

/**
 * Puts a bulk result back together: each top-level object with the children
 * that follow it (`__parentId`), in the shape a paged query returns. Shopify
 * writes children after their parent, so a parent is complete when the next
 * top-level object starts. Children of a nested object (a refund's lines) find
 * their top-level object through the nested object's id.
 */
export async function* assembleBulk(
  objects: AsyncIterable<JsonObject>,
  childKey: (child: JsonObject) => string,
): AsyncGenerator<JsonObject> {
  let current: JsonObject | null = null;
  const owners = new Map<string, JsonObject>();
  const finish = (parent: JsonObject) => {
    for (const [key, value] of Object.entries(parent)) parent[key] = edgesToNodes(value);
    if (Array.isArray(parent.refunds)) {
      for (const refund of parent.refunds as JsonObject[]) {
        refund.refundLineItems = edgesToNodes(refund.refundLineItems) ?? { nodes: [] };
        // Asked for but none came: a refund that gave back no shipping.
        refund.refundShippingLines = edgesToNodes(refund.refundShippingLines) ?? { nodes: [] };
      }
    }
    return parent;
  };
  for await (const object of objects) {
    const parentId = object.__parentId as string | undefined;
    if (!parentId) {
      if (current) yield finish(current);
      current = object;
      owners.clear();
      owners.set(String(object.id), object);
      if (Array.isArray(object.refunds)) {
        for (const refund of object.refunds as JsonObject[]) owners.set(String(refund.id), refund);
      }
      continue;
    }
    const owner = owners.get(parentId);
    if (!owner) continue; // a child whose parent was not in the file: nothing to attach it to
    delete object.__parentId;
    const key = childKey(object);
    const list = owner[key] as { nodes?: unknown[] } | undefined;
    if (!list?.nodes) owner[key] = { nodes: [object] };
    else list.nodes.push(object);
  }
  if (current) yield finish(current);
}

/** Which connection a bulk child line belongs to, from its gid. */
export function bulkChildKey(child: JsonObject): string {
  const id = String(child.id ?? "");
  if (id.includes("/LineItem/")) return "lineItems";
  if (id.includes("/ProductVariant/")) return "variants";
  if (id.includes("/Collection/")) return "collections";
  if (id.includes("Image/")) return "images";
  if (id.includes("/RefundShippingLine/")) return "refundShippingLines";
  if ("lineItem" in child) return "refundLineItems";
  return "other";
}
