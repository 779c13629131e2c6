/**
 * Scheduled clean-up across every tenant: expired `cached_shopify_data` rows
 * rate-limit windows and OAuth states long past. This is the system path of
 * `Database.withSystem`: the `alatar_system` role's policies let it see and
 * delete expired cache rows and nothing else of tenant data.
 */
import type { Database } from "../db/database.ts";

export const PURGE_QUEUE = "maintenance.purge";

export async function purgeExpired(
  db: Pick<Database, "withSystem">,
): Promise<{ cacheRows: number; rateLimitCounters: number; oauthStates: number }> {
  return await db.withSystem("purge expired cache rows and rate-limit windows", async (tx) => {
    const cache = await tx`delete from cached_shopify_data where expires_at < now()`;
    const counters = await tx`
      delete from rate_limit_counters where window_started_at < now() - interval '1 day'`;
    const states =
      await tx`delete from shopify_oauth_states where expires_at < now() - interval '1 day'`;
    return { cacheRows: cache.count, rateLimitCounters: counters.count, oauthStates: states.count };
  });
}
