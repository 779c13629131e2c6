/**
 * Changes to the dev store's data, as a merchant or customer would make them
 * in Shopify: each bumps the object's `updatedAt` and delivers the topic's
 * webhook to every subscription the app registered, signed like Shopify's.
 * Tests use these to see the mirror follow the store.
 */
import { restCustomer, restOrder, restProduct, restRefund } from "./rest_payloads.ts";
import {
  type DevCustomer,
  type DevLineChange,
  type DevOrder,
  type DevProduct,
  type DevRefund,
  type DevShop,
  TAX_RATE,
} from "./seed.ts";

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
  /**
   * Cancels an order, giving its payment back (`refund`) or not (never paid); delivers
   * orders/cancelled, then refunds/create with a refund, and orders/updated.
   */
  cancelOrder(orderId: number, options: { refund: boolean }): Promise<DevOrder>;
  /**
   * Edits an order: adds units of a variant as a new line, or removes units of a line;
   * delivers orders/edited (which, like Shopify's, carries no amounts) and orders/updated.
   */
  editOrder(
    orderId: number,
    edit: { add: { variantId: number; quantity: number } } | {
      remove: { lineItemId: number; quantity: number };
    },
  ): Promise<DevOrder>;
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
  "orders/cancelled": "ORDERS_CANCELLED",
  "orders/edited": "ORDERS_EDITED",
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
  const round2 = (n: number) => Math.round(n * 100) / 100;
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
        lines: [{ lineItemId, quantity, amount: 0, tax: 0 }],
        shipping: 0,
      };
      refund.lines[0]!.amount = round2(
        (line.unitPrice * line.quantity - line.discount) * quantity / line.quantity,
      );
      refund.lines[0]!.tax = round2(refund.lines[0]!.amount * TAX_RATE);
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
        tax: round2(subtotal * TAX_RATE),
        refunds: [],
        changes: [],
        note: null,
      };
      shop.orders.push(placed);
      variant.inventoryQuantity -= input.quantity;
      await emit("orders/create", restOrder(shop, placed));
      return placed;
    },
    async cancelOrder(orderId, options) {
      const target = order(orderId);
      if (target.cancelledAt) throw new Error(`order ${orderId} is already cancelled`);
      const at = stamp();
      target.cancelledAt = at;
      target.cancelReason = "customer";
      target.updatedAt = at;
      let refund: DevRefund | null = null;
      if (options.refund) {
        // What is still paid for goes back: each line's remaining units, and the shipping.
        const given = (lineId: number) =>
          target.refunds.flatMap((r) => r.lines).filter((l) => l.lineItemId === lineId)
            .reduce(
              (sum, l) => ({ quantity: sum.quantity + l.quantity, amount: sum.amount + l.amount }),
              {
                quantity: 0,
                amount: 0,
              },
            );
        const lines = target.lineItems.flatMap((l) => {
          const back = given(l.id);
          const amount = round2(l.unitPrice * l.quantity - l.discount - back.amount);
          return l.quantity > back.quantity
            ? [{
              lineItemId: l.id,
              quantity: l.quantity - back.quantity,
              amount,
              tax: round2(amount * TAX_RATE),
            }]
            : [];
        });
        refund = {
          id: nextId++,
          createdAt: at,
          note: "Order canceled",
          lines,
          shipping: round2(target.shipping - target.refunds.reduce((s, r) => s + r.shipping, 0)),
        };
        target.refunds.push(refund);
      }
      await emit("orders/cancelled", restOrder(shop, target));
      if (refund) await emit("refunds/create", restRefund(target, refund));
      await emit("orders/updated", restOrder(shop, target));
      return target;
    },
    async editOrder(orderId, edit) {
      const target = order(orderId);
      const at = stamp();
      const change: DevLineChange = { id: nextId++, kind: "edit", happenedAt: at, sales: [] };
      if ("add" in edit) {
        const product = shop.products.find((p) =>
          p.variants.some((v) => v.id === edit.add.variantId)
        );
        const variant = product?.variants.find((v) => v.id === edit.add.variantId);
        if (!product || !variant) throw new Error(`no variant ${edit.add.variantId}`);
        const lineId = nextId++;
        target.lineItems.push({
          id: lineId,
          productId: product.id,
          variantId: variant.id,
          title: product.title,
          sku: variant.sku,
          quantity: edit.add.quantity,
          unitPrice: variant.price,
          discount: 0,
        });
        const amount = round2(variant.price * edit.add.quantity);
        const tax = round2(amount * TAX_RATE);
        change.sales.push({
          lineItemId: lineId,
          action: "ORDER",
          quantity: edit.add.quantity,
          amount,
          discount: 0,
          tax,
        });
        target.tax = round2(target.tax + tax);
      } else {
        const line = target.lineItems.find((l) => l.id === edit.remove.lineItemId);
        if (!line) throw new Error(`no line ${edit.remove.lineItemId} on order ${orderId}`);
        const share = edit.remove.quantity / line.quantity;
        const amount = round2((line.unitPrice * line.quantity - line.discount) * share);
        change.sales.push({
          lineItemId: line.id,
          action: "RETURN",
          quantity: edit.remove.quantity,
          amount,
          discount: round2(line.discount * share),
          tax: round2(amount * TAX_RATE),
        });
      }
      target.changes.push(change);
      target.updatedAt = at;
      // Shopify's orders/edited body: what changed, by line and quantity, and no money.
      const delta = (s: DevLineChange["sales"][number]) => ({
        id: s.lineItemId,
        delta: s.quantity,
      });
      await emit("orders/edited", {
        order_edit: {
          id: change.id,
          app_id: null,
          created_at: at,
          committed_at: at,
          notify_customer: false,
          order_id: target.id,
          staff_note: "",
          user_id: null,
          line_items: {
            additions: change.sales.filter((s) => s.action === "ORDER").map(delta),
            removals: change.sales.filter((s) => s.action === "RETURN").map(delta),
          },
          discounts: { additions: [], removals: [] },
          shipping_lines: { additions: [], removals: [] },
        },
      });
      await emit("orders/updated", restOrder(shop, target));
      return target;
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
