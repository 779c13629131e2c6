/**
 * Shopify's HMAC signatures, both sides of them: our app verifies OAuth
 * redirects and webhooks, the dev store signs them the same way.
 *
 * OAuth redirect: every query parameter except `hmac` and `signature`, sorted
 * by key, as `key=value` joined with `&` (with `%`, `&` and, in keys, `=`
 * escaped), HMAC-SHA256 with the app secret, hex.
 * Webhook: HMAC-SHA256 of the raw request body, base64, in
 * `X-Shopify-Hmac-Sha256`.
 *
 * @example
 * ```ts
 * const query = new URLSearchParams(callbackUrl.search);
 * verifyOAuthQuery(query, secret, { now: Date.now() }); // { ok: true } or { ok: false, reason }
 * ```
 */
import { hmac } from "@oslojs/crypto/hmac";
import { SHA256 } from "@oslojs/crypto/sha2";
import { constantTimeEqual } from "@oslojs/crypto/subtle";
import { decodeBase64, decodeHex, encodeBase64, encodeHexLowerCase } from "@oslojs/encoding";

const encoder = new TextEncoder();

/** Shopify lets the callback's timestamp be this far from our clock. */
export const OAUTH_MAX_AGE_SECONDS = 300;

export const SHOP_DOMAIN = /^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$/;

function escape(value: string, isKey: boolean): string {
  const escaped = value.replaceAll("%", "%25").replaceAll("&", "%26");
  return isKey ? escaped.replaceAll("=", "%3D") : escaped;
}

/** The message Shopify signs for an OAuth redirect. */
export function oauthMessage(params: URLSearchParams): string {
  return [...params.entries()]
    .filter(([key]) => key !== "hmac" && key !== "signature")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${escape(key, true)}=${escape(value, false)}`)
    .join("&");
}

export function signOAuthQuery(params: URLSearchParams, secret: string): string {
  return encodeHexLowerCase(
    hmac(SHA256, encoder.encode(secret), encoder.encode(oauthMessage(params))),
  );
}

export type Verdict = { ok: true } | { ok: false; reason: string };

/** Checks an OAuth redirect's signature, its timestamp and its shop. */
export function verifyOAuthQuery(
  params: URLSearchParams,
  secret: string,
  options: { now: number; maxAgeSeconds?: number },
): Verdict {
  const given = params.get("hmac");
  if (!given || params.getAll("hmac").length !== 1) {
    return { ok: false, reason: "missing signature" };
  }
  let givenBytes: Uint8Array;
  try {
    givenBytes = decodeHex(given.toLowerCase());
  } catch {
    return { ok: false, reason: "malformed signature" };
  }
  const expected = hmac(SHA256, encoder.encode(secret), encoder.encode(oauthMessage(params)));
  if (!constantTimeEqual(givenBytes, expected)) return { ok: false, reason: "signature mismatch" };
  const timestamp = Number(params.get("timestamp"));
  const maxAge = options.maxAgeSeconds ?? OAUTH_MAX_AGE_SECONDS;
  if (!Number.isInteger(timestamp) || Math.abs(options.now / 1000 - timestamp) > maxAge) {
    return { ok: false, reason: "stale timestamp" };
  }
  if (!SHOP_DOMAIN.test(params.get("shop") ?? "")) return { ok: false, reason: "invalid shop" };
  return { ok: true };
}

export function signWebhook(rawBody: Uint8Array, secret: string): string {
  return encodeBase64(hmac(SHA256, encoder.encode(secret), rawBody));
}

export function verifyWebhook(
  rawBody: Uint8Array,
  header: string | null | undefined,
  secret: string,
): boolean {
  if (!header) return false;
  let given: Uint8Array;
  try {
    given = decodeBase64(header);
  } catch {
    return false;
  }
  return constantTimeEqual(given, hmac(SHA256, encoder.encode(secret), rawBody));
}
