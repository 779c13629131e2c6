/**
 * What syncing a store needs, and the Admin API client for one linked
 * account. The client asks for a token through `credentialsFor` (which
 * refreshes expiring tokens under a row lock) and keeps it for a minute, so a
 * thousand-page sync does not read and decrypt the token a thousand times.
 */
import type { TokenCipher } from "../auth/token_cipher.ts";
import type { Config } from "../config/config.ts";
import type { Database } from "../db/database.ts";
import type { Logger } from "../log/logger.ts";
import { type AdminClient, createAdminClient } from "../shopify/admin_client.ts";
import { credentialsFor } from "../shopify/credentials.ts";
import type { MirrorScope } from "./records.ts";

export interface MirrorDeps {
  db: Database;
  cipher: TokenCipher;
  shopify: Pick<
    Config["shopify"],
    "apiKey" | "apiSecret" | "scopes" | "adminBaseUrl" | "apiVersion"
  >;
  /** Our public address; webhooks are registered at `${appUrl}/webhooks/shopify`. */
  appUrl: string;
  log: Logger;
  /** Key of the customer e-mail and phone hashes. */
  lookupKey: Uint8Array;
}

const TOKEN_REUSE_MS = 60_000;

export async function accountClient(
  deps: MirrorDeps,
  scope: MirrorScope,
): Promise<{ client: AdminClient; shop: string }> {
  let cached: { token: string; shop: string; until: number } | null = null;
  const fresh = async () => {
    if (!cached || cached.until <= Date.now()) {
      const credentials = await credentialsFor(deps, scope.userId, scope.accountId);
      cached = {
        token: credentials.accessToken,
        shop: credentials.shop,
        until: Date.now() + TOKEN_REUSE_MS,
      };
    }
    return cached;
  };
  const { shop } = await fresh();
  const client = createAdminClient({
    shop,
    accessToken: async () => (await fresh()).token,
    adminBaseUrl: deps.shopify.adminBaseUrl,
    apiVersion: deps.shopify.apiVersion,
    log: deps.log,
  });
  return { client, shop };
}
