/**
 * Data Retrieval (seed 000 §6, class 2): makes sure the store mirror is fresh
 * enough for the plan before anyone computes from it, and fetches what the
 * mirror does not hold (the shop's profile) through the Shopify client and the
 * query cache. Only this department and its tools talk to Shopify.
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

export function dataRetrievalDepartment(mirror: MirrorDeps, ttlMs = FRESHNESS_TTL_MS) {
  return RunnableLambda.from(async (input: DepartmentInput): Promise<DepartmentResult> => {
    const scope = { userId: input.scope.userId, accountId: input.scope.accountId };
    const freshness = await ensureFresh(mirror, scope, ttlMs);
    const { value: shop, cached } = await cachedShopifyQuery<ShopInfo>(
      mirror.db,
      scope,
      "shop:profile",
      async () => fetchShop((await accountClient(mirror, scope)).client),
      { ttlMs: SHOP_PROFILE_TTL_MS },
    );
    const result = emptyResult();
    result.tables.shop = {
      provenance: null,
      rows: [{
        name: shop.name,
        currency: shop.currencyCode,
        timezone: shop.ianaTimezone,
        syncedAt: freshness.syncedAt.toISOString(),
        refreshed: freshness.refreshed,
        profileCached: cached,
      }],
    };
    return result;
  }).withConfig({ runName: "data_retrieval" });
}
