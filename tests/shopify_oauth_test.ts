/** Linking a store through the real OAuth flow against the local dev store. */
import assert from "node:assert/strict";
import { freePort } from "../db/embedded.ts";
import { createDevStore, type DevStore, devStoreBaseUrl } from "../devstore/server.ts";
import { SHOP_DOMAIN } from "../devstore/seed.ts";
import { credentialsFor } from "../shopify/credentials.ts";
import { signOAuthQuery } from "../shopify/signatures.ts";
import { createTestApi, gql, signUp, TEST_SHOPIFY_APP, type TestApi } from "./helpers/api.ts";
import { dbTest, type TestDatabase } from "./helpers/test_db.ts";

const START = `mutation($shop: String!) { startShopifyOAuth(shop: $shop) {
  authorizationUrl userErrors { code field message } } }`;
const COMPLETE = `mutation($q: String!) { completeShopifyOAuth(query: $q) {
  linkedAccount { id accountIdentifier status scopes syncStatus } userErrors { code field message } } }`;

interface Env {
  api: TestApi;
  store: DevStore;
  t: TestDatabase;
}

function oauthTest(
  name: string,
  fn: (env: Env) => Promise<void>,
  options: { storeDown?: boolean } = {},
) {
  dbTest(name, async (t) => {
    const store = createDevStore({
      app: TEST_SHOPIFY_APP,
      today: new Date("2026-11-22T00:00:00Z"),
    });
    const port = freePort();
    const server = Deno.serve({ port, hostname: "127.0.0.1", onListen: () => {} }, store.fetch);
    const api = await createTestApi(t, {
      shopifyAdminBaseUrl: options.storeDown ? "http://127.0.0.1:1/{shop}" : devStoreBaseUrl(port),
    });
    try {
      await fn({ api, store, t });
    } finally {
      await api.close();
      await server.shutdown();
    }
  });
}

/** Follows the authorization URL like a browser would, up to our callback. */
async function approve(authorizationUrl: string): Promise<URL> {
  const res = await fetch(authorizationUrl, { redirect: "manual" });
  await res.body?.cancel();
  assert.equal(res.status, 302);
  return new URL(res.headers.get("location")!);
}

/** A callback as Shopify would send it for `state`, signed with the app secret, with any code. */
function signedCallback(state: string, code: string): string {
  const params = new URLSearchParams({
    code,
    shop: SHOP_DOMAIN,
    state,
    timestamp: String(Math.floor(Date.now() / 1000)),
  });
  params.set("hmac", signOAuthQuery(params, TEST_SHOPIFY_APP.apiSecret));
  return `?${params}`;
}

async function begin(api: TestApi, token: string, shop = SHOP_DOMAIN) {
  const res = await gql(api.app, START, { shop }, { token });
  return res.body.data.startShopifyOAuth.authorizationUrl as string;
}

oauthTest(
  "a user links the demo shop through OAuth; tokens are stored encrypted",
  async ({ api, store, t }) => {
    const account = await signUp(api.app);
    const authorizationUrl = await begin(api, account.accessToken);
    const url = new URL(authorizationUrl);
    assert.equal(url.pathname, `/${SHOP_DOMAIN}/admin/oauth/authorize`);
    assert.equal(url.searchParams.get("client_id"), TEST_SHOPIFY_APP.apiKey);
    assert.equal(url.searchParams.get("redirect_uri"), "http://alatar.test/auth/shopify/callback");
    assert.ok((url.searchParams.get("state") ?? "").length >= 40);

    const callback = await approve(authorizationUrl);
    assert.equal(callback.pathname, "/auth/shopify/callback");
    const res = await api.app.request(callback.pathname + callback.search);
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.status, "linked");

    const listed = await gql(
      api.app,
      `{ linkedAccounts { id accountIdentifier status scopes syncStatus } }`,
      {},
      {
        token: account.accessToken,
      },
    );
    assert.deepEqual(listed.body.data.linkedAccounts, [{
      id: body.linkedAccountId,
      accountIdentifier: SHOP_DOMAIN,
      status: "ACTIVE",
      scopes: ["read_orders", "read_products", "write_discounts"],
      syncStatus: "SYNCING",
    }]);

    const [row] = await t
      .owner`select encrypted_access_token, encrypted_refresh_token, access_token_expires_at
                              from linked_accounts`;
    for (const column of [row!.encrypted_access_token, row!.encrypted_refresh_token]) {
      assert.ok(
        !new TextDecoder().decode(column).includes("shp"),
        "a token is stored in plaintext",
      );
    }
    const access = await api.services.cipher.decrypt(row!.encrypted_access_token, {
      userId: account.userId,
      accountId: body.linkedAccountId,
    });
    assert.equal(
      store.tokens.check(access)?.shop,
      SHOP_DOMAIN,
      "the stored token is not one Shopify issued",
    );
    const minutes = (row!.access_token_expires_at.getTime() - Date.now()) / 60_000;
    assert.ok(minutes > 55 && minutes <= 60, "an expiring offline token lives an hour");
    const [audit] = await t.owner`select action from audit_log where action = 'shopify.linked'`;
    assert.ok(audit);
  },
);

