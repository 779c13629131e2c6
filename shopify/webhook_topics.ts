/**
 * The one list of Shopify webhook topics Alatar handles: the name a delivery
 * arrives under (`X-Shopify-Topic`), the Admin API enum it is subscribed with,
 * and what it changes. Subscribing (shopify/webhook_subscriptions.ts) and
 * processing (mirror/webhook_job.ts) both read it.
 *
 * The compliance topics have no enum: Shopify takes those subscriptions from
 * the app's configuration, not from the API.
 */
export const WEBHOOK_TOPICS = [
  { topic: "orders/create", subscribeAs: "ORDERS_CREATE", changes: "mirror" },
  { topic: "orders/updated", subscribeAs: "ORDERS_UPDATED", changes: "mirror" },
  { topic: "orders/cancelled", subscribeAs: "ORDERS_CANCELLED", changes: "mirror" },
  // Its body says which lines changed but carries no money: the order's sales agreements are
  // fetched by a sync of the store's changes.
  { topic: "orders/edited", subscribeAs: "ORDERS_EDITED", changes: "sync" },
  { topic: "refunds/create", subscribeAs: "REFUNDS_CREATE", changes: "mirror" },
  { topic: "products/update", subscribeAs: "PRODUCTS_UPDATE", changes: "mirror" },
  { topic: "customers/update", subscribeAs: "CUSTOMERS_UPDATE", changes: "mirror" },
  { topic: "app/uninstalled", subscribeAs: "APP_UNINSTALLED", changes: "account" },
  { topic: "shop/redact", subscribeAs: null, changes: "compliance" },
  { topic: "customers/redact", subscribeAs: null, changes: "compliance" },
  { topic: "customers/data_request", subscribeAs: null, changes: "compliance" },
] as const;

/** The topics whose payload updates the store mirror. */
export const MIRROR_TOPICS: readonly string[] = WEBHOOK_TOPICS
  .filter((t) => t.changes === "mirror").map((t) => t.topic);

/** The topics that queue a sync of the store's changes (their body is not enough). */
export const SYNC_TOPICS: readonly string[] = WEBHOOK_TOPICS
  .filter((t) => t.changes === "sync").map((t) => t.topic);

/** The Admin API enums a linked store is subscribed to. */
export const SUBSCRIBED_TOPICS: readonly string[] = WEBHOOK_TOPICS
  .flatMap((t) => t.subscribeAs ? [t.subscribeAs] : []);
