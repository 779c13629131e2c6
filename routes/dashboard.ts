/**
 * `GET /app`: the merchant's dashboard (dashboard/), standalone in a browser or embedded in the
 * Shopify admin, which opens it with `?shop=&host=&id_token=` (App Bridge's session token).
 *
 * Embedded, the session token is verified before anything is served: a forged, expired or
 * other-shop token gets a 401 page and nothing else. A shop that has not linked Alatar is linked on
 * its first open by token exchange (no redirect), and its import starts. The page may then be
 * framed by that shop's admin only (`frame-ancestors https://{shop} https://admin.shopify.com`);
 * standalone, by nobody. Every other route keeps `frame-ancestors 'none'` (routes/app.ts).
 *
 * `GET /app/assets/app-<hash>.js`: the script, gzipped when the browser accepts it, cached forever
 * (its name changes with its content).
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { ApiServices } from "../api/context.ts";
import { clientBundle } from "../dashboard/bundle.ts";
import { dashboardCsp, dashboardPage, problemPage } from "../dashboard/page.ts";
import { linkShopFromSessionToken } from "../mirror/link_store.ts";
import { SessionTokenError, verifySessionToken } from "../shopify/session_tokens.ts";
import { SHOP_DOMAIN } from "../shopify/signatures.ts";

export interface DashboardDeps {
  services: ApiServices;
  /** Serve the bundle built into dashboard/dist (production) rather than building it. */
  prebuiltBundle: boolean;
}

/** Paths this router serves; routes/app.ts gives them the page's headers instead of the API's. */
export const DASHBOARD_PATH = /^\/app(\/|$)/;

export function dashboardRoutes(deps: DashboardDeps): Hono {
  const { services } = deps;
  const bundle = () => clientBundle({ prebuilt: deps.prebuiltBundle });

  return new Hono()
    .get("/app", async (c) => {
      const script = await bundle().catch((error) => {
        services.log.error("the dashboard's script is unavailable", { error });
        return null;
      });
      if (!script) {
        return refusalPage(c, 503, "The dashboard is starting; reload in a moment.", null);
      }
      const shop = c.req.query("shop")?.toLowerCase() ?? null;
      const idToken = c.req.query("id_token") ?? null;
      if (!idToken) {
        return page(c, dashboardPage({ scriptPath: script.path, embedded: null }), null);
      }

      // Embedded: the admin vouches for the shop with a session token.
      if (!shop || !SHOP_DOMAIN.test(shop)) {
        return refusalPage(c, 400, "The shop parameter is not a myshopify.com address.", null);
      }
      try {
        const claims = await verifySessionToken(idToken, services.shopify);
        if (claims.shop !== shop) {
          throw new SessionTokenError("the session token is another shop's");
        }
      } catch (error) {
        if (!(error instanceof SessionTokenError)) throw error;
        services.log.warn("security: embedded dashboard refused", { shop, reason: error.message });
        return refusalPage(
          c,
          401,
          `Alatar could not confirm this session (${error.message}). Open Alatar again from your Shopify admin.`,
          shop,
        );
      }
      const known = await services.shopifySessions.viewerFor(idToken);
      if (known && "problem" in known) {
        // First open of a shop that has not linked Alatar: token exchange, no redirect.
        const linked = await linkShopFromSessionToken(services, idToken);
        if (!linked.ok) {
          services.log.warn("embedded first open could not link the shop", {
            shop,
            code: linked.errors[0]?.code,
          });
          return refusalPage(
            c,
            502,
            `Alatar could not connect to ${shop}: ${linked.errors[0]?.message ?? "try again"}`,
            shop,
          );
        }
      }
      const host = c.req.query("host") ?? "";
      const html = dashboardPage({
        scriptPath: script.path,
        embedded: { shop, host, idToken, apiKey: services.shopify.apiKey },
      });
      return page(c, html, shop);
    })
    .get("/app/assets/:name", async (c) => {
      const script = await bundle().catch(() => null);
      if (!script || c.req.path !== script.path) {
        return c.json({ error: { code: "NOT_FOUND", message: "No such file" } }, 404);
      }
      c.header("Content-Type", "text/javascript; charset=utf-8");
      c.header("Cache-Control", "public, max-age=31536000, immutable");
      c.header("Vary", "Accept-Encoding");
      c.header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
      if (/\bgzip\b/.test(c.req.header("Accept-Encoding") ?? "")) {
        c.header("Content-Encoding", "gzip");
        return c.body(script.gzip as Uint8Array<ArrayBuffer>);
      }
      return c.body(script.js as Uint8Array<ArrayBuffer>);
    });
}

function page(c: Context, html: string, embeddedShop: string | null, status = 200) {
  c.header("Content-Security-Policy", dashboardCsp(embeddedShop));
  // The URL may carry a session token: never stored by a cache, never sent on as a referrer.
  c.header("Cache-Control", "no-store");
  return c.html(html, status as 200);
}

function refusalPage(c: Context, status: number, message: string, embeddedShop: string | null) {
  return page(c, problemPage(message), embeddedShop, status);
}
