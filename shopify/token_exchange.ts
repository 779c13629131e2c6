/**
 * Token exchange: how an embedded app gets a store's access token without the
 * OAuth redirect. The dashboard's first open of a shop sends App Bridge's
 * session token; we trade it at the shop's token endpoint for an expiring
 * offline access token (with its refresh token), as Shopify's managed install
 * expects. The session token is verified first (shopify/session_tokens.ts):
 * the shop it names is the shop asked, never one taken from the request.
 */
import { fail, ok, type Outcome } from "../auth/user_errors.ts";
import {
  postTokenEndpoint,
  type ShopifyLinkDeps,
  type ShopifyTokens,
  TokenResponse,
} from "./oauth.ts";
import { SessionTokenError, verifySessionToken } from "./session_tokens.ts";

export const TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
export const ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token";
export const OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token";

export interface ExchangedShop {
  shop: string;
  tokens: ShopifyTokens;
  scopes: string[];
}

export async function exchangeSessionToken(
  deps: Pick<ShopifyLinkDeps, "shopify" | "log">,
  sessionToken: string,
): Promise<Outcome<ExchangedShop>> {
  let shop: string;
  try {
    shop = (await verifySessionToken(sessionToken, deps.shopify)).shop;
  } catch (error) {
    const reason = error instanceof SessionTokenError ? error.message : "invalid session token";
    deps.log.warn("security: Shopify session token refused", { reason });
    return fail("AUTHENTICATION_REQUIRED", `Open Alatar from the Shopify admin again (${reason}).`);
  }
  const answer = await postTokenEndpoint(deps, shop, {
    grant_type: TOKEN_EXCHANGE_GRANT,
    subject_token: sessionToken,
    subject_token_type: ID_TOKEN_TYPE,
    requested_token_type: OFFLINE_TOKEN_TYPE,
    expiring: 1,
  });
  const parsed = TokenResponse.safeParse(answer.body);
  if (answer.status === 200 && parsed.success) {
    const scopes = parsed.data.scope.split(",").map((s) => s.trim()).filter(Boolean);
    return ok({ shop, tokens: parsed.data, scopes });
  }
  const detail = answer.failure ?? `HTTP ${answer.status} ${answer.body?.error ?? ""}`.trim();
  deps.log.warn("Shopify token exchange failed", { shop, detail });
  return fail("EXTERNAL_SERVICE_ERROR", "Shopify did not grant access to the store; try again.");
}
