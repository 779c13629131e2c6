/**
 * Sign in with Apple and Google over GraphQL, against the local provider
 * stand-in and a real database: a first sign-in creates an account, the next
 * finds it by subject (never by e-mail), a verified e-mail links only to an
 * account that proved it, linking and unlinking from a session, a replayed
 * Apple nonce, and other tenants' logins out of reach.
 */
import assert from "node:assert/strict";
import { createKeySet } from "../auth/key_set.ts";
import { type LocalIdProvider, startLocalIdProvider } from "../auth/local_id_provider.ts";
import { createIdTokenVerifier } from "../auth/platform_tokens.ts";
import { createTestApi, gql, signUp } from "./helpers/api.ts";
import { dbTest, type TestDatabase } from "./helpers/test_db.ts";

const APPLE_ID = "com.alatar.app";
const GOOGLE_ID = "1234-alatar.apps.googleusercontent.com";

const APPLE = `mutation($idToken: String!, $nonce: String!) {
  signInWithApple(idToken: $idToken, nonce: $nonce) {
    accessToken refreshToken user { id email platformLogins { provider email privateEmail } }
    userErrors { code field message } } }`;
const GOOGLE = `mutation($idToken: String!) {
  signInWithGoogle(idToken: $idToken) {
    accessToken user { id email } userErrors { code field message } } }`;
const LINK = `mutation($provider: LoginProvider!, $idToken: String!, $nonce: String) {
  linkPlatformLogin(provider: $provider, idToken: $idToken, nonce: $nonce) {
    platformLogin { provider email } userErrors { code field message } } }`;
const UNLINK = `mutation($provider: LoginProvider!) {
  unlinkPlatformLogin(provider: $provider) { provider userErrors { code field message } } }`;
const ME = `{ me { id email platformLogins { provider email } } }`;

type Api = Awaited<ReturnType<typeof createTestApi>>;

function platformTest(
  name: string,
  fn: (
    ctx: { api: Api; t: TestDatabase; apple: LocalIdProvider; google: LocalIdProvider },
  ) => Promise<void>,
) {
  dbTest(name, async (t) => {
    const apple = await startLocalIdProvider("apple");
    const google = await startLocalIdProvider("google");
    const verifier = (p: LocalIdProvider, clientIds: string[]) =>
      createIdTokenVerifier({
        provider: p.provider,
        clientIds,
        keySet: createKeySet({ url: p.jwksUrl, log: t.log }),
      });
    const api = await createTestApi(t, {
      idTokens: { apple: verifier(apple, [APPLE_ID]), google: verifier(google, [GOOGLE_ID]) },
    });
    try {
      await fn({ api, t, apple, google });
    } finally {
      await api.close();
      await apple.close();
      await google.close();
    }
  });
}

let nonces = 0;
async function appleSignIn(
  api: Api,
  apple: LocalIdProvider,
  subject: string,
  email: string | null,
) {
  const nonce = `nonce-${++nonces}-${crypto.randomUUID()}`;
  const idToken = await apple.sign({ audience: APPLE_ID, subject, email, nonce });
  return (await gql(api.app, APPLE, { idToken, nonce })).body.data.signInWithApple;
}

platformTest(
  "Apple: the first sign-in creates an account, the next finds it by subject",
  async ({ api, t, apple }) => {
    const relay = "q8w7e6r5@privaterelay.appleid.com";
    const first = await appleSignIn(api, apple, "001.apple.subject", relay);
    assert.deepEqual(first.userErrors, []);
    assert.ok(first.accessToken && first.refreshToken);
    assert.equal(first.user.email, relay);
    assert.deepEqual(first.user.platformLogins, [{
      provider: "APPLE",
      email: relay,
      privateEmail: true,
    }]);
    // Apple leaves the e-mail out later (or the person changed it): the subject decides.
    const again = await appleSignIn(api, apple, "001.apple.subject", null);
    assert.deepEqual(again.userErrors, []);
    assert.equal(again.user.id, first.user.id);
    const [counts] = await t.owner`select (select count(*)::int from users) as users,
      (select count(*)::int from platform_logins) as logins,
      (select email_verified_at is not null from users where id = ${first.user.id}) as proved`;
    assert.deepEqual(counts, { users: 1, logins: 1, proved: true });
    const me = await gql(api.app, ME, {}, { token: again.accessToken });
    assert.equal(me.body.data.me.id, first.user.id);
  },
);

