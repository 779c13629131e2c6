/**
 * `deno task devstore`: the dev store alone, so any Shopify client can be
 * pointed at it. DEVSTORE_PORT (8100); the app's key and secret come from
 * SHOPIFY_API_KEY and SHOPIFY_API_SECRET.
 */
import { createDevStore, devStoreBaseUrl } from "./server.ts";
import { SHOP_DOMAIN } from "./seed.ts";

const port = Number(Deno.env.get("DEVSTORE_PORT") ?? 8100);
const apiKey = Deno.env.get("SHOPIFY_API_KEY");
const apiSecret = Deno.env.get("SHOPIFY_API_SECRET");
if (!apiKey || !apiSecret) {
  console.error("Set SHOPIFY_API_KEY and SHOPIFY_API_SECRET: the dev store accepts only that app.");
  Deno.exit(2);
}
const store = createDevStore({ app: { apiKey, apiSecret } });
Deno.serve({ port, hostname: "127.0.0.1", onListen: () => {} }, store.fetch);
console.error(
  `Dev store for ${SHOP_DOMAIN} on ${devStoreBaseUrl(port).replace("{shop}", SHOP_DOMAIN)} ` +
    `(${store.shop.products.length} products, ${store.shop.orders.length} orders ending ${store.shop.today})`,
);
