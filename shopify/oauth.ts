/**
 * Linking a Shopify store (authorization code grant, non-embedded app).
 *
 * `startShopifyOAuth` validates the shop and stores a single-use, hashed,
 * ten-minute `state` bound to the user and the shop; the merchant approves at
 * the returned address. `completeShopifyOAuth` takes the callback's query
 * string and checks, in order, the HMAC, the timestamp, the shop and the
 * state, then exchanges the code for expiring offline tokens and stores them
 * encrypted. Nothing is written for the account until every check and the
 * exchange have passed, so a failure leaves no half-linked store.
 */
import { sha256 } from "@oslojs/crypto/sha2";
import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import { z } from "zod";
import type { Viewer } from "../auth/access_tokens.ts";
import type { TokenCipher } from "../auth/token_cipher.ts";
import { fail, ok, type Outcome } from "../auth/user_errors.ts";
import type { Config } from "../config/config.ts";
import type { Database, Tx } from "../db/database.ts";
import { adminUrl } from "./admin_url.ts";
import type { Logger } from "../log/logger.ts";
import { SHOP_DOMAIN, verifyOAuthQuery } from "./signatures.ts";
import type { Enqueuer } from "../jobs/enqueue.ts";

export const STATE_TTL_MINUTES = 10;
export const TOKEN_EXCHANGE_TIMEOUT_MS = 10_000;

export interface ShopifyLinkDeps {
  db: Database;
  cipher: TokenCipher;
  shopify: Pick<
    Config["shopify"],
    "apiKey" | "apiSecret" | "scopes" | "adminBaseUrl" | "apiVersion"
  >;
  /** Our public address: the OAuth redirect goes to `${appUrl}/auth/shopify/callback`. */
  appUrl: string;
  log: Logger;
  /** Linking queues the store's import in the same transaction. */
  boss: Enqueuer;
}

export interface LinkedStore {
  id: string;
  shop: string;
  scopes: string[];
  /** Set by "Log in with Shopify": the account to sign in. */
  signIn?: string;
}

const hashState = (state: string) => sha256(new TextEncoder().encode(state));

/**
 * `viewer` null starts "Log in with Shopify": the state names no user, and
 * completing it signs in (or creates) the account that belongs to the shop.
 */
export async function startShopifyOAuth(
  deps: ShopifyLinkDeps,
  viewer: Viewer | null,
  shopInput: string,
): Promise<Outcome<{ authorizationUrl: string }>> {
  const shop = shopInput.trim().toLowerCase();
  if (shop.length > 255 || !SHOP_DOMAIN.test(shop)) {
    return fail(
      "INVALID_INPUT",
      "Enter the store's myshopify.com address, e.g. my-shop.myshopify.com.",
      {
        field: "shop",
      },
    );
  }
  const state = encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(32)));
  const insert = (tx: Tx, userId: string | null) =>
    tx`insert into shopify_oauth_states (state_hash, user_id, shop, expires_at)
       values (${
      hashState(state)
    }, ${userId}, ${shop}, now() + make_interval(mins => ${STATE_TTL_MINUTES}))`;
  if (viewer) await deps.db.withTenant(viewer.userId, (tx) => insert(tx, viewer.userId));
  else await deps.db.withSystem("start a Log in with Shopify flow", (tx) => insert(tx, null));
  const url = new URL(adminUrl(deps.shopify.adminBaseUrl, shop, "/admin/oauth/authorize"));
  url.searchParams.set("client_id", deps.shopify.apiKey);
  url.searchParams.set("scope", deps.shopify.scopes.join(","));
  url.searchParams.set("redirect_uri", `${deps.appUrl}/auth/shopify/callback`);
  url.searchParams.set("state", state);
  return ok({ authorizationUrl: url.toString() });
}

export const TokenResponse = z.object({
  access_token: z.string().min(10),
  scope: z.string(),
  expires_in: z.number().int().positive().optional(),
  refresh_token: z.string().min(10).optional(),
  refresh_token_expires_in: z.number().int().positive().optional(),
});

export const RESTART = "Start linking the store again.";

/** A callback Shopify signed, its state consumed, its code exchanged for tokens. */
export interface AuthorizedShop {
  shop: string;
  tokens: ShopifyTokens;
  scopes: string[];
  /** Who started the flow; null for "Log in with Shopify". */
  startedBy: string | null;
}

