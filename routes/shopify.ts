/**
 * `GET /auth/shopify/callback`: where Shopify sends the merchant's browser
 * after approving. The state in the query names whose flow it is; the answer
 * is a small JSON document (an app that needs a page or a deep link catches
 * the redirect and calls `completeShopifyOAuth` instead).
 */
import { Hono } from "hono";
import type { ShopifyLinkDeps } from "../shopify/oauth.ts";
import { completeShopifyOAuth } from "../mirror/link_store.ts";
import { errorBody } from "./error_body.ts";

export function shopifyRoutes(deps: ShopifyLinkDeps): Hono {
  return new Hono().get("/auth/shopify/callback", async (c) => {
    const query = new URL(c.req.url).search;
    const outcome = await completeShopifyOAuth(deps, query, null);
    if (!outcome.ok) {
      const [error] = outcome.errors;
      return c.json(errorBody(error!.code, error!.message, c.get("requestId")), 400);
    }
    const { id, shop, signIn } = outcome.value;
    // Log in with Shopify in a browser: the app finishes with completeShopifyOAuth instead,
    // which returns the session; tokens never go to a browser page.
    return c.json({ status: signIn ? "signed_in" : "linked", linkedAccountId: id, shop });
  });
}