platformTest("Apple: a nonce works once", async ({ api, apple }) => {
  const nonce = "the-only-nonce";
  const idToken = await apple.sign({
    audience: APPLE_ID,
    subject: "replayed",
    email: "r@example.com",
    nonce,
  });
  const first = await gql(api.app, APPLE, { idToken, nonce });
  assert.deepEqual(first.body.data.signInWithApple.userErrors, []);
  const replay = await gql(api.app, APPLE, { idToken, nonce });
  assert.deepEqual(replay.body.data.signInWithApple, {
    accessToken: null,
    refreshToken: null,
    user: null,
    userErrors: [{
      code: "INVALID_INPUT",
      field: "nonce",
      message: "This sign-in was already used. Sign in again.",
    }],
  });
});

platformTest(
  "a verified e-mail links only to an account that proved it; never a silent takeover",
  async ({ api, t, google }) => {
    const victim = await signUp(api.app, "owner@example.com");
    const token = await google.sign({
      audience: GOOGLE_ID,
      subject: "g-attacker",
      email: "owner@example.com",
    });
    // The password account never proved its address: no link, no new account, nothing changed.
    const refused = await gql(api.app, GOOGLE, { idToken: token });
    assert.equal(refused.body.data.signInWithGoogle.accessToken, null);
    assert.equal(refused.body.data.signInWithGoogle.userErrors[0].code, "PERMISSION_DENIED");
    const [none] = await t.owner`select count(*)::int as n from platform_logins`;
    assert.equal(none!.n, 0);

    // Once the owner proved the address (a reset link used), Google's verified e-mail links.
    await t.owner`update users set email_verified_at = now() where id = ${victim.userId}`;
    const linked = await gql(api.app, GOOGLE, { idToken: token });
    assert.deepEqual(linked.body.data.signInWithGoogle.userErrors, []);
    assert.equal(linked.body.data.signInWithGoogle.user.id, victim.userId);
    const [audit] = await t.owner`select details from audit_log
      where user_id = ${victim.userId} and action = 'platform_login.linked'`;
    assert.deepEqual(audit!.details, { provider: "google", via: "verified e-mail" });

    // An unverified e-mail from the provider never links, even to a proved account.
    const unverified = await google.sign({
      audience: GOOGLE_ID,
      subject: "g-other",
      email: "owner@example.com",
      claims: { email_verified: false },
    });
    const no = await gql(api.app, GOOGLE, { idToken: unverified });
    assert.equal(no.body.data.signInWithGoogle.userErrors[0].code, "PERMISSION_DENIED");
  },
);