export type ShopifyTokens = z.infer<typeof TokenResponse>;

/**
 * Checks the callback's whole query string (signature, timestamp, a live state
 * for this shop) and exchanges its code. `viewer` is the signed-in caller of
 * the GraphQL mutation, or null for the browser redirect, where the state alone
 * says whose flow it is.
 */
export async function authorizeCallback(
  deps: ShopifyLinkDeps,
  query: string,
  viewer: Viewer | null,
): Promise<Outcome<AuthorizedShop>> {
  const params = new URLSearchParams(query.replace(/^\?/, ""));
  const verdict = verifyOAuthQuery(params, deps.shopify.apiSecret, { now: Date.now() });
  if (!verdict.ok) {
    deps.log.warn("security: Shopify OAuth callback refused", { reason: verdict.reason });
    return fail(
      "INVALID_INPUT",
      `This authorization could not be verified (${verdict.reason}). ${RESTART}`,
      {
        field: "query",
      },
    );
  }
  const shop = params.get("shop")!;
  // The callback names no user: consuming its state is the one cross-tenant step here.
  // Read then mark (no RETURNING): a used state is, by policy, no longer visible.
  const state = await deps.db.withSystem("consume a Shopify OAuth state", async (tx) => {
    const stateHash = hashState(params.get("state") ?? "");
    const [live] = await tx<{ user_id: string }[]>`
      select user_id from shopify_oauth_states
      where state_hash = ${stateHash} and shop = ${shop} and used_at is null and expires_at > now()
      for update`;
    if (!live) return null;
    await tx`update shopify_oauth_states set used_at = now() where state_hash = ${stateHash}`;
    return live;
  });
  if (!state) {
    return fail("INVALID_INPUT", `This authorization expired or was already used. ${RESTART}`, {
      field: "query",
    });
  }
  if (state.user_id && viewer && viewer.userId !== state.user_id) {
    return fail("PERMISSION_DENIED", "This authorization was started by another account.");
  }

  const exchanged = await exchangeCode(deps, shop, params.get("code") ?? "");
  if (!exchanged.ok) return exchanged;
  const tokens = exchanged.value;
  const scopes = tokens.scope.split(",").map((s) => s.trim()).filter(Boolean);

  return ok({ shop, tokens, scopes, startedBy: state.user_id });
}

/**
 * POSTs to the shop's token endpoint with the app's credentials (code exchange
 * and refresh share this). Network failures and timeouts come back as
 * `{ status: 0 }`; the body is null when it was not JSON.
 */
export async function postTokenEndpoint(
  deps: Pick<ShopifyLinkDeps, "shopify">,
  shop: string,
  fields: Record<string, string | number>,
): Promise<{ status: number; body: Record<string, unknown> | null; failure?: string }> {
  try {
    const response = await fetch(
      adminUrl(deps.shopify.adminBaseUrl, shop, "/admin/oauth/access_token"),
      {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({
          client_id: deps.shopify.apiKey,
          client_secret: deps.shopify.apiSecret,
          ...fields,
        }),
        signal: AbortSignal.timeout(TOKEN_EXCHANGE_TIMEOUT_MS),
      },
    );
    return { status: response.status, body: await response.json().catch(() => null) };
  } catch (error) {
    return {
      status: 0,
      body: null,
      failure: error instanceof Error ? error.name : "network error",
    };
  }
}

async function exchangeCode(
  deps: ShopifyLinkDeps,
  shop: string,
  code: string,
): Promise<Outcome<z.infer<typeof TokenResponse>>> {
  const answer = await postTokenEndpoint(deps, shop, { code, expiring: 1 });
  const parsed = TokenResponse.safeParse(answer.body);
  if (answer.status === 200 && parsed.success) return ok(parsed.data);
  const detail = answer.failure ??
    (answer.status === 200
      ? "unexpected token response"
      : `HTTP ${answer.status} ${answer.body?.error ?? ""}`.trim());
  deps.log.warn("Shopify token exchange failed", { shop, detail });
  return fail("EXTERNAL_SERVICE_ERROR", `Shopify did not complete the authorization. ${RESTART}`);
}
