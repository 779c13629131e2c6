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
  billingAddress: { countryCodeV2: string | null } | null;
}

export interface OrderLine {
  id: string;
  title: string;
  sku: string | null;
  quantity: number;
  isGiftCard: boolean;
  product: { id: string } | null;
  variant: { id: string } | null;
  originalUnitPriceSet: MoneyBag;
  totalDiscountSet: MoneyBag;
}

export interface OrderRefund {
  id: string;
  /** Nullable in Shopify's schema. */
  createdAt: string | null;
  note: string | null;
  totalRefundedSet: MoneyBag;
  refundLineItems: {
    nodes: Array<
      { lineItem: { id: string }; quantity: number; subtotalSet: MoneyBag; totalTaxSet: MoneyBag }
    >;
  };
  /** Absent from bulk results that predate it; then the refund's shipping is not known. */
  refundShippingLines?: { nodes: Array<{ subtotalAmountSet: MoneyBag; taxAmountSet: MoneyBag }> };
}

/** One product sale of a sales agreement: units added (`ORDER`) or taken back (`RETURN`). */
export interface AgreementSale {
  actionType: string;
  lineType: string;
  quantity: number | null;
  totalAmount: { shopMoney: Money };
  totalDiscountAmountBeforeTaxes: { shopMoney: Money };
  totalTaxAmount: { shopMoney: Money };
  lineItem?: { id: string };
}

/** A sales agreement (Order.agreements): the placement, an edit, a refund or a return. */
export interface SalesAgreement {
  __typename: string;
  id: string;
  happenedAt: string;
  sales: { nodes: AgreementSale[]; pageInfo: { hasNextPage: boolean } };
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
  /** Shopify's schema allows these three to be null; the mirror then derives them. */
  subtotalPriceSet: MoneyBag | null;
  totalDiscountsSet: MoneyBag | null;
  totalShippingPriceSet: MoneyBag;
  totalTaxSet: MoneyBag | null;
  totalPriceSet: MoneyBag;
  totalRefundedSet: MoneyBag;
  /** `hasNextPage` when the order has more lines than one page holds. */
  lineItems: { nodes: OrderLine[]; pageInfo: { hasNextPage: boolean } };
  refunds: OrderRefund[];
  /** Edited after it was placed, or with a return (perhaps an exchange): see `agreements`. */
  edited?: boolean;
  returnStatus?: string;
  /** Fetched only for orders that `needsAgreements` (`withAgreements`). */
  agreements?: { nodes: SalesAgreement[] };
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
  collections: { nodes: Array<{ id: string; title: string; handle: string }> };
}

export interface Customer {
  id: string;
  email: string | null;
  phone: string | null;
  createdAt: string;
  updatedAt: string;
  numberOfOrders: string;
  tags: string[];
}

const MONEY = `shopMoney { amount currencyCode } presentmentMoney { amount currencyCode }`;

export const SHOP_QUERY =
  `{ shop { name email myshopifyDomain currencyCode ianaTimezone billingAddress { countryCodeV2 } } }`;

