/**
 * A provider's published signing keys (Apple's and Google's JWKS), cached in
 * memory for `jose`'s `jwtVerify`.
 *
 * Unlike `jose`'s own remote key set, a stale cache is kept when the provider
 * cannot be reached: an outage at Apple or Google must not stop sign-in with
 * keys we already hold (a key that was revoked meanwhile is the lesser risk:
 * providers rotate, they do not revoke, and tokens live an hour at most).
 *
 * - fetched with a timeout, one fetch at a time (concurrent sign-ins share it);
 * - fresh for the response's `Cache-Control: max-age` (5 min to 24 h; 1 h without one);
 * - an unknown `kid` refetches (a rotation), at most once per cooldown, so a flood of tokens
 *   with made-up key ids cannot turn into a flood of requests to the provider;
 * - no keys and no answer: {@link KeySetUnavailable}, which sign-in reports as
 *   `EXTERNAL_SERVICE_ERROR`.
 */
import {
  createLocalJWKSet,
  type CryptoKey,
  errors,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWTHeaderParameters,
} from "jose";
import type { Logger } from "../log/logger.ts";

export class KeySetUnavailable extends Error {
  constructor(url: string, cause: unknown) {
    super(`The signing keys at ${url} could not be fetched`, { cause });
    this.name = "KeySetUnavailable";
  }
}

export interface KeySetOptions {
  url: string;
  log: Logger;
  /** Per fetch (default 5 s). */
  timeoutMs?: number;
  /** The least time between two fetches after the first (default 30 s). */
  cooldownMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

export interface KeySet {
  /** For `jwtVerify(token, keySet.getKey, …)`. */
  getKey(header: JWTHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey>;
  /** How many fetches were tried (for tests and the benchmark). */
  readonly fetches: number;
}

const MIN_AGE_MS = 5 * 60_000;
const MAX_AGE_MS = 24 * 3600_000;
const DEFAULT_AGE_MS = 3600_000;

/** How long an answer stays fresh, from its Cache-Control header. */
export function freshFor(cacheControl: string | null): number {
  const maxAge = /(?:^|,)\s*max-age=(\d+)/i.exec(cacheControl ?? "");
  if (!maxAge) return DEFAULT_AGE_MS;
  return Math.min(MAX_AGE_MS, Math.max(MIN_AGE_MS, Number(maxAge[1]) * 1000));
}

export function createKeySet(options: KeySetOptions): KeySet {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 5000;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const fetchImpl = options.fetch ?? fetch;
  let local: ReturnType<typeof createLocalJWKSet> | null = null;
  let freshUntil = 0;
  let lastAttempt = Number.NEGATIVE_INFINITY;
  let pending: Promise<void> | null = null;
  let fetches = 0;

  async function load(): Promise<void> {
    lastAttempt = now();
    fetches++;
    const response = await fetchImpl(options.url, {
      headers: { accept: "application/json" },
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`answered HTTP ${response.status}`);
    }
    const jwks = await response.json() as JSONWebKeySet;
    if (!Array.isArray(jwks?.keys)) throw new Error("the answer is not a JSON Web Key Set");
    local = createLocalJWKSet(jwks);
    freshUntil = now() + freshFor(response.headers.get("cache-control"));
  }

  /** One fetch at a time; a failure leaves the keys held (if any) in place. */
  function refresh(): Promise<void> {
    pending ??= load().finally(() => pending = null);
    return pending;
  }

  const canFetch = () => now() - lastAttempt >= cooldownMs;

  return {
    get fetches() {
      return fetches;
    },
    async getKey(header, token) {
      if (!local) {
        if (!canFetch() && !pending) {
          throw new KeySetUnavailable(options.url, new Error("the last fetch failed moments ago"));
        }
        try {
          await refresh();
        } catch (error) {
          throw new KeySetUnavailable(options.url, error);
        }
      } else if (now() >= freshUntil && (canFetch() || pending)) {
        await refresh().catch((error) =>
          options.log.warn("signing keys not refreshed; using the ones held", {
            url: options.url,
            error: String(error),
          })
        );
      }
      try {
        return await local!(header, token);
      } catch (error) {
        // A key id we do not hold: the provider may have rotated. Look again, not too often.
        if (!(error instanceof errors.JWKSNoMatchingKey) || !(canFetch() || pending)) throw error;
        await refresh().catch((fetchError) =>
          options.log.warn("signing keys not refreshed for an unknown key id", {
            url: options.url,
            error: String(fetchError),
          })
        );
        return await local!(header, token);
      }
    },
  };
}
