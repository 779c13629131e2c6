/**
 * APNs token-based authentication: the provider token is an ES256 JWT signed
 * with the team's .p8 key, `kid` the key id and `iss` the team id, `iat` its
 * issue time. Apple rejects one older than an hour and throttles one made
 * more often than every 20 minutes, so one token is reused and replaced after
 * 50 minutes.
 *
 * @example
 * ```ts
 * const tokens = await createProviderTokens({ keyId, teamId, privateKeyPem });
 * headers.authorization = `bearer ${await tokens.current()}`;
 * ```
 */
import { importPKCS8, SignJWT } from "jose";

/** A token is replaced after this long (Apple: at most an hour, at least 20 minutes apart). */
export const PROVIDER_TOKEN_TTL_MS = 50 * 60_000;

export interface ApnsCredentials {
  keyId: string;
  teamId: string;
  /** The .p8 file's PEM (PKCS#8, P-256). */
  privateKeyPem: string;
}

export interface ProviderTokens {
  /** The current token, made anew once it is older than {@link PROVIDER_TOKEN_TTL_MS}. */
  current(): Promise<string>;
  /** Drops the current token (APNs answered ExpiredProviderToken). */
  renew(): void;
}

export async function createProviderTokens(
  credentials: ApnsCredentials,
  now: () => number = Date.now,
): Promise<ProviderTokens> {
  const key = await importPKCS8(credentials.privateKeyPem, "ES256");
  let cached: { token: Promise<string>; madeAt: number } | null = null;
  return {
    current() {
      const at = now();
      if (!cached || at - cached.madeAt >= PROVIDER_TOKEN_TTL_MS) {
        const token = new SignJWT({})
          .setProtectedHeader({ alg: "ES256", kid: credentials.keyId })
          .setIssuer(credentials.teamId)
          .setIssuedAt(Math.floor(at / 1000))
          .sign(key);
        cached = { token, madeAt: at };
        // A failed signing is not kept: the next call tries again.
        token.catch(() => (cached = null));
      }
      return cached.token;
    },
    renew() {
      cached = null;
    },
  };
}
