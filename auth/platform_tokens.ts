/**
 * Verifies the ID tokens of Sign in with Apple and Sign in with Google, as
 * each provider documents them: signature by a key from the provider's JWKS,
 * algorithm from an allow-list (never `none`, never HMAC, whose "secret" an
 * attacker could take from the public key), issuer, audience among our client
 * ids, expiry and issue time with a minute's leeway, and for Apple the nonce
 * (the app sends us the raw nonce; the token carries its SHA-256 in hex).
 *
 * The identity is the provider's `sub`, never the e-mail: an address can
 * change hands, a subject cannot.
 */
import { encodeHexLowerCase } from "@oslojs/encoding";
import { errors, jwtVerify } from "jose";
import { z } from "zod";
import { DEFAULT_JWKS_URLS } from "../config/config.ts";
import type { Logger } from "../log/logger.ts";
import { createKeySet, type KeySet, KeySetUnavailable } from "./key_set.ts";
import { fail, ok, type Outcome } from "./user_errors.ts";

export type LoginProvider = "apple" | "google";
export { DEFAULT_JWKS_URLS };

export const ISSUERS: Record<LoginProvider, string[]> = {
  apple: ["https://appleid.apple.com"],
  // Google documents both spellings of its issuer.
  google: ["https://accounts.google.com", "accounts.google.com"],
};

const ALGORITHMS = ["RS256", "ES256"];
const LEEWAY_SECONDS = 60;
/** Apple's tokens live 10 minutes, Google's an hour: older than that is not a fresh sign-in. */
const MAX_TOKEN_AGE = "1h";

export interface PlatformIdentity {
  provider: LoginProvider;
  /** The provider's stable id of the person. */
  subject: string;
  email: string | null;
  /** The provider asserts the person controls `email`. */
  emailVerified: boolean;
  /** An Apple "Hide My Email" relay address. */
  privateEmail: boolean;
  /** Apple: the SHA-256 of the nonce, which a sign-in may use once. */
  nonceHash: string | null;
  expiresAt: Date;
}

/** Apple writes booleans as "true"/"false" strings in some tokens, as JSON booleans in others. */
const looseBoolean = z.union([
  z.boolean(),
  z.enum(["true", "false"]).transform((v) => v === "true"),
])
  .optional();

const Claims = z.object({
  sub: z.string().min(1).max(255),
  exp: z.number(),
  email: z.string().min(3).max(254).optional(),
  email_verified: looseBoolean,
  is_private_email: looseBoolean,
  nonce: z.string().max(255).optional(),
});

export interface IdTokenVerifier {
  provider: LoginProvider;
  /** `nonce` is required for Apple (the raw value the app generated). */
  verify(idToken: string, nonce?: string | null): Promise<Outcome<PlatformIdentity>>;
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return encodeHexLowerCase(new Uint8Array(digest));
}

const NAMES: Record<LoginProvider, string> = { apple: "Apple", google: "Google" };

export function createIdTokenVerifier(options: {
  provider: LoginProvider;
  /** Our app's client ids at the provider (the `aud` we accept); none: sign-in is off. */
  clientIds: readonly string[];
  keySet: KeySet;
  now?: () => Date;
}): IdTokenVerifier {
  const { provider, clientIds, keySet } = options;
  const name = NAMES[provider];
  const refused = (why: string) =>
    fail("INVALID_INPUT", `This ${name} sign-in could not be verified: ${why}`, {
      field: "idToken",
    });
  return {
    provider,
    async verify(idToken, nonce) {
      if (clientIds.length === 0) {
        return fail("PERMISSION_DENIED", `Sign in with ${name} is not set up on this server.`);
      }
      if (provider === "apple" && !nonce) {
        return fail("INVALID_INPUT", "Send the nonce the app generated for this sign-in.", {
          field: "nonce",
        });
      }
      let payload;
      try {
        ({ payload } = await jwtVerify(idToken, keySet.getKey, {
          algorithms: ALGORITHMS,
          issuer: ISSUERS[provider],
          audience: [...clientIds],
          clockTolerance: LEEWAY_SECONDS,
          maxTokenAge: MAX_TOKEN_AGE,
          requiredClaims: ["sub", "iat", "exp"],
          ...(options.now ? { currentDate: options.now() } : {}),
        }));
      } catch (error) {
        if (error instanceof KeySetUnavailable) {
          return fail(
            "EXTERNAL_SERVICE_ERROR",
            `${name}'s signing keys cannot be reached right now. Try again in a minute.`,
          );
        }
        return refused(reasonOf(error));
      }
      const claims = Claims.safeParse(payload);
      if (!claims.success) return refused("its claims are not what the provider sends.");
      const c = claims.data;
      let nonceHash: string | null = null;
      if (provider === "apple") {
        nonceHash = await sha256Hex(nonce!);
        if (c.nonce !== nonceHash) return refused("the nonce does not match.");
      }
      return ok({
        provider,
        subject: c.sub,
        email: c.email ?? null,
        emailVerified: c.email_verified === true,
        privateEmail: c.is_private_email === true,
        nonceHash,
        expiresAt: new Date(c.exp * 1000),
      });
    },
  };
}

/** Why jose refused a token, in words a client developer can act on (no token contents). */
function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "it has expired. Sign in again.";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "aud") return "it was issued for another app.";
    if (error.claim === "iss") return "it was not issued by the provider.";
    if (error.claim === "iat") return "it was issued too long ago, or in the future.";
    return `its ${error.claim} claim is not valid.`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return "it is signed with an algorithm not allowed.";
  }
  if (error instanceof errors.JWKSNoMatchingKey) return "it is signed with an unknown key.";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "its signature is not valid.";
  return "it is not a valid ID token.";
}

export interface PlatformLoginSettings {
  /** Audiences accepted (the app's bundle id / services id; Google's OAuth client ids). */
  clientIds: string[];
  jwksUrl: string;
}

/** One verifier per provider, each with its own cached key set. */
export function createIdTokenVerifiers(
  settings: Record<LoginProvider, PlatformLoginSettings>,
  log: Logger,
): Record<LoginProvider, IdTokenVerifier> {
  const verifier = (provider: LoginProvider) =>
    createIdTokenVerifier({
      provider,
      clientIds: settings[provider].clientIds,
      keySet: createKeySet({ url: settings[provider].jwksUrl, log }),
    });
  return { apple: verifier("apple"), google: verifier("google") };
}

/** Sign in with Apple and Google switched off (no client ids): what benchmarks and tests get. */
export const NO_PLATFORM_LOGINS: Record<LoginProvider, PlatformLoginSettings> = {
  apple: { clientIds: [], jwksUrl: DEFAULT_JWKS_URLS.apple },
  google: { clientIds: [], jwksUrl: DEFAULT_JWKS_URLS.google },
};
