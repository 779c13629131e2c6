/**
 * Linking a Shopify store to an account, the step after Shopify's consent:
 * the callback is verified and its code exchanged (shopify/oauth.ts), or, for
 * the embedded dashboard, App Bridge's session token is exchanged
 * (shopify/token_exchange.ts); "Log in
 * with Shopify" finds or creates the account the shop signs in to; then the
 * store's tokens are stored encrypted, the link is audited, and the mirror's
 * import (or a catch-up sync, on a re-link) is queued in the same transaction.
 * It lives here because it is the one step that needs both Shopify and the
 * mirror.
 */
import type { Viewer } from "../auth/access_tokens.ts";
import { EmailSchema } from "../auth/credentials.ts";
import { fail, ok, type Outcome } from "../auth/user_errors.ts";
import { audit } from "../db/audit.ts";
import { createAdminClient } from "../shopify/admin_client.ts";
import {
  authorizeCallback,
  type LinkedStore,
  RESTART,
  type ShopifyLinkDeps,
  type ShopifyTokens,
} from "../shopify/oauth.ts";
import { exchangeSessionToken } from "../shopify/token_exchange.ts";
import { requestSync } from "./sync_queue.ts";

/** Completes linking from the callback's whole query string (see {@link authorizeCallback}). */
export async function completeShopifyOAuth(
  deps: ShopifyLinkDeps,
  query: string,
  viewer: Viewer | null,
): Promise<Outcome<LinkedStore>> {
  const authorized = await authorizeCallback(deps, query, viewer);
  if (!authorized.ok) return authorized;
  return await linkAuthorizedShop(deps, authorized.value);
}

/**
 * The embedded dashboard's first open of a shop that has not linked Alatar: App Bridge's
 * session token is exchanged for the store's tokens (no redirect), the shop's account is found
 * or created as "Log in with Shopify" does, and the import starts.
 */
export async function linkShopFromSessionToken(
  deps: ShopifyLinkDeps,
  sessionToken: string,
): Promise<Outcome<LinkedStore>> {
  const exchanged = await exchangeSessionToken(deps, sessionToken);
  if (!exchanged.ok) return exchanged;
  return await linkAuthorizedShop(deps, { ...exchanged.value, startedBy: null });
}

/** Stores a shop's tokens under the account that started the flow, or the shop's own. */
async function linkAuthorizedShop(
  deps: ShopifyLinkDeps,
  authorized: { shop: string; tokens: ShopifyTokens; scopes: string[]; startedBy: string | null },
): Promise<Outcome<LinkedStore>> {
  const { shop, tokens, scopes, startedBy } = authorized;
  let userId = startedBy;
  if (!userId) {
    const owner = await shopOwnerAccount(deps, shop, tokens.access_token);
    if (!owner.ok) return owner;
    userId = owner.value;
  }
  const signIn = startedBy ? undefined : userId;

  return await deps.db.withTenant(userId, async (tx) => {
    const [existing] = await tx<{ id: string }[]>`
      select id from linked_accounts
      where user_id = ${userId} and provider = 'shopify' and account_identifier = ${shop}`;
    const accountId = existing?.id ?? crypto.randomUUID();
    const binding = { userId, accountId };
    const access = await deps.cipher.encrypt(tokens.access_token, binding);
    const refresh = tokens.refresh_token
      ? await deps.cipher.encrypt(tokens.refresh_token, binding)
      : null;
    const accessExpiry = tokens.expires_in ?? null;
    const refreshExpiry = tokens.refresh_token_expires_in ?? null;
    await tx`
      insert into linked_accounts (
        id, user_id, provider, account_identifier, encrypted_access_token, encrypted_refresh_token,
        access_token_expires_at, refresh_token_expires_at, scopes, status, sync_status)
      values (
        ${accountId}, ${userId}, 'shopify', ${shop}, ${access}, ${refresh},
        case when ${accessExpiry}::int is null then null else now() + make_interval(secs => ${accessExpiry}::int) end,
        case when ${refreshExpiry}::int is null then null else now() + make_interval(secs => ${refreshExpiry}::int) end,
        ${scopes}, 'active', 'syncing')
      on conflict (user_id, provider, account_identifier) do update set
        encrypted_access_token = excluded.encrypted_access_token,
        encrypted_refresh_token = excluded.encrypted_refresh_token,
        access_token_expires_at = excluded.access_token_expires_at,
        refresh_token_expires_at = excluded.refresh_token_expires_at,
        scopes = excluded.scopes,
        status = 'active'`;
    await audit(tx, {
      userId,
      actor: "user",
      action: "shopify.linked",
      entity: { type: "linked_account", id: accountId },
      details: { shop, scopes },
    });
    // A re-link syncs what changed (or finishes an unfinished import); a new link imports.
    await requestSync(deps.boss, tx, {
      userId,
      accountId,
      mode: existing ? "changes" : "import",
    });
    deps.log.info("Shopify store linked", { user_id: userId, shop, scopes });
    return ok({ id: accountId, shop, scopes, signIn });
  });
}

/**
 * "Log in with Shopify": the account a shop signs in to. A returning owner is
 * found by the shop their account was created through. A new shop gets a new,
 * password-less account under the shop's e-mail, unless that address already
 * belongs to another account: Shopify does not prove who owns a shop's
 * e-mail, so it must never open someone else's account.
 */
async function shopOwnerAccount(
  deps: ShopifyLinkDeps,
  shop: string,
  accessToken: string,
): Promise<Outcome<string>> {
  const [existing] = await deps.db.withSystem(
    "find the account a shop signs in to",
    (tx) =>
      tx<{ user_id: string }[]>`
      select la.user_id from linked_accounts la join users u on u.id = la.user_id
      where la.provider = 'shopify' and la.account_identifier = ${shop} and u.password_hash is null
      limit 1`,
  );
  if (existing) return ok(existing.user_id);

  let email: string;
  try {
    const client = createAdminClient({
      shop,
      accessToken: () => accessToken,
      adminBaseUrl: deps.shopify.adminBaseUrl,
      apiVersion: deps.shopify.apiVersion,
      log: deps.log,
      maxAttempts: 3,
    });
    const { data } = await client.request<{ shop: { email: string } }>(`{ shop { email } }`);
    email = EmailSchema.parse(data.shop.email);
  } catch {
    return fail("EXTERNAL_SERVICE_ERROR", `Shopify did not tell us the shop's owner. ${RESTART}`);
  }
  const [taken] = await deps.db.withSystem(
    "check an e-mail before creating a Shopify account",
    (tx) => tx`select 1 from users where email = ${email}`,
  );
  if (taken) {
    return fail(
      "PERMISSION_DENIED",
      "An Alatar account already uses this shop's e-mail address. Sign in with its password, then link the store.",
    );
  }
  const userId = crypto.randomUUID();
  await deps.db.withTenant(userId, async (tx) => {
    await tx`insert into users (id, email) values (${userId}, ${email})`;
    await tx`insert into user_preferences (user_id) values (${userId})`;
    await audit(tx, {
      userId,
      actor: "user",
      action: "account.registered_with_shopify",
      details: { shop },
    });
  });
  return ok(userId);
}
