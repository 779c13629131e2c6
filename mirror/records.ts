/**
 * The mirror's own shape of Shopify objects, whichever way they arrived: bulk
 * JSONL, a page of the Admin GraphQL API, or a REST webhook body. Ids are
 * Shopify's numeric ids as strings (they exceed 32 bits; Postgres keeps them as
 * bigint), money is a decimal string in the shop's currency, times are ISO.
 *
 * A field that a source does not carry is `undefined`, and the upsert then keeps
 * what the mirror holds (REST product webhooks carry no SEO, unit cost or
 * collections, for example).
 */

/** Whose mirror: the tenant and the linked store every mirrored row belongs to. */
export interface MirrorScope {
  userId: string;
  accountId: string;
}

export interface OrderLineRecord {
  shopifyId: string;
  productId: string | null;
  variantId: string | null;
  title: string;
  sku: string | null;
  quantity: number;
  unitPrice: string;
  totalDiscount: string;
  isGiftCard: boolean;
}

export interface RefundRecord {
  shopifyId: string;
  orderId: string;
  createdAt: string;
  totalRefunded: string;
  note: string | null;
  /** Each refunded line: its subtotal after discounts and the tax given back with it. */
  lines: Array<{ lineItemId: string; quantity: number; subtotal: string; tax: string }>;
  /** Shipping refunded (before tax) and its tax; null when the source does not say. */
  shipping: string | null;
  shippingTax: string;
}

/**
 * One product sale of an order edit or an exchange (Shopify's sales agreements): units of a
 * line added (`ORDER`) or taken back (`RETURN`) on `happenedAt`. Amounts are positive: the
 * value after discounts and before taxes, the discount, the tax.
 */
export interface LineChangeRecord {
  agreementId: string;
  lineItemId: string;
  kind: "edit" | "exchange";
  happenedAt: string;
  action: "ORDER" | "RETURN";
  quantity: number;
  amount: string;
  discount: string;
  tax: string;
}

/**
 * What was odd about an order as Shopify sent it. The order is mirrored as sent all the same
 * (the sync never stops on it), and a figure it counts in says so in its provenance.
 */
export type DataFlag =
  | "null_money_set"
  | "unknown_currency"
  | "refund_exceeds_line"
  | "sales_truncated";

export interface OrderRecord {
  shopifyId: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  cancelledAt: string | null;
  test: boolean;
  sourceName: string | null;
  currency: string;
  presentmentCurrency: string;
  customerId: string | null;
  discountCodes: string[];
  subtotal: string;
  totalDiscounts: string;
  totalShipping: string;
  totalTax: string;
  totalPrice: string;
  totalRefunded: string;
  presentmentTotalPrice: string;
  lines: OrderLineRecord[];
  refunds: RefundRecord[];
  /** Edits and exchanges; undefined when the source does not carry them (the mirror's stay). */
  changes?: LineChangeRecord[];
  flags: DataFlag[];
}

export interface VariantRecord {
  shopifyId: string;
  title: string;
  sku: string | null;
  price: string;
  compareAtPrice: string | null;
  unitCost?: string | null;
  inventoryQuantity: number | null;
}

export interface ProductRecord {
  shopifyId: string;
  title: string;
  handle: string;
  descriptionHtml: string;
  productType: string;
  vendor: string;
  tags: string[];
  status: string;
  seoTitle?: string | null;
  seoDescription?: string | null;
  imageCount: number;
  createdAt: string;
  updatedAt: string;
  variants: VariantRecord[];
  collections?: Array<{ shopifyId: string; title: string; handle: string }>;
}

export interface CustomerRecord {
  shopifyId: string;
  /** Raw values: hashed before they are written, never stored. */
  email: string | null;
  phone: string | null;
  numberOfOrders?: number;
  tags: string[];
  createdAt: string;
  updatedAt: string;
}

export interface DiscountCodeRecord {
  discountId: string;
  code: string;
  title: string;
  status: string;
  /** A fraction (0.15 is 15%). */
  percentage: number | null;
  amount: string | null;
  startsAt: string | null;
  endsAt: string | null;
  usageCount: number;
}

/** `gid://shopify/Order/123` → `"123"`; numbers pass through as strings. */
export function shopifyId(value: string | number): string {
  if (typeof value === "number") return String(value);
  const match = /(\d+)$/.exec(value);
  if (!match) throw new Error(`not a Shopify id: ${value}`);
  return match[1]!;
}
