/**
 * The embedded dashboard's requests carry App Bridge's session token instead of our access
 * token: the shop it names is the Alatar account that linked it. Forged, expired, other-app and
 * unlinked-shop tokens are refused with a reason.
 */
import assert from "node:assert/strict";
import { unlinkedStoreTest } from "./helpers/linked_store.ts";
import { SignJWT } from "jose";
import { mintSessionToken } from "../devstore/session_tokens.ts";
import { apiTest, gql, signUp, TEST_SHOPIFY_APP } from "./helpers/api.ts";
import { SHOP_DOMAIN } from "../devstore/seed.ts";
import { linkShopFromSessionToken } from "../mirror/link_store.ts";
import { SYNC_QUEUE } from "../mirror/sync_queue.ts";

const SHOP = "embedded-test.myshopify.com";
const ME = `{ me { email } }`;

apiTest("a linked shop's session token is its account; others are refused", async ({ app }, t) => {
  const { email, userId } = await signUp(app);
  await t.owner`insert into linked_accounts (user_id, provider, account_identifier, scopes,
                  encrypted_access_token)
                values (${userId}, 'shopify', ${SHOP}, '{}', '\\x01')`;

  const me = await gql(app, ME, {}, { token: await mintSessionToken(TEST_SHOPIFY_APP, SHOP) });
  assert.equal(me.body.data.me.email, email);
  // Signing out of an embedded session is Shopify's to do: nothing of ours ends, nothing fails.
  const out = await gql(app, `mutation { logout { success userErrors { code } } }`, {}, {
    token: await mintSessionToken(TEST_SHOPIFY_APP, SHOP),
  });
  assert.deepEqual(out.body.data.logout, { success: true, userErrors: [] });

  const refused = async (token: string, reason: RegExp) => {
    const res = await gql(app, ME, {}, { token });
    assert.equal(res.body.errors[0].extensions.code, "AUTHENTICATION_REQUIRED");
    assert.match(res.body.errors[0].message, reason);
  };
  await refused(
    await mintSessionToken({ ...TEST_SHOPIFY_APP, apiSecret: "f".repeat(32) }, SHOP),
    /signature/,
  );
  await refused(
    await mintSessionToken(TEST_SHOPIFY_APP, SHOP, { now: new Date(Date.now() - 120_000) }),
    /expired/,
  );
  await refused(
    await mintSessionToken({ ...TEST_SHOPIFY_APP, apiKey: "another-app" }, SHOP),
    /another app/,
  );
  await refused(await mintSessionToken(TEST_SHOPIFY_APP, "unlinked.myshopify.com"), /not linked/);
  // A token that claims another shop in `dest` than its issuer names.
  const mixed = await new SignJWT({ dest: "https://other.myshopify.com" })
    .setProtectedHeader({ alg: "HS256" }).setIssuer(`https://${SHOP}/admin`)
    .setAudience(TEST_SHOPIFY_APP.apiKey).setIssuedAt().setNotBefore("0s").setExpirationTime("1m")
    .sign(new TextEncoder().encode(TEST_SHOPIFY_APP.apiSecret));
  await refused(mixed, /different shops/);
  // Anything else is still just an invalid access token.
  await refused("not-a-token", /access token is invalid/);
});

unlinkedStoreTest(
  "a shop's first open from the admin links it by token exchange and starts its import",
  async ({ t, store, api }) => {
    const sessionToken = await mintSessionToken(TEST_SHOPIFY_APP, SHOP_DOMAIN);
    const before = await gql(api.app, ME, {}, { token: sessionToken });
    assert.match(before.body.errors[0].message, /has not linked Alatar yet/);

    const linked = await linkShopFromSessionToken(api.services, sessionToken);
    assert.ok(linked.ok, JSON.stringify(linked));
    assert.equal(linked.value.shop, SHOP_DOMAIN);
    // The shop's own account, created under its e-mail, with the store's import queued.
    const [account] = await t.owner<{ email: string; password_hash: string | null }[]>`
    select u.email, u.password_hash from users u where u.id = ${linked.value.signIn!}`;
    assert.equal(account!.email, store.shop.email);
    assert.equal(account!.password_hash, null);
    const [queued] = await t.owner`select count(*)::int as n from pgboss.job
    where name = ${SYNC_QUEUE} and data->>'accountId' = ${linked.value.id}`;
    assert.equal(queued!.n, 1);

    // The next request with a session token is that account, in this same process.
    const me = await gql(api.app, ME, {}, {
      token: await mintSessionToken(TEST_SHOPIFY_APP, SHOP_DOMAIN),
    });
    assert.equal(me.body.data.me.email, store.shop.email);

    // A forged token links nothing.
    const forged = await linkShopFromSessionToken(
      api.services,
      await mintSessionToken({ ...TEST_SHOPIFY_APP, apiSecret: "z".repeat(32) }, SHOP_DOMAIN),
    );
    assert.equal(forged.ok, false);
  },
);
