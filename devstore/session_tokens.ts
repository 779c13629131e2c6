/**
 * Session tokens as App Bridge gets them from the Shopify admin for an
 * embedded app: HS256 with the app's secret, one minute, the claims Shopify
 * sets. The dev store hands them to the embedded dashboard and to tests.
 */
import { SignJWT } from "jose";
import type { DevApp } from "./oauth.ts";

export const SESSION_TOKEN_TTL_SECONDS = 60;

export async function mintSessionToken(
  app: DevApp,
  shop: string,
  options: { staffUserId?: string; now?: Date } = {},
): Promise<string> {
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  return await new SignJWT({ dest: `https://${shop}`, sid: crypto.randomUUID() })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(`https://${shop}/admin`)
    .setAudience(app.apiKey)
    .setSubject(options.staffUserId ?? "42")
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + SESSION_TOKEN_TTL_SECONDS)
    .setJti(crypto.randomUUID())
    .sign(new TextEncoder().encode(app.apiSecret));
}
