/**
 * Deletes expired `cached_shopify_data` rows across every tenant. This is the
 * system path of `Database.withSystem`: the `alatar_system` role's policies let
 * it see and delete expired cache rows and nothing else.
 */
import type { Database } from "../db/database.ts";

export async function purgeExpiredCache(db: Pick<Database, "withSystem">): Promise<number> {
  const rows = await db.withSystem(
    "purge expired Shopify cache",
    (tx) => tx`delete from cached_shopify_data where expires_at < now() returning id`,
  );
  return rows.length;
}
