/**
 * The embedded dashboard's requests carry App Bridge's session token instead of our access
 * token: the shop it names is the Alatar account that linked it. Forged, expired, other-app and
 * unlinked-shop tokens are refused with a reason.
 */
import assert from "node:assert/strict";
import { SignJWT } from "jose";
import { mintSessionToken } from "../devstore/session_tokens.ts";
import { apiTest, gql, signUp, TEST_SHOPIFY_APP } from "./helpers/api.ts";

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