oauthTest("completeShopifyOAuth links from the callback's query string", async ({ api }) => {
  const account = await signUp(api.app);
  const callback = await approve(await begin(api, account.accessToken));
  const res = await gql(api.app, COMPLETE, { q: callback.search }, { token: account.accessToken });
  const payload = res.body.data.completeShopifyOAuth;
  assert.deepEqual(payload.userErrors, []);
  assert.equal(payload.linkedAccount.accountIdentifier, SHOP_DOMAIN);
});

oauthTest("shop names are validated and normalised", async ({ api }) => {
  const { accessToken: token } = await signUp(api.app);
  for (
    const shop of [
      "",
      "evil.com",
      "a.myshopify.com.evil.com",
      "-x.myshopify.com",
      "x y.myshopify.com",
    ]
  ) {
    const res = await gql(api.app, START, { shop }, { token });
    assert.deepEqual(
      res.body.data.startShopifyOAuth.userErrors.map((e: { field: string }) => e.field),
      ["shop"],
      shop,
    );
  }
  const upper = await gql(api.app, START, { shop: " Alatar-Demo.MyShopify.com " }, { token });
  assert.match(
    upper.body.data.startShopifyOAuth.authorizationUrl,
    /\/alatar-demo\.myshopify\.com\//,
  );
  // Without a session, starting is "Log in with Shopify" (tested below), not an error.
  const anonymous = await gql(api.app, START, { shop: SHOP_DOMAIN });
  assert.match(
    anonymous.body.data.startShopifyOAuth.authorizationUrl,
    /\/admin\/oauth\/authorize\?/,
  );
});

oauthTest("a replayed, expired, forged or foreign callback links nothing", async ({ api, t }) => {
  const a = await signUp(api.app);
  const b = await signUp(api.app);
  const complete = async (search: string, token?: string) =>
    token
      ? (await gql(api.app, COMPLETE, { q: search }, { token })).body.data.completeShopifyOAuth
        .userErrors
      : [(await (await api.app.request(`/auth/shopify/callback${search}`)).json()).error];

  // Replay: the state works once.
  const first = await approve(await begin(api, a.accessToken));
  assert.equal((await api.app.request(first.pathname + first.search)).status, 200);
  const [replayed] = await complete(first.search);
  assert.equal(replayed.code, "INVALID_INPUT");
  assert.match(replayed.message, /expired or was already used/);

  // Expired state.
  const late = await approve(await begin(api, a.accessToken));
  await t
    .owner`update shopify_oauth_states set expires_at = now() - interval '1 second' where used_at is null`;
  assert.match((await complete(late.search))[0].message, /expired or was already used/);

  // Forged: parameters changed after signing, or signed with another secret.
  const forged = await approve(await begin(api, a.accessToken));
  forged.searchParams.set("shop", "someone-else.myshopify.com");
  assert.match((await complete(forged.search))[0].message, /signature mismatch/);
  const params = new URLSearchParams({
    code: "x",
    shop: SHOP_DOMAIN,
    state: "y",
    timestamp: String(Math.floor(Date.now() / 1000)),
  });
  params.set("hmac", signOAuthQuery(params, "not the app secret"));
  assert.match((await complete(`?${params}`))[0].message, /signature mismatch/);

  // B completes A's authorization.
  const foreign = await approve(await begin(api, a.accessToken));
  const [denied] = await complete(foreign.search, b.accessToken);
  assert.equal(denied.code, "PERMISSION_DENIED");

  const [count] = await t.owner`select count(*)::int as n from linked_accounts`;
  assert.equal(count!.n, 1, "only the first, genuine callback linked a store");
});

