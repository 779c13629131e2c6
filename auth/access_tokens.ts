/**
 * Short-lived access JWTs (HS256 via jose). The algorithm, issuer and audience
 * are pinned on verification; the key id in the header names the key, so a
 * new secret can be introduced while tokens signed with the old one expire.
 *
 * @example
 * ```ts
 * const tokens = createAccessTokens({ secret, issuer: "https://alatar.example.com" });
 * const { token } = await tokens.sign({ userId, sessionId });
 * await tokens.verify(token); // { userId, sessionId }
 * ```
 */
import { jwtVerify, SignJWT } from "jose";
import { sha256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";

export const ACCESS_TOKEN_AUDIENCE = "alatar-api";
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

export interface Viewer {
  userId: string;
  /**
   * The refresh-token family this access token belongs to (revoked by logout), or, for a
   * request that carried a Shopify session token, `shopify:<shop>` (no Alatar session).
   */
  sessionId: string;
}

/** How a viewer's `sessionId` starts when its request carried a Shopify session token. */
export const SHOPIFY_SESSION_PREFIX = "shopify:";

export interface AccessTokens {
  sign(viewer: Viewer): Promise<{ token: string; expiresAt: Date }>;
  /** Rejects with {@link InvalidAccessToken} for anything but a valid, current token. */
  verify(token: string): Promise<Viewer>;
}

export class InvalidAccessToken extends Error {
  override name = "InvalidAccessToken";
}

export function keyId(secret: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(secret))).slice(0, 16);
}

export function createAccessTokens(options: {
  secret: string;
  issuer: string;
  ttlSeconds?: number;
}): AccessTokens {
  const key = new TextEncoder().encode(options.secret);
  const kid = keyId(options.secret);
  const ttl = Math.min(options.ttlSeconds ?? ACCESS_TOKEN_TTL_SECONDS, ACCESS_TOKEN_TTL_SECONDS);

  return {
    async sign(viewer) {
      const expiresAt = new Date((Math.floor(Date.now() / 1000) + ttl) * 1000);
      const token = await new SignJWT({ sid: viewer.sessionId })
        .setProtectedHeader({ alg: "HS256", typ: "JWT", kid })
        .setSubject(viewer.userId)
        .setIssuer(options.issuer)
        .setAudience(ACCESS_TOKEN_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .setJti(crypto.randomUUID())
        .sign(key);
      return { token, expiresAt };
    },
    async verify(token) {
      try {
        const { payload, protectedHeader } = await jwtVerify(token, key, {
          algorithms: ["HS256"],
          issuer: options.issuer,
          audience: ACCESS_TOKEN_AUDIENCE,
          requiredClaims: ["sub", "exp", "iat"],
        });
        if (protectedHeader.kid !== kid) throw new Error("unknown key id");
        if (typeof payload.sid !== "string" || typeof payload.sub !== "string") {
          throw new Error("missing subject or session");
        }
        return { userId: payload.sub, sessionId: payload.sid };
      } catch (error) {
        throw new InvalidAccessToken(error instanceof Error ? error.message : "invalid token");
      }
    },
  };
}
