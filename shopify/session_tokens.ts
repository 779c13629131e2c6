/**
 * Shopify session tokens: what App Bridge puts in `Authorization: Bearer` for
 * a page embedded in the Shopify admin (the dashboard, issue #13). An HS256
 * JWT signed with the app's secret, living one minute:
 *
 *   { iss: "https://{shop}/admin", dest: "https://{shop}", aud: <api key>,
 *     sub: <staff user id>, exp, nbf, iat, jti, sid }
 *
 * Verified for algorithm (HS256 only), signature, audience, time (with 10 s of
 * leeway, as Shopify's own libraries allow) and issuer: `iss` and `dest` must
 * name the same shop, a `*.myshopify.com` domain.
 *
 * @example
 * ```ts
 * const claims = await verifySessionToken(token, { apiKey, apiSecret });
 * claims.shop; // "alatar-demo.myshopify.com"
 * ```
 */
import { errors, jwtVerify } from "jose";
import { z } from "zod";

export const SESSION_TOKEN_LEEWAY_SECONDS = 10;

const SHOP = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

const Claims = z.object({
  iss: z.string(),
  dest: z.string(),
  sub: z.string().optional(),
  sid: z.string().optional(),
});

export interface SessionTokenClaims {
  /** The shop's myshopify domain. */
  shop: string;
  /** The staff member's Shopify user id, when the token names one. */
  shopifyUserId: string | null;
}

/** Says why a token was refused, never the token. */
export class SessionTokenError extends Error {
  override name = "SessionTokenError";
}

export async function verifySessionToken(
  token: string,
  app: { apiKey: string; apiSecret: string },
  now: Date = new Date(),
): Promise<SessionTokenClaims> {
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, new TextEncoder().encode(app.apiSecret), {
      algorithms: ["HS256"],
      audience: app.apiKey,
      clockTolerance: SESSION_TOKEN_LEEWAY_SECONDS,
      currentDate: now,
      requiredClaims: ["exp", "nbf", "iss", "aud"],
    }));
  } catch (error) {
    throw new SessionTokenError(reasonOf(error));
  }
  const claims = Claims.safeParse(payload);
  if (!claims.success) throw new SessionTokenError("the session token lacks iss or dest");
  const issuer = /^https:\/\/([^/]+)\/admin$/.exec(claims.data.iss)?.[1];
  const destination = /^https:\/\/([^/]+)$/.exec(claims.data.dest)?.[1];
  if (!issuer || !SHOP.test(issuer)) {
    throw new SessionTokenError("the session token's issuer is not a shop's admin");
  }
  if (destination !== issuer) {
    throw new SessionTokenError("the session token's issuer and destination name different shops");
  }
  return { shop: issuer, shopifyUserId: claims.data.sub ?? null };
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "the session token has expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    return error.claim === "aud"
      ? "the session token is for another app"
      : error.claim === "nbf"
      ? "the session token is not valid yet"
      : `the session token's ${error.claim} claim is missing or wrong`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return "the session token is not signed with HS256";
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return "the session token's signature does not match the app's secret";
  }
  return "the session token is malformed";
}
