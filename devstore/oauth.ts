/**
 * The dev store's side of Shopify OAuth (authorization code grant), as
 * Shopify answers it:
 * - `GET /{shop}/admin/oauth/authorize` approves at once and redirects to the
 *   app's `redirect_uri` with `code`, `host`, `shop`, `state`, `timestamp` and
 *   the `hmac` over them;
 * - `POST /{shop}/admin/oauth/access_token` trades a code (single use, one
 *   minute) for tokens, a refresh token for new ones, or (token exchange, for
 *   an embedded app) a session token of the shop's admin for an offline
 *   access token, with the scopes the app is configured for. With `expiring=1` the
 *   access token lives an hour and comes with a refresh token; as on Shopify
 *   since August 2026, the previous refresh token keeps working until the app
 *   uses the new access token, so a lost refresh response can be retried.
 */
import { Hono } from "hono";
import { encodeHexLowerCase } from "@oslojs/encoding";
import { signOAuthQuery } from "../shopify/signatures.ts";
import { jwtVerify } from "jose";

export const ACCESS_TOKEN_TTL_SECONDS = 3600;
export const REFRESH_TOKEN_TTL_SECONDS = 90 * 24 * 3600;

export interface DevApp {
  apiKey: string;
  apiSecret: string;
  /** What the app's configuration asks for (token exchange grants these); all of ours by default. */
  scopes?: string[];
}

// Shopify's names for token exchange, written out here rather than taken from our client, so the
// stand-in checks what the client sends against Shopify's documentation, not against itself.
const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
const OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token";

/** The scopes an app's configuration asks for when it names none (our default SHOPIFY_SCOPES). */
export const DEFAULT_APP_SCOPES = [
  "read_products",
  "read_orders",
  "read_all_orders",
  "read_customers",
  "read_discounts",
  "write_discounts",
  "write_draft_orders",
  "write_orders",
  "write_products",
];

interface Grant {
  shop: string;
  scopes: string[];
}

export interface IssuedToken extends Grant {
  expiresAt: number | null;
}

/** Every token the dev store has issued; the Admin API checks requests against it. */
export class TokenRegistry {
  readonly codes = new Map<string, Grant & { expiresAt: number; used: boolean }>();
  readonly accessTokens = new Map<string, IssuedToken & { refreshToken?: string }>();
  readonly refreshTokens = new Map<
    string,
    Grant & { expiresAt: number; revoked: boolean; replacedBy?: string }
  >();
  /** Scopes the merchant grants; tests narrow it to see insufficient-scope paths. */
  grantedScopes: string[] | null = null;

  /** The grant behind an access token, or null when it is unknown or expired. */
  check(token: string, now = Date.now()): IssuedToken | null {
    const issued = this.accessTokens.get(token);
    if (!issued || (issued.expiresAt !== null && issued.expiresAt <= now)) return null;
    // First use of an access token retires the refresh token it replaced.
    if (issued.refreshToken) {
      for (const [value, refresh] of this.refreshTokens) {
        if (refresh.replacedBy === issued.refreshToken) {
          refresh.revoked = true;
          this.refreshTokens.set(value, refresh);
        }
      }
    }
    return issued;
  }

  revokeShop(shop: string): void {
    for (const [token, issued] of this.accessTokens) {
      if (issued.shop === shop) this.accessTokens.delete(token);
    }
    for (const refresh of this.refreshTokens.values()) {
      if (refresh.shop === shop) refresh.revoked = true;
    }
  }
}

function randomToken(prefix: string): string {
  return prefix + encodeHexLowerCase(crypto.getRandomValues(new Uint8Array(16)));
}

const oauthError = (error: string, description: string) => ({
  error,
  error_description: description,
});

