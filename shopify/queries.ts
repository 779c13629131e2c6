/**
 * The Admin API reads the agents need, typed: the shop, orders (with line
 * items, refunds and discount codes) for a date range, products with variants
 * and inventory, and customers. Page sizes keep each page well under
 * Shopify's single-query limit of 1,000 points (orders 621, products 743,
 * customers 103 requested), so a page never waits for a full bucket.
 *
 * @example
 * ```ts
 * for await (const order of ordersBetween(client, { from: "2026-11-01", to: "2026-11-22" })) { … }
 * ```
 */
import type { AdminClient, Connection } from "./admin_client.ts";

export interface Money {
  amount: string;
  currencyCode: string;
}

export interface MoneyBag {
  shopMoney: Money;
  presentmentMoney: Money;
}

export interface ShopInfo {
  name: string;
  email: string;
  myshopifyDomain: string;
  currencyCode: string;
  ianaTimezone: string;
}

export interface OrderLine {
  id: string;
  title: string;
  sku: string | null;
  quantity: number;
  product: { id: string } | null;
  variant: { id: string } | null;
  originalUnitPriceSet: MoneyBag;
  totalDiscountSet: MoneyBag;
}

export interface OrderRefund {
  id: string;
  createdAt: string;
  totalRefundedSet: MoneyBag;
  refundLineItems: {
    nodes: Array<{ lineItem: { id: string }; quantity: number; subtotalSet: MoneyBag }>;
  };
}

export interface Order {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  cancelledAt: string | null;
  test: boolean;
  sourceName: string | null;
  currencyCode: string;
  presentmentCurrencyCode: string;
  discountCodes: string[];
  customer: { id: string } | null;
  subtotalPriceSet: MoneyBag;
  totalDiscountsSet: MoneyBag;
  totalShippingPriceSet: MoneyBag;
  totalTaxSet: MoneyBag;
  totalPriceSet: MoneyBag;
  totalRefundedSet: MoneyBag;
  /** `hasNextPage` when the order has more lines than one page holds. */
  lineItems: { nodes: OrderLine[]; pageInfo: { hasNextPage: boolean } };
  refunds: OrderRefund[];
}

export interface Variant {
  id: string;
  title: string;
  sku: string | null;
  price: string;
  compareAtPrice: string | null;
  inventoryQuantity: number | null;
  inventoryItem: { unitCost: Money | null };
}

export interface Product {
  id: string;
  title: string;
  handle: string;
  descriptionHtml: string;
  productType: string;
  vendor: string;
  tags: string[];
  status: string;
  createdAt: string;
  updatedAt: string;
  totalInventory: number;
  seo: { title: string | null; description: string | null };
  images: { nodes: Array<{ id: string }> };
  variants: { nodes: Variant[] };
}

export interface Customer {
  id: string;
  createdAt: string;
  updatedAt: string;
  numberOfOrders: string;
  tags: string[];
}

const MONEY = `shopMoney { amount currencyCode } presentmentMoney { amount currencyCode }`;

export const SHOP_QUERY = `{ shop { name email myshopifyDomain currencyCode ianaTimezone } }`;

// Shopify refuses a query requesting more than 1,000 points. Per order: 1 + 6 money bags × 3
// + customer 1 + lineItems (2 + 10 × 9) + refunds (3 × 31), so a page of 3 orders requests 621
// points (the demo shop's actual cost, for the lines that exist, is about 100). An order with more than 10 lines
// says so in lineItems.pageInfo; the store mirror (issue #5) imports through bulk operations,
// which have no page sizes.
export const ORDERS_QUERY = `query($after: String, $query: String) {
  orders(first: 3, after: $after, query: $query) {
    nodes {
      id name createdAt updatedAt cancelledAt test sourceName currencyCode presentmentCurrencyCode discountCodes
      customer { id }
      subtotalPriceSet { ${MONEY} } totalDiscountsSet { ${MONEY} } totalShippingPriceSet { ${MONEY} }
      totalTaxSet { ${MONEY} } totalPriceSet { ${MONEY} } totalRefundedSet { ${MONEY} }
      lineItems(first: 10) {
        nodes { id title sku quantity product { id } variant { id }
                originalUnitPriceSet { ${MONEY} } totalDiscountSet { ${MONEY} } }
        pageInfo { hasNextPage }
      }
      refunds(first: 3) {
        id createdAt totalRefundedSet { ${MONEY} }
        refundLineItems(first: 5) { nodes { lineItem { id } quantity subtotalSet { ${MONEY} } } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const PRODUCTS_QUERY = `query($after: String, $query: String) {
  products(first: 20, after: $after, query: $query) {
    nodes {
      id title handle descriptionHtml productType vendor tags status createdAt updatedAt totalInventory
      seo { title description }
      images(first: 1) { nodes { id } }
      variants(first: 10) { nodes { id title sku price compareAtPrice inventoryQuantity inventoryItem { unitCost { amount currencyCode } } } }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const CUSTOMERS_QUERY = `query($after: String, $query: String) {
  customers(first: 100, after: $after, query: $query) {
    nodes { id createdAt updatedAt numberOfOrders tags }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** Shopify search syntax for `field` within [from, to) (ISO dates or timestamps). */
export function dateRange(
  field: "created_at" | "updated_at",
  range: { from?: string; to?: string },
): string {
  const terms: string[] = [];
  if (range.from) terms.push(`${field}:>='${range.from}'`);
  if (range.to) terms.push(`${field}:<'${range.to}'`);
  return terms.join(" AND ");
}

export async function fetchShop(client: AdminClient): Promise<ShopInfo> {
  return (await client.request<{ shop: ShopInfo }>(SHOP_QUERY)).data.shop;
}

export function ordersBetween(
  client: AdminClient,
  range: { from?: string; to?: string; field?: "created_at" | "updated_at" },
): AsyncGenerator<Order> {
  return client.paginate(
    ORDERS_QUERY,
    { query: dateRange(range.field ?? "created_at", range) },
    (d: { orders: Connection<Order> }) => d.orders,
  );
}

export function allProducts(
  client: AdminClient,
  range: { updatedSince?: string } = {},
): AsyncGenerator<Product> {
  return client.paginate(
    PRODUCTS_QUERY,
    { query: dateRange("updated_at", { from: range.updatedSince }) },
    (d: { products: Connection<Product> }) => d.products,
  );
}

export function allCustomers(
  client: AdminClient,
  range: { updatedSince?: string } = {},
): AsyncGenerator<Customer> {
  return client.paginate(
    CUSTOMERS_QUERY,
    { query: dateRange("updated_at", { from: range.updatedSince }) },
    (d: { customers: Connection<Customer> }) => d.customers,
  );
}
