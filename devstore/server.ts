/**
 * The local Shopify dev store: one HTTP app serving Shopify's own paths under a
 * prefix naming the shop (`/{shop}/admin/…`), so our client reaches it through
 * configuration alone (`SHOPIFY_ADMIN_BASE_URL=http://127.0.0.1:8100/{shop}`).
 * Development and tests only; production never loads it.
 *
 * @example
 * ```ts
 * const store = createDevStore({ app: { apiKey, apiSecret } });
 * Deno.serve({ port: 8100 }, store.fetch);
 * ```
 */
import { DEFAULT_SHOPIFY_API_VERSION } from "../config/config.ts";
import { Hono } from "hono";
import { adminApiRoutes, type DevWebhookSubscription, type Fault } from "./admin_api.ts";
import { type MutationChange, type StoreChanges, storeChanges } from "./changes.ts";
import { type DevApp, oauthRoutes, TokenRegistry } from "./oauth.ts";
import { adminAppRoutes } from "./admin_apps.ts";
import type { LeakyBucket } from "./throttle.ts";
import { signWebhook } from "../shopify/signatures.ts";
import { type DevShop, generateShop, SHOP_DOMAIN } from "./seed.ts";

export interface DevStore {
  fetch: (request: Request) => Response | Promise<Response>;
  tokens: TokenRegistry;
  shop: DevShop;
  /** Sends a webhook signed as Shopify signs it; returns the response. */
  sendWebhook(
    url: string,
    topic: string,
    payload: unknown,
    options?: { webhookId?: string },
  ): Promise<Response>;
  /** Faults the Admin API serves next, one per request (tests). */
  faults: Fault[];
  bucket: LeakyBucket;
  /** The app's webhook subscriptions, as registered through the Admin API. */
  webhooks: DevWebhookSubscription[];
  /** Edits to the store's data that deliver their webhooks (tests, demos). */
  changes: StoreChanges;
}

export function createDevStore(options: {
  app: DevApp;
  /** The app's address: with it, `/{shop}/admin/apps/{api key}` opens the embedded dashboard. */
  appUrl?: string;
  today?: Date;
  seed?: number;
  bucket?: { maximum: number; restoreRate: number };
}): DevStore {
  const shop = generateShop({ today: options.today, seed: options.seed });
  const tokens = new TokenRegistry();
  const webhooks: DevWebhookSubscription[] = [];
  // Delivered after the mutation has answered, as Shopify's webhooks arrive on their own.
  const onMutation = (change: MutationChange) =>
    setTimeout(() => changes.afterMutation(change).catch(() => {}), 0);
  const admin = adminApiRoutes({ shop, tokens, bucket: options.bucket, webhooks, onMutation });
  const app = new Hono();
  const knownShops = new Set([SHOP_DOMAIN]);
  app.route("/", oauthRoutes({ app: options.app, tokens, knownShops }));
  if (options.appUrl) {
    app.route("/", adminAppRoutes({ app: options.app, appUrl: options.appUrl, knownShops }));
  }
  app.route("/", admin.routes);
  app.notFound((c) => c.json({ errors: "Not Found" }, 404));
  const sendWebhook = (
    url: string,
    topic: string,
    payload: unknown,
    opts: { webhookId?: string } = {},
  ) => {
    const body = new TextEncoder().encode(JSON.stringify(payload));
    // Read to the end here, as Shopify does with our answer: the caller gets the status and text
    // without a network body left open.
    const delivered = fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-shopify-topic": topic,
        "x-shopify-shop-domain": shop.domain,
        "x-shopify-webhook-id": opts.webhookId ?? crypto.randomUUID(),
        "x-shopify-api-version": DEFAULT_SHOPIFY_API_VERSION,
        "x-shopify-triggered-at": new Date().toISOString(),
        "x-shopify-hmac-sha256": signWebhook(body, options.app.apiSecret),
      },
      body,
      signal: AbortSignal.timeout(5000),
    });
    return delivered.then(async (response) =>
      new Response(await response.text(), {
        status: response.status,
        headers: response.headers,
      })
    );
  };
  const changes = storeChanges(shop, webhooks, sendWebhook);
  return {
    fetch: app.fetch,
    tokens,
    shop,
    faults: admin.faults,
    bucket: admin.bucket,
    sendWebhook,
    webhooks,
    changes,
  };
}

/** The Admin base URL template that points a client at a dev store on `port`. */
export function devStoreBaseUrl(port: number): string {
  return `http://127.0.0.1:${port}/{shop}`;
}
