/**
 * A usable access token for a linked store.
 *
 * Expiring offline tokens live an hour. Five minutes before expiry the token
 * is refreshed while the account's row is locked, so concurrent callers wait
 * for one refresh instead of racing (a second refresh would retire the first
 * one's tokens). The new pair is written in that same transaction. If the
 * process dies after Shopify answered but before the commit, nothing is lost:
 * Shopify keeps the previous refresh token valid until the new access token is
 * used, so the next call simply refreshes again.
 */
import { z } from "zod";
import type { Database } from "../db/database.ts";
import { ShopifyApiError } from "./admin_client.ts";
import { postTokenEndpoint, type ShopifyLinkDeps } from "./oauth.ts";

export const REFRESH_MARGIN_MS = 5 * 60_000;

const RefreshResponse = z.object({
  access_token: z.string().min(10),
  expires_in: z.number().int().positive(),
  refresh_token: z.string().min(10),
  refresh_token_expires_in: z.number().int().positive().optional(),
  scope: z.string(),
});

export interface StoreCredentials {
  shop: string;
  accessToken: string;
  scopes: string[];
}

type Deps = Pick<ShopifyLinkDeps, "cipher" | "shopify" | "log"> & { db: Database };

export async function credentialsFor(
  deps: Deps,
  userId: string,
  accountId: string,
): Promise<StoreCredentials> {
  const outcome = await deps.db.withTenant(userId, async (tx) => {
    const [row] = await tx<{
      account_identifier: string;
      status: string;
      scopes: string[];
      encrypted_access_token: Uint8Array | null;
      encrypted_refresh_token: Uint8Array | null;
      access_token_expires_at: Date | null;
    }[]>`
      select account_identifier, status, scopes, encrypted_access_token, encrypted_refresh_token,
             access_token_expires_at
      from linked_accounts where id = ${accountId} and user_id = ${userId}
      for update`;
    if (!row || row.status !== "active" || !row.encrypted_access_token) {
      return { error: "This store is not linked (or its access was revoked). Link it again." };
    }
    const binding = { userId, accountId };
    const shop = row.account_identifier;
    const expiresAt = row.access_token_expires_at?.getTime() ?? Infinity;
    if (expiresAt - Date.now() > REFRESH_MARGIN_MS) {
      return {
        shop,
        scopes: row.scopes,
        accessToken: await deps.cipher.decrypt(row.encrypted_access_token, binding),
      };
    }
    if (!row.encrypted_refresh_token) {
      return { error: "The store's access expired. Link it again." };
    }

    const refreshed = await refresh(
      deps,
      shop,
      await deps.cipher.decrypt(row.encrypted_refresh_token, binding),
    );
    if ("revoked" in refreshed) {
      await tx`update linked_accounts set status = 'error' where id = ${accountId}`;
      return { error: "Shopify no longer accepts this store's credentials. Link it again." };
    }
    const tokens = refreshed.tokens;
    await tx`
      update linked_accounts set
        encrypted_access_token = ${await deps.cipher.encrypt(tokens.access_token, binding)},
        encrypted_refresh_token = ${await deps.cipher.encrypt(tokens.refresh_token, binding)},
        access_token_expires_at = now() + make_interval(secs => ${tokens.expires_in}),
        refresh_token_expires_at = case when ${tokens.refresh_token_expires_in ?? null}::int is null
          then refresh_token_expires_at
          else now() + make_interval(secs => ${tokens.refresh_token_expires_in ?? null}::int) end
      where id = ${accountId}`;
    deps.log.info("Shopify access token refreshed", { user_id: userId, shop });
    return { shop, scopes: row.scopes, accessToken: tokens.access_token };
  });
  if ("error" in outcome) throw new ShopifyApiError("unauthorized", outcome.error!);
  return outcome as StoreCredentials;
}

async function refresh(
  deps: Deps,
  shop: string,
  refreshToken: string,
): Promise<{ tokens: z.infer<typeof RefreshResponse> } | { revoked: true }> {
  const answer = await postTokenEndpoint(deps, shop, {
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    expiring: 1,
  });
  if (answer.status === 400 && answer.body?.error === "invalid_grant") return { revoked: true };
  if (answer.status !== 200) {
    throw new ShopifyApiError(
      "unavailable",
      `Shopify did not refresh the token (${answer.failure ?? `HTTP ${answer.status}`})`,
    );
  }
  const parsed = RefreshResponse.safeParse(answer.body);
  if (!parsed.success) {
    throw new ShopifyApiError("unavailable", "Shopify's token refresh answer was not understood");
  }
  return { tokens: parsed.data };
}
