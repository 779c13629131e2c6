/**
 * The `shopify.webhook` job: a stored delivery, processed for every account
 * that links the shop, in that tenant's context:
 * - `app/uninstalled`: the account is revoked and its tokens deleted;
 * - `shop/redact`: the account and everything mirrored for it are deleted;
 * - `customers/redact`: what is held about the customer is deleted;
 * - `customers/data_request`: what is held about the customer is recorded;
 * - the mirror topics (shopify/webhook_topics.ts): the store mirror is updated
 *   (active accounts only; newest version wins);
 * - the sync topics (`orders/edited`): a sync of the store's changes is queued
 *   (one per account at a time), which fetches what the body lacks.
 * Each but the mirror updates is written to the audit log. The payload is
 * dropped once processed.
 */
import { z } from "zod";
import { audit, type AuditAction } from "../db/audit.ts";
import type { Database } from "../db/database.ts";
import type { Enqueuer } from "../jobs/enqueue.ts";
import type { Logger } from "../log/logger.ts";
import { MIRROR_TOPICS, SYNC_TOPICS } from "../shopify/webhook_topics.ts";
import { applyMirrorTopic, redactCustomer } from "./apply_webhook.ts";
import { requestSync } from "./sync_queue.ts";

const CustomerPayload = z.object({
  customer: z.object({ id: z.number(), email: z.string().nullable().optional() }),
  orders_to_redact: z.array(z.number()).optional(),
  orders_requested: z.array(z.number()).optional(),
});

export interface WebhookDeps {
  db: Database;
  log: Logger;
  lookupKey: Uint8Array;
  /** Queues the syncs that the sync topics ask for. */
  boss: Enqueuer;
}

/** The `shopify.webhook` job. Idempotent: a processed delivery is skipped. */
export async function processWebhook(
  deps: WebhookDeps,
  webhookId: string,
): Promise<{ topic: string; accounts: number } | null> {
  const [delivery] = await deps.db.withoutTenant((tx) =>
    tx<{ topic: string; shop: string; payload: unknown }[]>`
      select topic, shop, payload from shopify_webhook_deliveries
      where webhook_id = ${webhookId} and processed_at is null`
  );
  if (!delivery) return null;
  const accounts = await deps.db.withSystem(
    "find the accounts that link a webhook's shop",
    (tx) =>
      tx<{ id: string; user_id: string; status: string }[]>`
        select id, user_id, status from linked_accounts
        where provider = 'shopify' and account_identifier = ${delivery.shop}`,
  );
  for (const account of accounts) {
    await deps.db.withTenant(
      account.user_id,
      (tx) => applyTopic(tx, delivery.topic, account, delivery.payload, deps),
    );
  }
  await deps.db.withoutTenant((tx) =>
    tx`update shopify_webhook_deliveries set processed_at = now(), payload = null where webhook_id = ${webhookId}`
  );
  deps.log.info("Shopify webhook processed", {
    webhook_id: webhookId,
    topic: delivery.topic,
    accounts: accounts.length,
  });
  return { topic: delivery.topic, accounts: accounts.length };
}

type Tx = Parameters<Parameters<Database["withTenant"]>[1]>[0];

async function applyTopic(
  tx: Tx,
  topic: string,
  account: { id: string; user_id: string; status: string },
  payload: unknown,
  { lookupKey, log, boss }: WebhookDeps,
) {
  const scope = { userId: account.user_id, accountId: account.id };
  if (SYNC_TOPICS.includes(topic)) {
    if (account.status === "active") {
      await requestSync(boss, tx, { ...scope, mode: "changes" });
    }
    return;
  }
  if (MIRROR_TOPICS.includes(topic)) {
    // An uninstalled (revoked) store is no longer synced.
    if (account.status !== "active") return;
    try {
      await applyMirrorTopic(tx, scope, topic, payload, lookupKey);
    } catch (error) {
      // A body we cannot read will not read better on a retry; the next incremental sync
      // brings the object anyway. Anything else (the database) is retried by the queue.
      if (!(error instanceof z.ZodError)) throw error;
      log.warn("Shopify webhook body not understood; left to the next sync", {
        topic,
        problems: error.issues.slice(0, 5).map((i) => `${i.path.join(".")}: ${i.message}`),
      });
    }
    return;
  }
  const audited = (action: AuditAction, details: Record<string, unknown>) =>
    audit(tx, {
      userId: account.user_id,
      actor: "shopify",
      action,
      entity: { type: "linked_account", id: account.id },
      details,
    });
  switch (topic) {
    case "app/uninstalled": {
      await tx`update linked_accounts set status = 'revoked', encrypted_access_token = null,
               encrypted_refresh_token = null, access_token_expires_at = null, refresh_token_expires_at = null
               where id = ${account.id}`;
      await audited("shopify.app_uninstalled", {});
      return;
    }
    case "shop/redact": {
      const cache =
        await tx`delete from cached_shopify_data where linked_account_id = ${account.id}`;
      await tx`delete from linked_accounts where id = ${account.id}`;
      await audited("shopify.shop_redacted", { cached_rows_deleted: cache.count });
      return;
    }
    case "customers/redact": {
      const parsed = CustomerPayload.safeParse(payload);
      // Cached query results are dropped whole rather than searched for the customer.
      const cache =
        await tx`delete from cached_shopify_data where linked_account_id = ${account.id}`;
      const mirror = parsed.success
        ? await redactCustomer(
          tx,
          scope,
          parsed.data.customer.id,
          parsed.data.orders_to_redact ?? [],
        )
        : { customers: 0, orders: 0 };
      await audited("shopify.customer_redacted", {
        customer_id: parsed.success ? parsed.data.customer.id : null,
        orders: parsed.success ? parsed.data.orders_to_redact ?? [] : [],
        cached_rows_deleted: cache.count,
        mirrored_customers_deleted: mirror.customers,
        mirrored_orders_unlinked: mirror.orders,
      });
      return;
    }
    case "customers/data_request": {
      const parsed = CustomerPayload.safeParse(payload);
      const customerId = parsed.success ? parsed.data.customer.id : null;
      const [held] = await tx`select
          (select count(*)::int from cached_shopify_data where linked_account_id = ${account.id}) as cached,
          (select count(*)::int from shop_customers
             where linked_account_id = ${account.id} and shopify_id = ${customerId}) as customers,
          (select count(*)::int from shop_orders
             where linked_account_id = ${account.id} and customer_id = ${customerId}) as orders`;
      await audited("shopify.customer_data_requested", {
        customer_id: customerId,
        orders: parsed.success ? parsed.data.orders_requested ?? [] : [],
        held: {
          mirrored_customer_records: held!.customers,
          mirrored_orders: held!.orders,
          cached_query_results_for_shop: held!.cached,
        },
      });
      return;
    }
    default:
      return;
  }
}
