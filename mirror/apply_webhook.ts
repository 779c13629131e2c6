/**
 * Webhook topics that change the mirror, applied to one linked account in its
 * tenant context. Upserts follow the newest-wins rule, so a late delivery of
 * an older version changes nothing.
 */
import type { Tx } from "../db/database.ts";
import {
  customerFromWebhook,
  orderFromWebhook,
  productFromWebhook,
  refundFromWebhook,
} from "./from_webhook.ts";
import { type MirrorScope } from "./records.ts";
import { upsertCustomers } from "./upsert_customers.ts";
import { upsertOrders, upsertRefund } from "./upsert_orders.ts";
import { upsertProducts } from "./upsert_products.ts";

/** Applies `payload`; returns how many mirror objects it wrote (0: older than the mirror's). */
export async function applyMirrorTopic(
  tx: Tx,
  scope: MirrorScope,
  topic: string,
  payload: unknown,
  lookupKey: Uint8Array,
): Promise<number> {
  switch (topic) {
    case "orders/create":
    case "orders/updated":
      return await upsertOrders(tx, scope, [orderFromWebhook(payload)]);
    case "refunds/create":
      return (await upsertRefund(tx, scope, refundFromWebhook(payload))) ? 1 : 0;
    case "products/update":
      return await upsertProducts(tx, scope, [productFromWebhook(payload)]);
    case "customers/update":
      return await upsertCustomers(tx, scope, [customerFromWebhook(payload)], lookupKey);
    default:
      throw new Error(`not a mirror topic: ${topic}`);
  }
}

/** `customers/redact`: the customer's row goes, and their orders no longer point at them. */
export async function redactCustomer(
  tx: Tx,
  scope: MirrorScope,
  customerId: number,
  orderIds: number[],
): Promise<{ customers: number; orders: number }> {
  const customers = await tx`delete from shop_customers
    where linked_account_id = ${scope.accountId} and shopify_id = ${customerId}`;
  const orders = await tx`update shop_orders set customer_id = null
    where linked_account_id = ${scope.accountId}
      and (customer_id = ${customerId}
           or shopify_id in (select jsonb_array_elements_text(${tx.json(orderIds)})::bigint))`;
  return { customers: customers.count, orders: orders.count };
}
