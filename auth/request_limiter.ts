/**
 * The per-user limit on authenticated requests, without a database write per
 * request. Each API process leases a share of a user's budget from the shared
 * counter in `rate_limit_counters` (one write reserves up to 5 % of the limit
 * for this process) and then serves that user's requests from memory until
 * the lease is spent or the window ends. The database grants at most what is
 * left of the window's limit, so every process together never lets more than
 * the limit through; near the limit the leases shrink to one request each.
 *
 * A process that stops returns what it has not used (`close`); one that
 * crashes keeps its lease out of everyone's budget until the window ends.
 *
 * @example
 * ```ts
 * const limiter = createRequestLimiter(db, { limit: 1200, windowSeconds: 60 });
 * const verdict = await limiter.hit(userId);
 * ```
 */
import type { Database } from "../db/database.ts";
import { type Limit, rateLimitKey, type Verdict } from "./rate_limit.ts";

export interface RequestLimiter {
  /** Counts one request of `userId`; resolves at once while this process holds a lease. */
  hit(userId: string): Promise<Verdict>;
  /** Gives back what this process leased and did not use. */
  close(): Promise<void>;
}

interface Lease {
  /** Hits this process reserved in the current window, and how many it used. */
  leased: number;
  used: number;
  /** When the window ends, on this process's clock. */
  endsAt: number;
  /** The database had nothing left to grant in this window. */
  exhausted: boolean;
}

const refused = (lease: Lease): Verdict => ({
  allowed: false,
  retryAfterSeconds: Math.max(1, Math.ceil((lease.endsAt - Date.now()) / 1000)),
});

/** One lease is this share of the limit (at least one request). */
const LEASE_SHARE = 0.05;

export function createRequestLimiter(
  db: Pick<Database, "withoutTenant">,
  limit: Limit,
): RequestLimiter {
  const want = Math.max(1, Math.ceil(limit.limit * LEASE_SHARE));
  const leases = new Map<string, Lease>();
  /** One lease request per user at a time: concurrent hits wait for it rather than each asking. */
  const asking = new Map<string, Promise<Lease>>();

  async function lease(key: string): Promise<Lease> {
    const [row] = await db.withoutTenant((tx) =>
      tx<{ granted: number; retry_after: number }[]>`
        with current as (
          select hits, window_started_at <= now() - make_interval(secs => ${limit.windowSeconds})
                 as passed
          from rate_limit_counters where key = ${key}),
        grant_ as (
          select least(${want}, greatest(0, ${limit.limit} - coalesce(
            (select case when passed then 0 else hits end from current), 0))) as n),
        counted as (
          insert into rate_limit_counters as c (key, window_started_at, hits)
          values (${key}, now(), (select n from grant_))
          on conflict (key) do update set
            hits = case when c.window_started_at <= now() - make_interval(secs => ${limit.windowSeconds})
                   then (select n from grant_) else c.hits + (select n from grant_) end,
            window_started_at = case
              when c.window_started_at <= now() - make_interval(secs => ${limit.windowSeconds})
              then now() else c.window_started_at end
          returning window_started_at)
        select (select n from grant_) as granted,
               ceil(extract(epoch from (window_started_at
                 + make_interval(secs => ${limit.windowSeconds}) - now())))::int as retry_after
        -- A lost lease costs nothing but budget: the commit need not wait for the disk.
        from counted, (select set_config('synchronous_commit', 'off', true)) as no_wait`
    );
    return {
      leased: row!.granted,
      used: 0,
      endsAt: Date.now() + row!.retry_after * 1000,
      exhausted: row!.granted === 0,
    };
  }

  return {
    async hit(userId) {
      const key = rateLimitKey("user", userId);
      for (;;) {
        let current = leases.get(key);
        if (current && current.endsAt <= Date.now()) {
          leases.delete(key);
          current = undefined;
        }
        if (current && current.used < current.leased) {
          current.used++;
          return { allowed: true, retryAfterSeconds: 0 };
        }
        // Refused until the window ends, without asking again: a client hammering past its
        // limit costs no writes.
        if (current?.exhausted) return refused(current);
        const pending = asking.get(key);
        if (pending) {
          await pending;
          continue;
        }
        const asked = lease(key).finally(() => asking.delete(key));
        asking.set(key, asked);
        const fresh = await asked;
        // What is left of an earlier lease in the same window stays counted in the database.
        const merged = {
          leased: fresh.leased + (current ? current.leased : 0),
          used: current ? current.used : 0,
          endsAt: fresh.endsAt,
          exhausted: fresh.leased === 0,
        };
        leases.set(key, merged);
        if (merged.exhausted) return refused(merged);
      }
    },
    async close() {
      const unused = [...leases].filter(([, l]) => l.used < l.leased && l.endsAt > Date.now());
      leases.clear();
      if (unused.length === 0) return;
      const keys = unused.map(([key]) => key);
      const counts = unused.map(([, l]) => l.leased - l.used);
      await db.withoutTenant((tx) =>
        tx`update rate_limit_counters as c set hits = greatest(0, c.hits - u.n)
           from unnest(${keys}::text[], ${counts}::int[]) as u(key, n)
           where c.key = u.key
             and c.window_started_at > now() - make_interval(secs => ${limit.windowSeconds})`
      ).catch(() => {}); // the database is away: the leases lapse with their window
    },
  };
}
