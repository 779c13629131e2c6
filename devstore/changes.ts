/**
 * Changes to the dev store's data, as a merchant or customer would make them
 * in Shopify: each bumps the object's `updatedAt` and delivers the topic's
 * webhook to every subscription the app registered, signed like Shopify's.
 * Tests use these to see the mirror follow the store.
 */
import { restCustomer, restOrder, restProduct, restRefund } from "./rest_payloads.ts";
import type { DevCustomer, DevOrder, DevProduct, DevRefund, DevShop } from "./seed.ts";

/** An object an Admin API mutation changed. */
/** An app's webhook subscription on the dev store. */
export interface DevWebhookSubscription {
  id: number;
  topic: string;
  uri: string;
  format: string;
  createdAt: string;
  updatedAt: string;
}

export type MutationChange =
  | { refund: DevRefund; order: DevOrder }
  | { product: DevProduct };

export type SendWebhook = (url: string, topic: string, payload: unknown) => Promise<Response>;

export interface StoreChanges {
  updateOrder(id: number, change: (order: DevOrder) => void): Promise<DevOrder>;
  /** Refunds `quantity` of one line; delivers refunds/create and orders/updated. */
  refundLine(orderId: number, lineItemId: number, quantity: number): Promise<DevOrder>;
  /** Places a new order of one variant; delivers orders/create. */
  placeOrder(
    input: { variantId: number; quantity: number; customerId?: number },
  ): Promise<DevOrder>;
  updateProduct(id: number, change: (product: DevProduct) => void): Promise<DevProduct>;
  updateCustomer(id: number, change: (customer: DevCustomer) => void): Promise<DevCustomer>;
  /**
   * Delivers the webhooks Shopify sends after an app's own mutation changed an
   * object (refunds/create and orders/updated; products/update).
   */
  afterMutation(change: MutationChange): Promise<void>;
  /** Webhook deliveries made so far, for tests that replay them out of order. */
  delivered: Array<{ topic: string; payload: unknown; status: number }>;
}

const TOPIC_ENUM: Record<string, string> = {
  "orders/create": "ORDERS_CREATE",
  "orders/updated": "ORDERS_UPDATED",
  "refunds/create": "REFUNDS_CREATE",
  "products/update": "PRODUCTS_UPDATE",
  "customers/update": "CUSTOMERS_UPDATE",
};

export function storeChanges(
  shop: DevShop,
  webhooks: DevWebhookSubscription[],
  send: SendWebhook,
): StoreChanges {
  let lastStamp = 0;
  // Strictly increasing, so "newer" is never ambiguous even within a millisecond.
  const stamp = () => {
    lastStamp = Math.max(Date.now(), lastStamp + 1);
    return new Date(lastStamp).toISOString();
  };
  let nextId = 9_000_000_000;
  const delivered: StoreChanges["delivered"] = [];
  const emit = async (topic: string, payload: unknown) => {
    for (const subscription of webhooks.filter((w) => w.topic === TOPIC_ENUM[topic])) {
      const response = await send(subscription.uri, topic, payload);
      await response.body?.cancel();
      delivered.push({ topic, payload, status: response.status });
    }
  };
  const order = (id: number) => {
    const found = shop.orders.find((o) => o.id === id);
    if (!found) throw new Error(`no order ${id}`);
    return found;
  };

  return {
    delivered,
    async afterMutation(change) {
      if ("refund" in change) {
        await emit("refunds/create", restRefund(change.order, change.refund));
        await emit("orders/updated", restOrder(shop, change.order));
      } else {
        await emit("products/update", restProduct(change.product));
      }
    },
    async updateOrder(id, change) {
      const target = order(id);
      change(target);
      target.updatedAt = stamp();
      await emit("orders/updated", restOrder(shop, target));
      return target;
    },
    async refundLine(orderId, lineItemId, quantity) {
      const target = order(orderId);
      const line = target.lineItems.find((l) => l.id === lineItemId);
      if (!line) throw new Error(`no line ${lineItemId} on order ${orderId}`);
      const at = stamp();
      const refund = {
        id: nextId++,
        createdAt: at,
        note: "Refunded in the dev store",
        lines: [{
          lineItemId,
          quantity,
          amount: Math.round(
            (line.unitPrice * line.quantity - line.discount) * quantity / line.quantity * 100,
          ) / 100,
        }],
        shipping: 0,
      };
      target.refunds.push(refund);
      target.updatedAt = at;
      await emit("refunds/create", restRefund(target, refund));
      await emit("orders/updated", restOrder(shop, target));
      return target;
    },
    async placeOrder(input) {
      const product = shop.products.find((p) => p.variants.some((v) => v.id === input.variantId));
      const variant = product?.variants.find((v) => v.id === input.variantId);
      if (!product || !variant) throw new Error(`no variant ${input.variantId}`);
      const at = stamp();
      const customer = input.customerId
        ? shop.customers.find((c) => c.id === input.customerId)
        : undefined;
      const subtotal = variant.price * input.quantity;
      const placed: DevOrder = {
        id: nextId++,
        name: `#${1001 + shop.orders.length}`,
        createdAt: at,
        processedAt: at,
        updatedAt: at,
        cancelledAt: null,
        cancelReason: null,
        test: false,
        customerId: customer?.id ?? null,
        email: customer?.email ?? null,
        sourceName: "web",
        currency: shop.currency,
        presentmentCurrency: shop.currency,
        exchangeRate: 1,
        discountCodes: [],
        lineItems: [{
          id: nextId++,
          productId: product.id,
          variantId: variant.id,
          title: product.title,
          sku: variant.sku,
          quantity: input.quantity,
          unitPrice: variant.price,
          discount: 0,
        }],
        shipping: subtotal >= 100 ? 0 : 7.95,
        tax: Math.round(subtotal * 0.0725 * 100) / 100,
        refunds: [],
        note: null,
      };
      shop.orders.push(placed);
      variant.inventoryQuantity -= input.quantity;
      await emit("orders/create", restOrder(shop, placed));
      return placed;
    },
    async updateProduct(id, change) {
      const target = shop.products.find((p) => p.id === id);
      if (!target) throw new Error(`no product ${id}`);
      change(target);
      target.updatedAt = stamp();
      await emit("products/update", restProduct(target));
      return target;
    },
    async updateCustomer(id, change) {
      const target = shop.customers.find((c) => c.id === id);
      if (!target) throw new Error(`no customer ${id}`);
      change(target);
      target.updatedAt = stamp();
      await emit("customers/update", restCustomer(target));
      return target;
    },
  };
}