// Shopify refuses a query requesting more than 1,000 points. Per order: 1 + 6 money bags × 3
// + customer 1 + lineItems (2 + 10 × 9) + refunds (3 × (4 + lines 2 + 5 × 11 + shipping
// 2 + 2 × 7)), so a page of 3 orders requests 888
// points (the demo shop's actual cost, for the lines that exist, is about 100). An order with more than 10 lines
// says so in lineItems.pageInfo; the store mirror (issue #5) imports through bulk operations,
// which have no page sizes.
export const ORDERS_QUERY = `query($after: String, $query: String) {
  orders(first: 3, after: $after, query: $query) {
    nodes {
      id name createdAt updatedAt cancelledAt test sourceName currencyCode presentmentCurrencyCode discountCodes
      edited returnStatus
      customer { id }
      subtotalPriceSet { ${MONEY} } totalDiscountsSet { ${MONEY} } totalShippingPriceSet { ${MONEY} }
      totalTaxSet { ${MONEY} } totalPriceSet { ${MONEY} } totalRefundedSet { ${MONEY} }
      lineItems(first: 10) {
        nodes { id title sku quantity isGiftCard product { id } variant { id }
                originalUnitPriceSet { ${MONEY} } totalDiscountSet { ${MONEY} } }
        pageInfo { hasNextPage }
      }
      refunds(first: 3) {
        id createdAt note totalRefundedSet { ${MONEY} }
        refundLineItems(first: 5) { nodes { lineItem { id } quantity subtotalSet { ${MONEY} } totalTaxSet { ${MONEY} } } }
        refundShippingLines(first: 2) { nodes { subtotalAmountSet { ${MONEY} } taxAmountSet { ${MONEY} } } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const PRODUCTS_QUERY = `query($after: String, $query: String) {
  products(first: 15, after: $after, query: $query) {
    nodes {
      id title handle descriptionHtml productType vendor tags status createdAt updatedAt totalInventory
      seo { title description }
      images(first: 10) { nodes { id } }
      collections(first: 5) { nodes { id title handle } }
      variants(first: 10) { nodes { id title sku price compareAtPrice inventoryQuantity inventoryItem { unitCost { amount currencyCode } } } }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const CUSTOMERS_QUERY = `query($after: String, $query: String) {
  customers(first: 100, after: $after, query: $query) {
    nodes { id email phone createdAt updatedAt numberOfOrders tags }
    pageInfo { hasNextPage endCursor }
  }
}`;

const LINE_FIELDS = `id title sku quantity isGiftCard product { id } variant { id }
  originalUnitPriceSet { ${MONEY} } totalDiscountSet { ${MONEY} }`;

/** The lines after the first page, for the rare order with more than 10. */
export const ORDER_LINES_QUERY = `query($id: ID!, $after: String) {
  node(id: $id) { ... on Order { lineItems(first: 100, after: $after) {
    nodes { ${LINE_FIELDS} } pageInfo { hasNextPage endCursor } } } }
}`;

export interface DiscountCodeNode {
  id: string;
  codeDiscount: {
    __typename: string;
    title?: string;
    status?: string;
    startsAt?: string;
    endsAt?: string | null;
    asyncUsageCount?: number;
    codes?: { nodes: Array<{ code: string }> };
    customerGets?: { value: { percentage?: number; amount?: Money } };
  };
}

export const DISCOUNT_CODES_QUERY = `query($after: String) {
  codeDiscountNodes(first: 50, after: $after) {
    nodes { id codeDiscount { __typename ... on DiscountCodeBasic {
      title status startsAt endsAt asyncUsageCount codes(first: 10) { nodes { code } }
      customerGets { value { ... on DiscountPercentage { percentage }
                             ... on DiscountAmount { amount { amount currencyCode } } } } } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

// Bulk operations take no page sizes. Shopify allows five connections, nested two deep.
/** A bulk query over what a search selects: `{ orders(query: "…") { … } }`. */
function searched(query: string, search?: string): string {
  return search
    ? query.replace(/^\{ (\w+) \{/, (_, field) => `{ ${field}(query: ${JSON.stringify(search)}) {`)
    : query;
}
export const bulkOrdersQuery = (search?: string) => searched(BULK_ORDERS_QUERY, search);
export const bulkProductsQuery = (search?: string) => searched(BULK_PRODUCTS_QUERY, search);
export const bulkCustomersQuery = (search?: string) => searched(BULK_CUSTOMERS_QUERY, search);

/** How many objects a search selects (Shopify caps the count; `AT_LEAST` says so). */
export async function countOf(
  client: AdminClient,
  resource: "orders" | "products" | "customers",
  search: string,
): Promise<number> {
  const field = `${resource}Count`;
  const { data } = await client.request<Record<string, { count: number } | null>>(
    `query($q: String) { ${field}(query: $q) { count precision } }`,
    { q: search },
  );
  return data[field]?.count ?? 0;
}

export const BULK_ORDERS_QUERY = `{ orders { edges { node {
  id name createdAt updatedAt cancelledAt test sourceName currencyCode presentmentCurrencyCode discountCodes
  edited returnStatus
  customer { id }
  subtotalPriceSet { ${MONEY} } totalDiscountsSet { ${MONEY} } totalShippingPriceSet { ${MONEY} }
  totalTaxSet { ${MONEY} } totalPriceSet { ${MONEY} } totalRefundedSet { ${MONEY} }
  lineItems { edges { node { ${LINE_FIELDS} } } }
  refunds { id createdAt note totalRefundedSet { ${MONEY} }
    refundLineItems { edges { node { lineItem { id } quantity subtotalSet { ${MONEY} } totalTaxSet { ${MONEY} } } } }
    refundShippingLines { edges { node { id subtotalAmountSet { ${MONEY} } taxAmountSet { ${MONEY} } } } } }
} } } }`;

export const BULK_PRODUCTS_QUERY = `{ products { edges { node {
  id title handle descriptionHtml productType vendor tags status createdAt updatedAt
  seo { title description }
  variants { edges { node { id title sku price compareAtPrice inventoryQuantity
    inventoryItem { unitCost { amount currencyCode } } } } }
  images { edges { node { id } } }
  collections { edges { node { id title handle } } }
} } } }`;

export const BULK_CUSTOMERS_QUERY = `{ customers { edges { node {
  id email phone createdAt updatedAt numberOfOrders tags
} } } }`;

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

/** Every line of `order`: the first page it came with, then the rest. */
export async function allLinesOf(client: AdminClient, order: Order): Promise<OrderLine[]> {
  const lines = [...order.lineItems.nodes];
  if (!order.lineItems.pageInfo.hasNextPage) return lines;
  let after: string | null = null;
  // The first page was 10 lines; ask again from the start in pages of 100, skipping what we hold.
  const held = new Set(lines.map((l) => l.id));
  for (;;) {
    type Answer = { data: { node: { lineItems: Connection<OrderLine> } | null } };
    const answer: Answer = await client.request(ORDER_LINES_QUERY, { id: order.id, after });
    const page: Connection<OrderLine> | undefined = answer.data.node?.lineItems;
    if (!page) break;
    for (const line of page.nodes) if (!held.has(line.id)) lines.push(line);
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  return lines;
}

/**
 * The sales agreements of one order (Order.agreements): Shopify's record of each placement,
 * edit, refund and return with the day it happened. A bulk operation cannot reach them (sales
 * are a third level of connections), so the mirror asks for them per order, and only for the
 * few orders that were edited or had a return (`needsAgreements`).
 */
// Requested cost: 1 + agreements (2 + 4 × (1 + sales (2 + 10 × 8))) = 335 points, so three run
// side by side within a 1,000-point bucket; only shop money is asked for (presentment amounts
// are not used). An order with more agreements pages on; a sale beyond the tenth is flagged.
const SHOP_MONEY = `shopMoney { amount currencyCode }`;
export const ORDER_AGREEMENTS_QUERY = `query($id: ID!, $after: String) {
  node(id: $id) { ... on Order { agreements(first: 4, after: $after) {
    nodes { __typename id happenedAt
      sales(first: 10) {
        nodes { actionType lineType quantity
          totalAmount { ${SHOP_MONEY} } totalDiscountAmountBeforeTaxes { ${SHOP_MONEY} }
          totalTaxAmount { ${SHOP_MONEY} }
          ... on ProductSale { lineItem { id } } }
        pageInfo { hasNextPage } } }
    pageInfo { hasNextPage endCursor } } } }
}`;

/** Orders whose lines changed after they were placed: an edit, or a return (maybe an exchange). */
export function needsAgreements(order: Pick<Order, "edited" | "returnStatus">): boolean {
  return order.edited === true || (order.returnStatus ?? "NO_RETURN") !== "NO_RETURN";
}

/** Sets `agreements` on each order that `needsAgreements`, three orders at a time. */
export async function withAgreements(client: AdminClient, orders: Order[]): Promise<void> {
  const pending = orders.filter(needsAgreements);
  const fetchOne = async (order: Order) => {
    const nodes: SalesAgreement[] = [];
    let after: string | null = null;
    for (;;) {
      type Answer = { data: { node: { agreements: Connection<SalesAgreement> } | null } };
      const answer: Answer = await client.request(ORDER_AGREEMENTS_QUERY, { id: order.id, after });
      const page = answer.data.node?.agreements;
      if (!page) break;
      nodes.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    order.agreements = { nodes };
  };
  for (let i = 0; i < pending.length; i += 3) {
    await Promise.all(pending.slice(i, i + 3).map(fetchOne));
  }
}

export function allDiscountCodes(client: AdminClient): AsyncGenerator<DiscountCodeNode> {
  return client.paginate(
    DISCOUNT_CODES_QUERY,
    {},
    (d: { codeDiscountNodes: Connection<DiscountCodeNode> }) => d.codeDiscountNodes,
  );
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
