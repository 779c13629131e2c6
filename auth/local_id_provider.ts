/**
 * A local stand-in for Sign in with Apple and Sign in with Google: it
 * publishes a JWKS over HTTP as the providers do and signs ID tokens with the
 * header and claims each provider puts in them, so the verifier that talks to
 * appleid.apple.com or googleapis.com is exactly what tests exercise. It can
 * rotate its key, go down, and count how often its keys were fetched.
 */
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { DEFAULT_JWKS_URLS, ISSUERS, type LoginProvider, sha256Hex } from "./platform_tokens.ts";

export interface LocalIdProvider {
  provider: LoginProvider;
  /** Where its JWKS is served (Apple's or Google's path, on localhost). */
  jwksUrl: string;
  /** An ID token as the provider issues it; `claims` override or add to its usual claims. */
  sign(options: {
    audience: string;
    subject: string;
    email?: string | null;
    /** Apple: the raw nonce the app generated (the token carries its SHA-256). */
    nonce?: string;
    claims?: Record<string, unknown>;
    /** Seconds from now the token was issued (negative: in the past). */
    issuedAt?: number;
  }): Promise<string>;
  /** A new signing key, published next to the old one (as providers roll keys over). */
  rotate(options?: { dropOld?: boolean }): Promise<void>;
  /** Its public key's JWK, for tests that sign with it in ways the provider never would. */
  publicJwk(): JWK;
  /** While down, the JWKS endpoint answers 503. */
  setDown(down: boolean): void;
  readonly fetches: number;
  close(): Promise<void>;
}

interface SigningKey {
  kid: string;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
  jwk: JWK;
}

async function newKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = crypto.randomUUID().replaceAll("-", "").slice(0, 16);
  return {
    kid,
    privateKey,
    jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" },
  };
}

export async function startLocalIdProvider(
  provider: LoginProvider,
  options: { port?: number } = {},
): Promise<LocalIdProvider> {
  let keys = [await newKey()];
  let down = false;
  let fetches = 0;
  const path = new URL(DEFAULT_JWKS_URLS[provider]).pathname;
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    onListen: () => {},
  }, (request) => {
    if (new URL(request.url).pathname !== path) return new Response("Not found", { status: 404 });
    fetches++;
    if (down) return new Response("Service unavailable", { status: 503 });
    return Response.json({ keys: keys.map((k) => k.jwk) }, {
      headers: { "cache-control": "public, max-age=21600, must-revalidate" },
    });
  });
  const jwksUrl = `http://127.0.0.1:${server.addr.port}${path}`;

  return {
    provider,
    jwksUrl,
    async sign({ audience, subject, email, nonce, claims = {}, issuedAt = 0 }) {
      const key = keys.at(-1)!;
      const iat = Math.floor(Date.now() / 1000) + issuedAt;
      const common = { iss: ISSUERS[provider][0], aud: audience, sub: subject, iat };
      const payload = provider === "apple"
        ? {
          ...common,
          exp: iat + 600,
          auth_time: iat,
          c_hash: "local",
          nonce_supported: true,
          ...(nonce ? { nonce: await sha256Hex(nonce) } : {}),
          ...(email
            ? {
              email,
              email_verified: "true",
              ...(email.endsWith("@privaterelay.appleid.com") ? { is_private_email: "true" } : {}),
            }
            : {}),
        }
        : {
          ...common,
          exp: iat + 3600,
          azp: audience,
          at_hash: "local",
          ...(email ? { email, email_verified: true, name: "Local Google User" } : {}),
        };
      return await new SignJWT({ ...payload, ...claims })
        .setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "JWT" })
        .sign(key.privateKey);
    },
    async rotate({ dropOld = false } = {}) {
      const fresh = await newKey();
      keys = dropOld ? [fresh] : [...keys, fresh];
    },
    publicJwk: () => keys.at(-1)!.jwk,
    setDown(value) {
      down = value;
    },
    get fetches() {
      return fetches;
    },
    close: () => server.shutdown(),
  };
}