platformTest(
  "link from a session, list, refuse a login of another account, unlink but not the last way in",
  async ({ api, t, apple, google }) => {
    const me = await signUp(api.app);
    const nonce = "link-nonce";
    const appleToken = await apple.sign({
      audience: APPLE_ID,
      subject: "a-me",
      email: "hidden@privaterelay.appleid.com",
      nonce,
    });
    const linked = await gql(api.app, LINK, { provider: "APPLE", idToken: appleToken, nonce }, {
      token: me.accessToken,
    });
    assert.deepEqual(linked.body.data.linkPlatformLogin, {
      platformLogin: { provider: "APPLE", email: "hidden@privaterelay.appleid.com" },
      userErrors: [],
    });
    // Apple now signs in to this account, whatever e-mail it shares.
    const viaApple = await appleSignIn(api, apple, "a-me", "hidden@privaterelay.appleid.com");
    assert.equal(viaApple.user.id, me.userId);

    // A Google login that already belongs to someone else cannot be taken.
    const other = await gql(api.app, GOOGLE, {
      idToken: await google.sign({ audience: GOOGLE_ID, subject: "g-theirs", email: "t@x.com" }),
    });
    const theirs = other.body.data.signInWithGoogle.user.id;
    const steal = await gql(api.app, LINK, {
      provider: "GOOGLE",
      idToken: await google.sign({ audience: GOOGLE_ID, subject: "g-theirs", email: "t@x.com" }),
    }, { token: me.accessToken });
    assert.equal(steal.body.data.linkPlatformLogin.userErrors[0].code, "PERMISSION_DENIED");
    const [owner] = await t.owner`select user_id from platform_logins where subject = 'g-theirs'`;
    assert.equal(owner!.user_id, theirs);

    // Each account lists only its own logins.
    const mine = await gql(api.app, ME, {}, { token: me.accessToken });
    assert.deepEqual(mine.body.data.me.platformLogins, [{
      provider: "APPLE",
      email: "hidden@privaterelay.appleid.com",
    }]);

    // The Google-only account cannot drop its only way in; mine has a password.
    const last = await gql(api.app, UNLINK, { provider: "GOOGLE" }, {
      token: other.body.data.signInWithGoogle.accessToken,
    });
    assert.equal(last.body.data.unlinkPlatformLogin.userErrors[0].code, "PERMISSION_DENIED");
    const foreign = await gql(api.app, UNLINK, { provider: "GOOGLE" }, { token: me.accessToken });
    assert.equal(foreign.body.data.unlinkPlatformLogin.userErrors[0].code, "NOT_FOUND");
    const unlinked = await gql(api.app, UNLINK, { provider: "APPLE" }, { token: me.accessToken });
    assert.deepEqual(unlinked.body.data.unlinkPlatformLogin, { provider: "APPLE", userErrors: [] });
    const [left] = await t.owner`select count(*)::int as n from platform_logins
      where user_id = ${me.userId}`;
    assert.equal(left!.n, 0);
    const anonymous = await gql(api.app, UNLINK, { provider: "APPLE" });
    assert.equal(anonymous.body.errors[0].extensions.code, "AUTHENTICATION_REQUIRED");
  },
);

platformTest("bad tokens answer userErrors with a code, never a fault", async ({ api, google }) => {
  const expired = await google.sign({ audience: GOOGLE_ID, subject: "1", issuedAt: -7200 });
  for (const idToken of ["", "a.b.c", expired]) {
    const res = await gql(api.app, GOOGLE, { idToken });
    assert.equal(res.status, 200);
    const errors = res.body.data.signInWithGoogle.userErrors;
    assert.equal(errors[0].code, "INVALID_INPUT", JSON.stringify(errors));
  }
  // A NUL is refused at the edge, as everywhere (tests/bad_input_test.ts).
  const nul = await gql(api.app, GOOGLE, { idToken: "a\u0000b" });
  assert.equal(nul.status, 400);
  assert.equal(nul.body.errors[0].extensions.field, "idToken");
  // Google goes down: the keys fetched for the expired token above are held, so sign-in works.
  google.setDown(true);
  const fine = await gql(api.app, GOOGLE, {
    idToken: await google.sign({ audience: GOOGLE_ID, subject: "2", email: "two@example.com" }),
  });
  assert.deepEqual(fine.body.data.signInWithGoogle.userErrors, []);
});

platformTest(
  "the provider's keys unreachable and none held: EXTERNAL_SERVICE_ERROR, nothing created",
  async ({ api, t, google }) => {
    google.setDown(true);
    const idToken = await google.sign({
      audience: GOOGLE_ID,
      subject: "9",
      email: "n@example.com",
    });
    const res = await gql(api.app, GOOGLE, { idToken });
    assert.equal(res.status, 200);
    assert.equal(res.body.data.signInWithGoogle.accessToken, null);
    assert.equal(res.body.data.signInWithGoogle.userErrors[0].code, "EXTERNAL_SERVICE_ERROR");
    const [users] = await t.owner`select count(*)::int as n from users`;
    assert.equal(users!.n, 0);
  },
);