oauthTest(
  "a code Shopify refuses gives EXTERNAL_SERVICE_ERROR and no account",
  async ({ api, t }) => {
    const account = await signUp(api.app);
    const url = new URL(await begin(api, account.accessToken));
    // Shopify's redirect, made by hand with the app secret but a code it never issued.
    const q = signedCallback(url.searchParams.get("state")!, "0123456789abcdef0123456789abcdef");
    const res = await gql(api.app, COMPLETE, { q }, { token: account.accessToken });
    assert.equal(res.body.data.completeShopifyOAuth.userErrors[0].code, "EXTERNAL_SERVICE_ERROR");
    const [count] = await t.owner`select count(*)::int as n from linked_accounts`;
    assert.equal(count!.n, 0);
  },
);

oauthTest(
  "an unreachable Shopify gives EXTERNAL_SERVICE_ERROR and no account",
  async ({ api, t }) => {
    const account = await signUp(api.app);
    const url = new URL(await begin(api, account.accessToken));
    const q = signedCallback(url.searchParams.get("state")!, "c0de");
    const res = await gql(api.app, COMPLETE, { q }, { token: account.accessToken });
    assert.equal(res.body.data.completeShopifyOAuth.userErrors[0].code, "EXTERNAL_SERVICE_ERROR");
    const [count] = await t.owner`select count(*)::int as n from linked_accounts`;
    assert.equal(count!.n, 0);
  },
  { storeDown: true },
);

oauthTest(
  "linking the same shop again keeps the account and replaces its tokens",
  async ({ api, t }) => {
    const account = await signUp(api.app);
    const link = async () => {
      const callback = await approve(await begin(api, account.accessToken));
      return (await (await api.app.request(callback.pathname + callback.search)).json())
        .linkedAccountId;
    };
    const first = await link();
    const [before] = await t.owner`select encrypted_access_token from linked_accounts`;
    const second = await link();
    const [after] = await t.owner`select encrypted_access_token from linked_accounts`;
    assert.equal(first, second);
    assert.notDeepEqual(before!.encrypted_access_token, after!.encrypted_access_token);
  },
);

/** Links the demo shop for a new user; returns the user and the account id. */
async function linkStore(api: TestApi) {
  const account = await signUp(api.app);
  const callback = await approve(await begin(api, account.accessToken));
  const res = await api.app.request(callback.pathname + callback.search);
  return { userId: account.userId, accountId: (await res.json()).linkedAccountId as string };
}

const soon = (t: TestDatabase) =>
  t.owner`update linked_accounts set access_token_expires_at = now() + interval '1 minute'`;

oauthTest("a fresh token is used as it is", async ({ api, store }) => {
  const { userId, accountId } = await linkStore(api);
  const before = store.tokens.refreshTokens.size;
  const credentials = await credentialsFor(api.services, userId, accountId);
  assert.equal(credentials.shop, SHOP_DOMAIN);
  assert.ok(store.tokens.check(credentials.accessToken));
  assert.equal(store.tokens.refreshTokens.size, before, "refreshed a token that was not expiring");
});

oauthTest(
  "a token about to expire is refreshed once, even by concurrent callers",
  async ({ api, store, t }) => {
    const { userId, accountId } = await linkStore(api);
    const [old] = await t.owner`select encrypted_access_token from linked_accounts`;
    await soon(t);
    const before = store.tokens.refreshTokens.size;
    const results = await Promise.all(
      [1, 2, 3].map(() => credentialsFor(api.services, userId, accountId)),
    );
    assert.equal(store.tokens.refreshTokens.size, before + 1, "more than one refresh");
    assert.equal(new Set(results.map((r) => r.accessToken)).size, 1);
    assert.ok(store.tokens.check(results[0]!.accessToken));
    const [row] = await t
      .owner`select encrypted_access_token, access_token_expires_at from linked_accounts`;
    assert.notDeepEqual(row!.encrypted_access_token, old!.encrypted_access_token);
    assert.ok(row!.access_token_expires_at.getTime() - Date.now() > 55 * 60_000);
  },
);

