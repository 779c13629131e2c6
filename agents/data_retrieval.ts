/**
 * Data Retrieval (seed 000 §6, class 2): makes sure the store mirror is fresh
 * enough for the plan before anyone computes from it, and fetches what the
 * mirror does not hold (the shop's profile) through the Shopify client and the
 * query cache. Only this department and its tools talk to Shopify.
 *
 * Most of the time there is nothing to fetch: webhooks keep the mirror fresh
 * and the profile is cached for a day. The orchestrator reads both with the
 * request and, when {@link retrievedWithoutCallingOut} says nothing is stale,
 * takes the result inline; only a stale mirror or profile costs a job, which
 * calls out and retries on its own.
 */
import { RunnableLambda } from "@langchain/core/runnables";
import { accountClient, type MirrorDeps } from "../mirror/deps.ts";
import { cachedShopifyQuery } from "../mirror/query_cache.ts";
import { ensureFresh } from "../mirror/sync_job.ts";
import { fetchShop, type ShopInfo } from "../shopify/queries.ts";
import { type DepartmentInput, type DepartmentResult, emptyResult } from "./department.ts";

/** How stale the mirror may be when an analysis starts; webhooks keep it fresher. */
export const FRESHNESS_TTL_MS = 15 * 60_000;
const SHOP_PROFILE_TTL_MS = 24 * 3600_000;
/** The query cache's key for the shop's profile. */
export const SHOP_PROFILE_KEY = "shop:profile";

function retrieved(
  shop: ShopInfo,
  freshness: { syncedAt: Date; refreshed: boolean },
  profileCached: boolean,
): DepartmentResult {
  const result = emptyResult();
  result.tables.shop = {
    provenance: null,
    rows: [{
      name: shop.name,
      currency: shop.currencyCode,
      timezone: shop.ianaTimezone,
      syncedAt: freshness.syncedAt.toISOString(),
      refreshed: freshness.refreshed,
      profileCached,
    }],
  };
  return result;
}

/** What the orchestrator read of the store as its run began. */
export interface StoreSnapshot {
  /** The first import has finished. */
  imported: boolean;
  syncedAt: Date | null;
  /** The cached profile, if it has not expired. */
  profile: ShopInfo | null;
}

/**
 * The department's result when nothing needs fetching (an imported mirror
 * synced within the TTL, a cached profile); null when something does, and the
 * department must run as a job.
 */
export function retrievedWithoutCallingOut(
  store: StoreSnapshot,
  now = Date.now(),
  ttlMs = FRESHNESS_TTL_MS,
): DepartmentResult | null {
  if (!store.imported || !store.syncedAt || !store.profile) return null;
  if (now - store.syncedAt.getTime() > ttlMs) return null;
  return retrieved(store.profile, { syncedAt: store.syncedAt, refreshed: false }, true);
}

export function dataRetrievalDepartment(mirror: MirrorDeps, ttlMs = FRESHNESS_TTL_MS) {
  return RunnableLambda.from(async (input: DepartmentInput): Promise<DepartmentResult> => {
    const scope = { userId: input.scope.userId, accountId: input.scope.accountId };
    const freshness = await ensureFresh(mirror, scope, ttlMs);
    const { value: shop, cached } = await cachedShopifyQuery<ShopInfo>(
      mirror.db,
      scope,
      SHOP_PROFILE_KEY,
      async () => fetchShop((await accountClient(mirror, scope)).client),
      { ttlMs: SHOP_PROFILE_TTL_MS },
    );
    return retrieved(shop, freshness, cached);
  }).withConfig({ runName: "data_retrieval" });
}
