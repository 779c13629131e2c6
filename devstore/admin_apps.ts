/**
 * The dev store's admin opening an embedded app, as the Shopify admin does when a merchant clicks
 * the app: `GET /{shop}/admin/apps/{api key}` sends the browser to the app's `/app` with `shop`,
 * `host` (the admin's address, base64) and `id_token` (a fresh session token). Shopify frames the
 * page; the dev store opens it at the top level, which the page handles the same way. This is how
 * a developer sees the embedded dashboard locally (`deno task start` prints the link).
 */
import { Hono } from "hono";
import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import type { DevApp } from "./oauth.ts";
import { mintSessionToken } from "./session_tokens.ts";

export function adminAppRoutes(options: { app: DevApp; appUrl: string; knownShops: Set<string> }) {
  return new Hono().get("/:shop/admin/apps/:apiKey", async (c) => {
    const shop = c.req.param("shop");
    if (!options.knownShops.has(shop)) return c.text("There is no store at this address.", 404);
    if (c.req.param("apiKey") !== options.app.apiKey) {
      return c.text("No app with this API key is installed.", 404);
    }
    const handle = shop.replace(/\.myshopify\.com$/, "");
    const target = new URL("/app", options.appUrl);
    target.search = new URLSearchParams({
      embedded: "1",
      host: encodeBase64urlNoPadding(new TextEncoder().encode(`admin.shopify.com/store/${handle}`)),
      id_token: await mintSessionToken(options.app, shop),
      shop,
    }).toString();
    return c.redirect(target.toString(), 302);
  });
}