oauthTest(
  "a refresh whose answer was lost before saving is simply done again",
  async ({ api, store, t }) => {
    const { userId, accountId } = await linkStore(api);
    const [row] = await t.owner`select encrypted_refresh_token from linked_accounts`;
    const stored = await api.services.cipher.decrypt(row!.encrypted_refresh_token, {
      userId,
      accountId,
    });
    // Another process refreshed with the stored token, then died before writing the answer.
    const lost = await store.fetch(
      new Request(`http://devstore/${SHOP_DOMAIN}/admin/oauth/access_token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          client_id: TEST_SHOPIFY_APP.apiKey,
          client_secret: TEST_SHOPIFY_APP.apiSecret,
          grant_type: "refresh_token",
          refresh_token: stored,
          expiring: 1,
        }),
      }),
    );
    assert.equal(lost.status, 200);
    await lost.body?.cancel();
    await soon(t);
    const credentials = await credentialsFor(api.services, userId, accountId);
    assert.ok(store.tokens.check(credentials.accessToken), "the account was stranded");
  },
);

oauthTest(
  "credentials Shopify no longer accepts mark the account and ask for re-linking",
  async ({ api, store, t }) => {
    const { userId, accountId } = await linkStore(api);
    store.tokens.revokeShop(SHOP_DOMAIN);
    await soon(t);
    await assert.rejects(credentialsFor(api.services, userId, accountId), /Link it again/);
    const [row] = await t.owner`select status from linked_accounts`;
    assert.equal(row!.status, "error");
    await assert.rejects(credentialsFor(api.services, userId, accountId), /not linked/);
  },
);

const LOGIN_WITH_SHOPIFY = `mutation($q: String!) { completeShopifyOAuth(query: $q) {
  accessToken refreshToken user { id email } linkedAccount { accountIdentifier status }
  userErrors { code message } } }`;

async function loginWithShopify(api: TestApi) {
  const url =
    (await gql(api.app, START, { shop: SHOP_DOMAIN })).body.data.startShopifyOAuth.authorizationUrl;
  const callback = await approve(url);
  return (await gql(api.app, LOGIN_WITH_SHOPIFY, { q: callback.search })).body.data
    .completeShopifyOAuth;
}

oauthTest(
  "Log in with Shopify creates the shop's account, signs it in, and finds it again",
  async ({ api, store, t }) => {
    const first = await loginWithShopify(api);
    assert.deepEqual(first.userErrors, []);
    assert.equal(first.user.email, store.shop.email);
    assert.deepEqual(first.linkedAccount, { accountIdentifier: SHOP_DOMAIN, status: "ACTIVE" });
    const me = await gql(api.app, `{ me { id } }`, {}, { token: first.accessToken });
    assert.equal(me.body.data.me.id, first.user.id);
    const [row] = await t.owner`select password_hash from users where id = ${first.user.id}`;
    assert.equal(row!.password_hash, null, "a Shopify account has no password");

    const again = await loginWithShopify(api);
    assert.equal(again.user.id, first.user.id);
    const [count] = await t.owner`select count(*)::int as n from users`;
    assert.equal(count!.n, 1);
  },
);

oauthTest(
  "Log in with Shopify never opens a password account that shares the shop's e-mail",
  async ({ api, store, t }) => {
    const owner = await signUp(api.app, store.shop.email);
    const attempt = await loginWithShopify(api);
    assert.equal(attempt.userErrors[0].code, "PERMISSION_DENIED");
    assert.equal(attempt.accessToken, null);
    const [accounts] = await t.owner`select count(*)::int as n from linked_accounts`;
    assert.equal(accounts!.n, 0);
    // The owner can still link the store the ordinary way, signed in with the password.
    const callback = await approve(await begin(api, owner.accessToken));
    assert.equal((await api.app.request(callback.pathname + callback.search)).status, 200);
  },
);