export function oauthRoutes(
  options: { app: DevApp; tokens: TokenRegistry; knownShops: Set<string> },
): Hono {
  const { app, tokens } = options;
  const router = new Hono();

  router.get("/:shop/admin/oauth/authorize", (c) => {
    const shop = c.req.param("shop");
    if (!options.knownShops.has(shop)) return c.text("There is no store at this address.", 404);
    const clientId = c.req.query("client_id");
    const redirectUri = c.req.query("redirect_uri");
    const state = c.req.query("state");
    if (clientId !== app.apiKey) {
      return c.text("Oauth error invalid_request: The client_id is invalid.", 400);
    }
    if (!redirectUri || !/^https?:\/\//.test(redirectUri)) {
      return c.text("Oauth error invalid_request: The redirect_uri is missing or not a URL.", 400);
    }
    const requested = (c.req.query("scope") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
    const scopes = tokens.grantedScopes
      ? requested.filter((s) => tokens.grantedScopes!.includes(s))
      : requested;
    const code = randomToken("");
    tokens.codes.set(code, { shop, scopes, expiresAt: Date.now() + 60_000, used: false });
    const params = new URLSearchParams({
      code,
      host: btoa(`admin.shopify.com/store/${shop.replace(".myshopify.com", "")}`).replace(
        /=+$/,
        "",
      ),
      shop,
      timestamp: String(Math.floor(Date.now() / 1000)),
    });
    if (state !== undefined) params.set("state", state);
    params.set("hmac", signOAuthQuery(params, app.apiSecret));
    const target = new URL(redirectUri);
    for (const [key, value] of params) target.searchParams.set(key, value);
    return c.redirect(target.toString(), 302);
  });

  router.post("/:shop/admin/oauth/access_token", async (c) => {
    const shop = c.req.param("shop");
    const type = c.req.header("content-type") ?? "";
    const body: Record<string, string> = type.includes("application/json")
      ? await c.req.json().catch(() => ({}))
      : Object.fromEntries(new URLSearchParams(await c.req.text()));
    if (body.client_id !== app.apiKey || body.client_secret !== app.apiSecret) {
      return c.json(oauthError("invalid_client", "Client authentication failed."), 401);
    }
    const expiring = String(body.expiring) === "1";
    let grant: Grant;
    let previousRefresh: string | undefined;
    if (body.grant_type === "refresh_token") {
      const refresh = tokens.refreshTokens.get(body.refresh_token ?? "");
      if (!refresh || refresh.revoked || refresh.shop !== shop || refresh.expiresAt <= Date.now()) {
        return c.json(
          oauthError("invalid_grant", "The refresh token is invalid, expired or revoked."),
          400,
        );
      }
      grant = { shop: refresh.shop, scopes: refresh.scopes };
      previousRefresh = body.refresh_token;
    } else if (body.grant_type === TOKEN_EXCHANGE_GRANT) {
      if (
        body.subject_token_type !== ID_TOKEN_TYPE ||
        body.requested_token_type !== OFFLINE_TOKEN_TYPE
      ) {
        return c.json(
          oauthError("invalid_request", "Exchange an id_token for an offline access token."),
          400,
        );
      }
      // Shopify checks a token it signed itself: its signature, its audience, its time, its shop.
      const claims = await jwtVerify(
        body.subject_token ?? "",
        new TextEncoder().encode(app.apiSecret),
        { algorithms: ["HS256"], audience: app.apiKey },
      ).then(({ payload }) => payload, () => null);
      if (
        !claims || claims.dest !== `https://${shop}` || !options.knownShops.has(shop)
      ) {
        return c.json(
          oauthError("invalid_subject_token", "The session token is invalid for this shop."),
          400,
        );
      }
      const configured = app.scopes ?? DEFAULT_APP_SCOPES;
      grant = {
        shop,
        scopes: tokens.grantedScopes
          ? configured.filter((s) => tokens.grantedScopes!.includes(s))
          : configured,
      };
    } else {
      const code = tokens.codes.get(body.code ?? "");
      if (!code || code.used || code.shop !== shop || code.expiresAt <= Date.now()) {
        return c.json(
          oauthError(
            "invalid_request",
            "The authorization code was not found or was already used.",
          ),
          400,
        );
      }
      code.used = true;
      grant = { shop: code.shop, scopes: code.scopes };
    }

    const accessToken = randomToken("shpat_");
    if (!expiring && !previousRefresh) {
      tokens.accessTokens.set(accessToken, { ...grant, expiresAt: null });
      return c.json({ access_token: accessToken, scope: grant.scopes.join(",") });
    }
    const refreshToken = randomToken("shprt_");
    tokens.refreshTokens.set(refreshToken, {
      ...grant,
      expiresAt: Date.now() + REFRESH_TOKEN_TTL_SECONDS * 1000,
      revoked: false,
    });
    if (previousRefresh) tokens.refreshTokens.get(previousRefresh)!.replacedBy = refreshToken;
    tokens.accessTokens.set(accessToken, {
      ...grant,
      expiresAt: Date.now() + ACCESS_TOKEN_TTL_SECONDS * 1000,
      refreshToken,
    });
    return c.json({
      access_token: accessToken,
      scope: grant.scopes.join(","),
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
      refresh_token: refreshToken,
      refresh_token_expires_in: REFRESH_TOKEN_TTL_SECONDS,
    });
  });

  return router;
}
