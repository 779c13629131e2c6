/**
 * Fixed-window rate limits counted in Postgres, so every API process shares
 * them. Keys are hashed: counters never hold an IP or e-mail address.
 *
 * @example
 * ```ts
 * const limiter = createRateLimiter(db);
 * const verdict = await limiter.hit("login:ip", ip, { limit: 30, windowSeconds: 300 });
 * if (!verdict.allowed) retryAfter(verdict.retryAfterSeconds);
 * ```
 */
import { sha256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";
import type { Database, Tx } from "../db/database.ts";

export interface Limit {
  limit: number;
  windowSeconds: number;
}

export interface RateLimits {
  loginPerIp: Limit;
  loginPerEmail: Limit;
  registerPerIp: Limit;
  resetPerIp: Limit;
  resetPerEmail: Limit;
  /** Every authenticated GraphQL request. */
  requestsPerUser: Limit;
  /** Every call to the Siri endpoints with one device token (an ask starts an analysis). */
  siriPerToken: Limit;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
  loginPerIp: { limit: 30, windowSeconds: 300 },
  loginPerEmail: { limit: 10, windowSeconds: 900 },
  registerPerIp: { limit: 10, windowSeconds: 3600 },
  resetPerIp: { limit: 10, windowSeconds: 3600 },
  resetPerEmail: { limit: 5, windowSeconds: 3600 },
  requestsPerUser: { limit: 1200, windowSeconds: 60 },
  siriPerToken: { limit: 30, windowSeconds: 60 },
};

export interface Verdict {
  allowed: boolean;
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Counts one hit; inside `tx` when given (saves a round trip), else on its own. */
  hit(scope: string, subject: string, limit: Limit, tx?: Tx): Promise<Verdict>;
}

/** Counter key for `subject` in `scope`; the subject is hashed, never stored. */
export function rateLimitKey(scope: string, subject: string): string {
  return `${scope}:${encodeHexLowerCase(sha256(new TextEncoder().encode(subject)))}`;
}

/**
 * The statement that counts one hit: a CTE body returning the counter's `hits`
 * and `window_started_at` (a window that has passed starts again at 1).
 * Shared with the per-request check, which runs it inside a larger statement.
 */
export function countHit(tx: Tx, key: string, windowSeconds: number) {
  const passed = tx`c.window_started_at <= now() - make_interval(secs => ${windowSeconds})`;
  return tx`
    insert into rate_limit_counters as c (key, window_started_at, hits)
    values (${key}, now(), 1)
    on conflict (key) do update set
      hits = case when ${passed} then 1 else c.hits + 1 end,
      window_started_at = case when ${passed} then now() else c.window_started_at end
    returning hits, window_started_at`;
}

/** Seconds until the counted window ends, computed on the database's clock. */
export function retryAfter(tx: Tx, windowSeconds: number) {
  return tx`ceil(extract(epoch from (window_started_at + make_interval(secs => ${windowSeconds}) - now())))::int`;
}

export function verdictOf(row: { hits: number; retry_after: number }, limit: number): Verdict {
  return { allowed: row.hits <= limit, retryAfterSeconds: Math.max(1, row.retry_after) };
}

export function createRateLimiter(db: Pick<Database, "withoutTenant">): RateLimiter {
  return {
    async hit(scope, subject, { limit, windowSeconds }, outer) {
      const key = rateLimitKey(scope, subject);
      const count = (tx: Tx) =>
        tx<{ hits: number; retry_after: number }[]>`
          with counted as (${countHit(tx, key, windowSeconds)})
          select hits, ${retryAfter(tx, windowSeconds)} as retry_after from counted`;
      const [row] = outer ? await count(outer) : await db.withoutTenant(count);
      return verdictOf(row!, limit);
    },
  };
}
