/**
 * Shopify webhooks, received: verified, stored and acknowledged fast by the
 * route, and processed later by the `shopify.webhook` job
 * (mirror/webhook_job.ts). The HMAC covers the raw bytes, so they are verified
 * before any parsing. The delivery is stored under Shopify's webhook id (a
 * redelivery is acknowledged and dropped) and its job written in the same
 * transaction.
 */
import type { Database } from "../db/database.ts";
import { enqueueInTransaction, type Enqueuer } from "../jobs/enqueue.ts";
import type { Logger } from "../log/logger.ts";
import { verifyWebhook } from "./signatures.ts";

export const WEBHOOK_QUEUE = "shopify.webhook";

export type ReceiveResult =
  | { status: 200; duplicate: boolean }
  | { status: 401; reason: string }
  | { status: 400; reason: string };

export async function receiveWebhook(
  deps: { db: Database; boss: Enqueuer; apiSecret: string; log: Logger },
  raw: Uint8Array,
  headers: Headers,
): Promise<ReceiveResult> {
  if (!verifyWebhook(raw, headers.get("x-shopify-hmac-sha256"), deps.apiSecret)) {
    deps.log.warn("security: Shopify webhook with a bad signature refused", {
      topic: headers.get("x-shopify-topic"),
    });
    return { status: 401, reason: "invalid signature" };
  }
  const webhookId = headers.get("x-shopify-webhook-id");
  const topic = headers.get("x-shopify-topic");
  const shop = headers.get("x-shopify-shop-domain");
  if (!webhookId || !topic || !shop) {
    return { status: 400, reason: "missing Shopify webhook headers" };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    return { status: 400, reason: "the body is not JSON" };
  }
  const inserted = await deps.db.withoutTenant(async (tx) => {
    const rows = await tx`
      insert into shopify_webhook_deliveries (webhook_id, topic, shop, payload)
      values (${webhookId}, ${topic}, ${shop}, ${tx.json(payload as never)})
      on conflict (webhook_id) do nothing
      returning webhook_id`;
    if (rows.length === 0) return false;
    await enqueueInTransaction(deps.boss, tx, WEBHOOK_QUEUE, { webhookId });
    return true;
  });
  if (!inserted) {
    deps.log.info("duplicate Shopify webhook acknowledged", { webhook_id: webhookId, topic });
  }
  return { status: 200, duplicate: !inserted };
}
