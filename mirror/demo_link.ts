/**
 * Development only: links the demo account to the dev store's demo shop on
 * every `deno task start`, through the real OAuth flow (the dev store approves
 * at once). The dev store keeps its tokens in memory, so a restart needs a
 * fresh link; linking again syncs what changed rather than re-importing.
 */
import { type ShopifyLinkDeps, startShopifyOAuth } from "../shopify/oauth.ts";
import { completeShopifyOAuth } from "./link_store.ts";

export async function linkDemoShop(
  deps: ShopifyLinkDeps,
  userId: string,
  shop: string,
): Promise<string> {
  const viewer = { userId, sessionId: "demo-start" };
  const started = await startShopifyOAuth(deps, viewer, shop);
  if (!started.ok) throw new Error(started.errors[0]!.message);
  const consent = await fetch(started.value.authorizationUrl, {
    redirect: "manual",
    signal: AbortSignal.timeout(5000),
  });
  await consent.body?.cancel();
  const location = consent.headers.get("location");
  if (!location) throw new Error(`the dev store did not approve (HTTP ${consent.status})`);
  const linked = await completeShopifyOAuth(deps, new URL(location).search, viewer);
  if (!linked.ok) throw new Error(linked.errors[0]!.message);
  return linked.value.id;
}
