/**
 * A small shop in New York time with hand-computable figures and the edge
 * cases merchants notice (see tests/metrics_test.ts for the values).
 */
import type { Tx } from "../../db/database.ts";
import { type KpiScope, kpiScope } from "../../metrics/scope.ts";
import type { OrderRecord } from "../../mirror/records.ts";
import { loadSyncState, markSynced } from "../../mirror/sync_state.ts";
import { upsertOrders } from "../../mirror/upsert_orders.ts";
import { upsertProducts } from "../../mirror/upsert_products.ts";
import { createUser, type TestDatabase } from "./test_db.ts";

export const P1 = "101"; // Trail Runner, in the Footwear collection, 10 on hand
export const P2 = "102"; // Sun Hat, 20 on hand
export const P3 = "103"; // Gift card product

export function fixtureOrder(
  id: string,
  createdAt: string,
  lines: Array<
    [product: string, qty: number, price: number, discount?: number, giftCard?: boolean]
  >,
  extra: Partial<OrderRecord> = {},
): OrderRecord {
  const subtotal = lines.reduce((s, [, q, p, d = 0]) => s + q * p - d, 0);
  return {
    shopifyId: id,
    name: `#${id}`,
    createdAt,
    updatedAt: createdAt,
    cancelledAt: null,
    test: false,
    sourceName: "web",
    currency: "USD",
    presentmentCurrency: "USD",
    customerId: null,
    discountCodes: [],
    subtotal: subtotal.toFixed(2),
    totalDiscounts: lines.reduce((s, [, , , d = 0]) => s + d, 0).toFixed(2),
    totalShipping: "0.00",
    totalTax: "0.00",
    totalPrice: subtotal.toFixed(2),
    totalRefunded: "0.00",
    presentmentTotalPrice: subtotal.toFixed(2),
    lines: lines.map(([product, quantity, price, discount = 0, giftCard = false], i) => ({
      shopifyId: `${id}${i}`,
      productId: product,
      variantId: `${product}1`,
      title: product,
      sku: null,
      quantity,
      unitPrice: price.toFixed(2),
      totalDiscount: discount.toFixed(2),
      isGiftCard: giftCard,
    })),
    refunds: [],
    flags: [],
    ...extra,
  };
}

export const ORDERS: OrderRecord[] = [
  // C3's first order, in February.
  fixtureOrder("900", "2026-02-10T15:00:00Z", [[P2, 1, 30]], { customerId: "3" }),
  // Sat 7 March, New York (UTC-5): two pairs with 10 off (code spring10), and a gift card that is
  // not a sale.
  fixtureOrder("901", "2026-03-07T15:00:00Z", [[P1, 2, 50, 10], [P3, 1, 25, 0, true]], {
    customerId: "1",
    discountCodes: ["spring10"],
    totalShipping: "5.00",
    totalTax: "7.00",
  }),
  // 23:30 on 7 March in New York, already 8 March in UTC.
  fixtureOrder("902", "2026-03-08T04:30:00Z", [[P2, 1, 30]], { customerId: "2", totalTax: "2.00" }),
  // 8 March after clocks went forward (UTC-4); refunded in April, with 5.00 of shipping.
  fixtureOrder("903", "2026-03-08T15:00:00Z", [[P1, 1, 50]], {
    customerId: "1",
    totalTax: "3.50",
    totalRefunded: "55.00",
    refunds: [{
      shopifyId: "9031",
      orderId: "903",
      createdAt: "2026-04-02T14:00:00Z",
      totalRefunded: "55.00",
      note: null,
      lines: [{ lineItemId: "9030", quantity: 1, subtotal: "50.00", tax: "0.00" }],
      // Mirrored before refunds recorded their shipping: it is what the refund paid beyond
      // its lines and their taxes.
      shipping: null,
      shippingTax: "0.00",
    }],
  }),
  // Cancelled and test orders are not sales.
  fixtureOrder("904", "2026-03-08T16:00:00Z", [[P1, 3, 50]], {
    cancelledAt: "2026-03-08T17:00:00Z",
  }),
  fixtureOrder("905", "2026-03-08T16:30:00Z", [[P1, 5, 50]], { test: true }),
  // Presented in CAD: the shop's USD amounts count.
  fixtureOrder("906", "2026-03-08T16:00:00Z", [[P2, 1, 40]], {
    presentmentCurrency: "CAD",
    presentmentTotalPrice: "54.79",
    totalTax: "3.00",
  }),
  // 23:30 on 8 March in New York (UTC-4), 9 March in UTC; 6 off with two codes; a returning customer.
  fixtureOrder("907", "2026-03-09T03:30:00Z", [[P2, 2, 30, 6]], {
    customerId: "3",
    totalTax: "4.00",
    discountCodes: ["SPRING10", "VIP"],
  }),
  // Outside the range.
  fixtureOrder("908", "2026-03-10T15:00:00Z", [[P1, 1, 50]], { customerId: "2" }),
];

/** A product with one variant; `unitCost` null for one whose cost is not set in Shopify. */
export const fixtureProduct = (
  id: string,
  title: string,
  onHand: number,
  collection?: boolean,
  unitCost: string | null = "20.00",
) => ({
  shopifyId: id,
  title,
  handle: title.toLowerCase(),
  descriptionHtml: "",
  productType: "",
  vendor: "",
  tags: [],
  status: "ACTIVE",
  seoTitle: null,
  seoDescription: null,
  imageCount: 1,
  createdAt: "2025-01-01T00:00:00Z",
  updatedAt: "2025-01-01T00:00:00Z",
  variants: [{
    shopifyId: `${id}1`,
    title: "Default Title",
    sku: null,
    price: "1.00",
    compareAtPrice: null,
    unitCost,
    inventoryQuantity: onHand,
  }],
  collections: collection ? [{ shopifyId: "500", title: "Footwear", handle: "footwear" }] : [],
});

export async function fixtureShop(t: TestDatabase): Promise<{ scope: KpiScope; userId: string }> {
  const userId = await createUser(t.db);
  return await t.db.withTenant(userId, async (tx: Tx) => {
    const [account] = await tx`
      insert into linked_accounts (user_id, provider, account_identifier, encrypted_access_token)
      values (${userId}, 'shopify', 'fixture.myshopify.com', '\\x01') returning id`;
    const mirror = { userId, accountId: account!.id as string };
    await loadSyncState(tx, mirror);
    await tx`update store_sync_state set shop_timezone = 'America/New_York'
             where linked_account_id = ${mirror.accountId}`;
    await markSynced(tx, mirror);
    await upsertProducts(tx, mirror, [
      fixtureProduct(P1, "Trail Runner", 10, true),
      fixtureProduct(P2, "Sun Hat", 20),
      fixtureProduct(P3, "Gift Card", 0),
    ]);
    await upsertOrders(tx, mirror, ORDERS);
    return { scope: (await kpiScope(tx, userId, mirror.accountId))!, userId };
  });
}
