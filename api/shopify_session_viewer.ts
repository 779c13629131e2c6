/**
 * Who is calling when the caller is the dashboard embedded in the Shopify
 * admin: its requests carry App Bridge's session token instead of our access
 * token (shopify/session_tokens.ts verifies it). The shop it names is mapped
 * to the Alatar account that linked it: the account created through the shop
 * ("Log in with Shopify") first, else the one that linked it first. The
 * mapping is remembered for a few seconds, so an embedded page's burst of
 * requests costs one lookup; an unlinked store stops answering within that.
 * A shop not linked yet is not remembered.
 */
import { decodeJwt } from "jose";
import { SHOPIFY_SESSION_PREFIX, type Viewer } from "../auth/access_tokens.ts";
import type { Database } from "../db/database.ts";
import type { Logger } from "../log/logger.ts";
import { SessionTokenError, verifySessionToken } from "../shopify/session_tokens.ts";

export type ShopifySessionOutcome =
  | { viewer: Viewer }
  | { problem: string };

export interface ShopifySessionViewers {
  /** Null when `token` is not a Shopify session token at all (it is someone else's to refuse). */
  viewerFor(token: string): Promise<ShopifySessionOutcome | null>;
}

export function createShopifySessionViewers(
  deps: {
    db: Pick<Database, "withSystem">;
    app: { apiKey: string; apiSecret: string };
    log: Logger;
  },
  options: { ttlMs?: number } = {},
): ShopifySessionViewers {
  const ttlMs = options.ttlMs ?? 10_000;
  const known = new Map<string, { userId: string; until: number }>();

  async function accountOf(shop: string): Promise<string | null> {
    const cached = known.get(shop);
    if (cached && cached.until > Date.now()) return cached.userId;
    const [row] = await deps.db.withSystem(
      "find the account an embedded shop belongs to",
      (tx) =>
        tx<{ user_id: string }[]>`
          select la.user_id from linked_accounts la join users u on u.id = la.user_id
          where la.provider = 'shopify' and la.account_identifier = ${shop}
            and la.status = 'active'
          order by (u.password_hash is null) desc, la.id
          limit 1`,
    );
    // Only a linked shop is remembered: one not linked yet is linked by its first open, and its
    // next request must find it.
    if (!row) return null;
    if (known.size > 10_000) known.clear();
    known.set(shop, { userId: row.user_id, until: Date.now() + ttlMs });
    return row.user_id;
  }

  return {
    async viewerFor(token) {
      if (!looksLikeSessionToken(token)) return null;
      try {
        const { shop } = await verifySessionToken(token, deps.app);
        const userId = await accountOf(shop);
        if (!userId) {
          return {
            problem:
              `${shop} has not linked Alatar yet. Open Alatar from the Shopify admin to install it.`,
          };
        }
        return { viewer: { userId, sessionId: `${SHOPIFY_SESSION_PREFIX}${shop}` } };
      } catch (error) {
        if (!(error instanceof SessionTokenError)) throw error;
        deps.log.warn("security: Shopify session token refused", { reason: error.message });
        return { problem: `The Shopify session token was refused: ${error.message}.` };
      }
    },
  };
}

/** A JWT whose (unverified) issuer is a shop's admin: only then is it checked as Shopify's. */
function looksLikeSessionToken(token: string): boolean {
  try {
    return /^https:\/\/[^/]+\/admin$/.test(String(decodeJwt(token).iss ?? ""));
  } catch {
    return false;
  }
}
