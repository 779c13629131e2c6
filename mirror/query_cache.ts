/**
 * Shopify reads that the mirror does not hold (a ShopifyQL report, a one-off
 * lookup) are cached per account in `cached_shopify_data` for a TTL, as seed
 * 000 describes; the scheduled purge (jobs/purge.ts) deletes expired rows.
 * Stored inside the tenant's context, like every other tenant row.
 */
import type { Database } from "../db/database.ts";
import type { MirrorScope } from "./records.ts";

export const DEFAULT_CACHE_TTL_MS = 60 * 60_000;

export async function cachedShopifyQuery<T>(
  db: Database,
  scope: MirrorScope,
  key: string,
  fetch: () => Promise<T>,
  options: { ttlMs?: number } = {},
): Promise<{ value: T; cached: boolean }> {
  if (key.length < 1 || key.length > 500) {
    throw new RangeError("cache keys are 1 to 500 characters");
  }
  const [hit] = await db.withTenant(scope.userId, (tx) =>
    tx<{ data_value: T }[]>`
      select data_value from cached_shopify_data
      where linked_account_id = ${scope.accountId} and data_key = ${key} and expires_at > now()`);
  if (hit) return { value: hit.data_value, cached: true };
  const value = await fetch();
  const ttlSeconds = Math.max(1, Math.round((options.ttlMs ?? DEFAULT_CACHE_TTL_MS) / 1000));
  await db.withTenant(
    scope.userId,
    (tx) =>
      tx`insert into cached_shopify_data (user_id, linked_account_id, data_key, data_value, expires_at)
       values (${scope.userId}, ${scope.accountId}, ${key}, ${tx.json(value as never)},
               now() + make_interval(secs => ${ttlSeconds}))
       on conflict (linked_account_id, data_key) do update
         set data_value = excluded.data_value, expires_at = excluded.expires_at`,
  );
  return { value, cached: false };
}
