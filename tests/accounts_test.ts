/** Accounts through /graphql with the real app, argon2id, pg-boss and Postgres. */
import assert from "node:assert/strict";
import { createFileEmailSender } from "../auth/mail.ts";
import { deliverEmail } from "../auth/email_delivery.ts";
import { apiTest, gql, LOGIN, REGISTER, signUp } from "./helpers/api.ts";

const ME = `{ me { id email preferences { preferredLlm notificationsEnabled } } }`;
const REFRESH = `mutation($t: String!) { refreshToken(refreshToken: $t) {
  accessToken refreshToken user { id } userErrors { code message field } } }`;

apiTest("register signs in, and the access token reads me", async ({ app }) => {
  const res = await gql(app, REGISTER, {
    email: "  Ann@Example.com ",
    password: "correct horse battery",
  });
  assert.equal(res.status, 200);
  const payload = res.body.data.register;
  assert.deepEqual(payload.userErrors, []);
  assert.equal(payload.user.email, "ann@example.com");
  assert.match(payload.refreshToken, /^rt_/);
  assert.ok(Date.parse(payload.accessTokenExpiresAt) - Date.now() <= 15 * 60 * 1000);

  const me = await gql(app, ME, {}, { token: payload.accessToken });
  assert.deepEqual(me.body.data.me, {
    id: payload.user.id,
    email: "ann@example.com",
    preferences: { preferredLlm: null, notificationsEnabled: true },
  });
});

apiTest("register refuses bad input field by field and creates nothing", async ({ app }, t) => {
  const cases: Array<[string, string, string]> = [
    ["", "correct horse battery", "email"],
    ["not-an-email", "correct horse battery", "email"],
    [`${"a".repeat(250)}@example.com`, "correct horse battery", "email"],
    ["bob@example.com", "short", "password"],
    ["bob@example.com", "x".repeat(257), "password"],
    ["bob@example.com", "bob@example.com", "password"],
  ];
  for (const [email, password, field] of cases) {
    const res = await gql(app, REGISTER, { email, password });
    const [error] = res.body.data.register.userErrors;
    assert.equal(error?.code, "INVALID_INPUT", `${email}/${password.length}`);
    assert.equal(error?.field, field);
    assert.equal(res.body.data.register.accessToken, null);
  }
  const [row] = await t.owner`select count(*)::int as n from users`;
  assert.equal(row!.n, 0);
});

apiTest("wrong argument types are a GraphQL validation error, not a fault", async ({ app }) => {
  const res = await gql(
    app,
    `mutation { register(email: 42, password: true) { userErrors { code } } }`,
  );
  assert.equal(res.status, 400);
  assert.match(res.body.errors[0].message, /String cannot represent/);
});

apiTest("one address is one account, whatever its case or Unicode form", async ({ app }) => {
  await signUp(app, "JOSÉ@Exämple.de");
  const again = await gql(app, REGISTER, {
    email: "jose\u0301@exämple.de",
    password: "another long one",
  });
  assert.deepEqual(again.body.data.register.userErrors.map((e: { field: string }) => e.field), [
    "email",
  ]);
  const login = await gql(app, LOGIN, {
    email: "josé@EXÄMPLE.de",
    password: "correct horse battery",
  });
  assert.deepEqual(login.body.data.login.userErrors, []);
});

apiTest(
  "login: a wrong password and an unknown account answer alike, in about the same time",
  async ({ app }) => {
    const { email } = await signUp(app);
    const wrong = await gql(app, LOGIN, { email, password: "not the password" });
    const unknown = await gql(app, LOGIN, {
      email: "nobody@example.com",
      password: "not the password",
    });
    assert.deepEqual(wrong.body, unknown.body);
    assert.deepEqual(wrong.body.data.login.userErrors, [
      {
        message: "The e-mail address or password is incorrect.",
        code: "INVALID_INPUT",
        field: null,
        retryAfterSeconds: null,
      },
    ]);

    // Both paths run one argon2id verification. Skipping it for unknown accounts would make
    // them ~20x faster (a few ms against ~60), so a 2.5x bound catches that while tolerating
    // the worker's noise. Samples alternate so drift hits both sides alike.
    const samples: Record<string, number[]> = { known: [], unknown: [] };
    for (let i = 0; i < 7; i++) {
      for (const [label, address] of [["known", email], ["unknown", "nobody@example.com"]]) {
        const started = performance.now();
        await gql(app, LOGIN, { email: address, password: "not the password" }, {
          ip: `198.51.100.${i}`,
        });
        samples[label!]!.push(performance.now() - started);
      }
    }
    const median = (values: number[]) => values.sort((a, b) => a - b)[3]!;
    const [known, nobody] = [median(samples.known!), median(samples.unknown!)];
    const ratio = Math.max(known, nobody) / Math.min(known, nobody);
    assert.ok(ratio < 2.5, `known ${known.toFixed(0)} ms vs unknown ${nobody.toFixed(0)} ms`);
  },
  { limits: { loginPerEmail: { limit: 100, windowSeconds: 60 } } },
);

apiTest("refresh tokens rotate; a reused one revokes the whole session", async ({ app }, t) => {
  const account = await signUp(app);
  const first = await gql(app, REFRESH, { t: account.refreshToken });
  const rotated = first.body.data.refreshToken;
  assert.deepEqual(rotated.userErrors, []);
  assert.notEqual(rotated.refreshToken, account.refreshToken);
  assert.equal(rotated.user.id, account.userId);
  assert.ok((await gql(app, ME, {}, { token: rotated.accessToken })).body.data.me);

  // The old token again: someone copied it. Everything in the family dies.
  const reuse = await gql(app, REFRESH, { t: account.refreshToken });
  assert.equal(reuse.body.data.refreshToken.userErrors[0].code, "AUTHENTICATION_REQUIRED");
  const afterReuse = await gql(app, REFRESH, { t: rotated.refreshToken });
  assert.equal(afterReuse.body.data.refreshToken.userErrors[0].code, "AUTHENTICATION_REQUIRED");
  const me = await gql(app, ME, {}, { token: rotated.accessToken });
  assert.equal(me.body.errors[0].extensions.code, "AUTHENTICATION_REQUIRED");

  const events = await t
    .owner`select action from audit_log where action = 'session.refresh_token_reused'`;
  assert.equal(events.length, 1);
});

apiTest("refresh refuses garbage, expired and foreign tokens alike", async ({ app }, t) => {
  const account = await signUp(app);
  await t.owner`update refresh_tokens set expires_at = now() - interval '1 second'`;
  for (const token of [account.refreshToken, "rt_garbage", "", "x".repeat(5000)]) {
    const res = await gql(app, REFRESH, { t: token });
    assert.equal(res.body.data.refreshToken.userErrors[0].code, "AUTHENTICATION_REQUIRED");
  }
});

apiTest("two refreshes with one token at once: exactly one wins", async ({ app }) => {
  const account = await signUp(app);
  const results = await Promise.all([
    gql(app, REFRESH, { t: account.refreshToken }),
    gql(app, REFRESH, { t: account.refreshToken }),
  ]);
  const winners = results.filter((r) => r.body.data.refreshToken.userErrors.length === 0);
  assert.equal(winners.length, 1);
});

apiTest("logout ends the session at once", async ({ app }) => {
  const account = await signUp(app);
  const other = await gql(app, LOGIN, { email: account.email, password: account.password });
  const res = await gql(app, `mutation { logout { success userErrors { code } } }`, {}, {
    token: account.accessToken,
  });
  assert.deepEqual(res.body.data.logout, { success: true, userErrors: [] });
  assert.equal(
    (await gql(app, ME, {}, { token: account.accessToken })).body.errors[0].extensions.code,
    "AUTHENTICATION_REQUIRED",
  );
  assert.equal(
    (await gql(app, REFRESH, { t: account.refreshToken })).body.data.refreshToken.userErrors[0]
      .code,
    "AUTHENTICATION_REQUIRED",
  );
  // Another device's session is untouched.
  assert.ok((await gql(app, ME, {}, { token: other.body.data.login.accessToken })).body.data.me);
  const anonymous = await gql(app, `mutation { logout { success } }`);
  assert.equal(anonymous.body.errors[0].extensions.code, "AUTHENTICATION_REQUIRED");
});

const REQUEST_RESET =
  `mutation($e: String!) { requestPasswordReset(email: $e) { success userErrors { code field } } }`;
const RESET = `mutation($t: String!, $p: String!) { resetPassword(token: $t, password: $p) {
  success userErrors { code field message } } }`;

apiTest(
  "password reset: mailed link, single use, signs out every session",
  async ({ app, services }, t) => {
    const account = await signUp(app);
    const res = await gql(app, REQUEST_RESET, { e: account.email.toUpperCase() });
    assert.deepEqual(res.body.data.requestPasswordReset, { success: true, userErrors: [] });

    // The e-mail and its job were written together; deliver it as the worker would.
    const [job] = await t.owner`select data from pgboss.job_common where name = 'email.deliver'`;
    assert.ok(job, "no delivery job was queued");
    const mailDir = await Deno.makeTempDir();
    const sender = createFileEmailSender(mailDir, t.log);
    assert.deepEqual(await deliverEmail({ db: services.db, sender }, job.data), { sent: true });
    assert.deepEqual(await deliverEmail({ db: services.db, sender }, job.data), { sent: false });
    const [file] = [...Deno.readDirSync(mailDir)];
    const mail = await Deno.readTextFile(`${mailDir}/${file!.name}`);
    const token = decodeURIComponent(/token=([^\s]+)/.exec(mail)![1]!);
    const [outbox] = await t.owner`select body, sent_at from email_outbox`;
    assert.equal(outbox!.body, null, "the link stays in the outbox after sending");

    const weak = await gql(app, RESET, { t: token, p: "short" });
    assert.equal(weak.body.data.resetPassword.userErrors[0].field, "password");
    const done = await gql(app, RESET, { t: token, p: "a brand new passphrase" });
    assert.deepEqual(done.body.data.resetPassword, { success: true, userErrors: [] });
    const again = await gql(app, RESET, { t: token, p: "yet another passphrase" });
    assert.equal(again.body.data.resetPassword.userErrors[0].field, "token");

    assert.equal(
      (await gql(app, ME, {}, { token: account.accessToken })).body.errors[0].extensions.code,
      "AUTHENTICATION_REQUIRED",
    );
    const old = await gql(app, LOGIN, { email: account.email, password: account.password });
    assert.equal(old.body.data.login.userErrors[0].code, "INVALID_INPUT");
    const fresh = await gql(app, LOGIN, {
      email: account.email,
      password: "a brand new passphrase",
    });
    assert.deepEqual(fresh.body.data.login.userErrors, []);
  },
);

apiTest(
  "password reset answers alike for unknown addresses and sends nothing",
  async ({ app }, t) => {
    const res = await gql(app, REQUEST_RESET, { e: "nobody@example.com" });
    assert.deepEqual(res.body.data.requestPasswordReset, { success: true, userErrors: [] });
    const [row] = await t.owner`select count(*)::int as n from email_outbox`;
    assert.equal(row!.n, 0);
    const malformed = await gql(app, REQUEST_RESET, { e: "nope" });
    assert.equal(malformed.body.data.requestPasswordReset.userErrors[0].field, "email");
  },
);

apiTest("an expired or superseded reset link does not work", async ({ app }, t) => {
  const account = await signUp(app);
  await gql(app, REQUEST_RESET, { e: account.email });
  const firstMail = await t.owner`select body from email_outbox order by created_at`;
  await gql(app, REQUEST_RESET, { e: account.email });
  const token = (body: string) => decodeURIComponent(/token=([^\s]+)/.exec(body)![1]!);
  const superseded = await gql(app, RESET, {
    t: token(firstMail[0]!.body),
    p: "a brand new passphrase",
  });
  assert.equal(superseded.body.data.resetPassword.userErrors[0].field, "token");

  const [latest] = await t.owner`select body from email_outbox order by created_at desc limit 1`;
  await t.owner`update password_reset_tokens set expires_at = now() - interval '1 second'`;
  const expired = await gql(app, RESET, { t: token(latest!.body), p: "a brand new passphrase" });
  assert.equal(expired.body.data.resetPassword.userErrors[0].field, "token");
  const forged = await gql(app, RESET, { t: "pr_AAAA", p: "a brand new passphrase" });
  assert.equal(forged.body.data.resetPassword.userErrors[0].field, "token");
});

apiTest("a rolled-back transaction leaves no job behind", async ({ services }, t) => {
  const { enqueueInTransaction } = await import("../jobs/enqueue.ts");
  const userId = crypto.randomUUID();
  await services.db.withTenant(userId, async (tx) => {
    await enqueueInTransaction(services.boss, tx, "email.deliver", {
      userId,
      emailId: crypto.randomUUID(),
    });
    throw new Error("roll back");
  }).catch(() => {});
  const [row] = await t
    .owner`select count(*)::int as n from pgboss.job_common where name = 'email.deliver'`;
  assert.equal(row!.n, 0);
});

const PREFS =
  `mutation($llm: String, $n: Boolean) { updatePreferences(preferredLlm: $llm, notificationsEnabled: $n) {
  preferences { preferredLlm notificationsEnabled } userErrors { code field } } }`;

apiTest(
  "preferences: set, keep what is omitted, clear with null, refuse nonsense",
  async ({ app }) => {
    const { accessToken: token } = await signUp(app);
    const set = await gql(app, PREFS, { llm: "anthropic/claude-3.5-sonnet", n: false }, { token });
    assert.deepEqual(set.body.data.updatePreferences.preferences, {
      preferredLlm: "anthropic/claude-3.5-sonnet",
      notificationsEnabled: false,
    });
    const keep = await gql(
      app,
      `mutation { updatePreferences(notificationsEnabled: true) {
    preferences { preferredLlm notificationsEnabled } } }`,
      {},
      { token },
    );
    assert.deepEqual(keep.body.data.updatePreferences.preferences, {
      preferredLlm: "anthropic/claude-3.5-sonnet",
      notificationsEnabled: true,
    });
    const cleared = await gql(
      app,
      `mutation { updatePreferences(preferredLlm: null) {
    preferences { preferredLlm } } }`,
      {},
      { token },
    );
    assert.equal(cleared.body.data.updatePreferences.preferences.preferredLlm, null);
    const bad = await gql(app, PREFS, { llm: "drop table users; --" }, { token });
    assert.deepEqual(bad.body.data.updatePreferences.userErrors, [{
      code: "INVALID_INPUT",
      field: "preferredLlm",
    }]);
    const anonymous = await gql(app, PREFS, { n: true });
    assert.equal(anonymous.body.errors[0].extensions.code, "AUTHENTICATION_REQUIRED");
  },
);

apiTest(
  "quiet hours: default 22 to 8, set one end or both, refuse an hour outside 0-23",
  async ({ app }) => {
    const { accessToken: token } = await signUp(app);
    const QUIET = `mutation($s: Int, $e: Int) {
      updatePreferences(quietHoursStart: $s, quietHoursEnd: $e) {
        preferences { quietHoursStart quietHoursEnd notificationsEnabled }
        userErrors { code field } } }`;
    const fresh = await gql(app, `{ me { preferences { quietHoursStart quietHoursEnd } } }`, {}, {
      token,
    });
    assert.deepEqual(fresh.body.data.me.preferences, { quietHoursStart: 22, quietHoursEnd: 8 });
    const both = await gql(app, QUIET, { s: 23, e: 7 }, { token });
    assert.deepEqual(both.body.data.updatePreferences, {
      preferences: { quietHoursStart: 23, quietHoursEnd: 7, notificationsEnabled: true },
      userErrors: [],
    });
    const one = await gql(app, QUIET, { e: 6 }, { token });
    assert.deepEqual(one.body.data.updatePreferences.preferences, {
      quietHoursStart: 23,
      quietHoursEnd: 6,
      notificationsEnabled: true,
    });
    for (
      const [vars, field] of [[{ s: 24 }, "quietHoursStart"], [{ e: -1 }, "quietHoursEnd"], [
        { s: null },
        "quietHoursStart",
      ]] as const
    ) {
      const bad = await gql(app, QUIET, vars, { token });
      assert.deepEqual(bad.body.data.updatePreferences, {
        preferences: null,
        userErrors: [{ code: "INVALID_INPUT", field }],
      });
    }
    const kept = await gql(app, `{ me { preferences { quietHoursStart quietHoursEnd } } }`, {}, {
      token,
    });
    assert.deepEqual(kept.body.data.me.preferences, { quietHoursStart: 23, quietHoursEnd: 6 });
  },
);

apiTest(
  "login rate limits trip per e-mail and per IP, say when to retry, and reset",
  async ({ app }, t) => {
    const { email } = await signUp(app);
    for (let i = 0; i < 3; i++) {
      await gql(app, LOGIN, { email, password: "wrong password" }, { ip: `192.0.2.${i}` });
    }
    const limited = await gql(app, LOGIN, { email, password: "correct horse battery" }, {
      ip: "192.0.2.99",
    });
    const [error] = limited.body.data.login.userErrors;
    assert.equal(error.code, "RATE_LIMIT_EXCEEDED");
    assert.ok(error.retryAfterSeconds > 0 && error.retryAfterSeconds <= 60);
    assert.equal(limited.headers.get("retry-after"), String(error.retryAfterSeconds));

    // Per IP: a fresh address each time, one client IP.
    for (let i = 0; i < 5; i++) {
      await gql(app, LOGIN, { email: `n${i}@example.com`, password: "wrong password" }, {
        ip: "192.0.2.200",
      });
    }
    const byIp = await gql(app, LOGIN, { email: "n9@example.com", password: "x" }, {
      ip: "192.0.2.200",
    });
    assert.equal(byIp.body.data.login.userErrors[0].code, "RATE_LIMIT_EXCEEDED");

    // Once the window has passed, the account can sign in again.
    await t.owner`update rate_limit_counters set window_started_at = now() - interval '2 minutes'`;
    const later = await gql(app, LOGIN, { email, password: "correct horse battery" }, {
      ip: "192.0.2.99",
    });
    assert.deepEqual(later.body.data.login.userErrors, []);
    // Counters hold hashes, never the address or IP.
    const keys = await t.owner`select key from rate_limit_counters`;
    assert.ok(keys.every((k) => !k.key.includes("@") && !k.key.includes("192.0.2")));
  },
  {
    limits: {
      loginPerEmail: { limit: 3, windowSeconds: 60 },
      loginPerIp: { limit: 5, windowSeconds: 60 },
    },
  },
);

apiTest("register and reset are rate limited per IP", async ({ app }) => {
  for (let i = 0; i < 2; i++) await signUp(app);
  const third = await gql(app, REGISTER, {
    email: "third@example.com",
    password: "correct horse battery",
  });
  assert.equal(third.body.data.register.userErrors[0].code, "RATE_LIMIT_EXCEEDED");
  for (let i = 0; i < 2; i++) await gql(app, REQUEST_RESET, { e: `r${i}@example.com` });
  const reset = await gql(app, REQUEST_RESET, { e: "r9@example.com" });
  assert.equal(reset.body.data.requestPasswordReset.userErrors[0].code, "RATE_LIMIT_EXCEEDED");
}, {
  limits: {
    registerPerIp: { limit: 2, windowSeconds: 60 },
    resetPerIp: { limit: 2, windowSeconds: 60 },
  },
});

apiTest("authenticated requests are limited per user with HTTP 429", async ({ app }) => {
  const { accessToken: token } = await signUp(app);
  for (let i = 0; i < 4; i++) assert.equal((await gql(app, ME, {}, { token })).status, 200);
  const limited = await gql(app, ME, {}, { token });
  assert.equal(limited.status, 429);
  assert.equal(limited.body.errors[0].extensions.code, "RATE_LIMIT_EXCEEDED");
  assert.ok(Number(limited.headers.get("retry-after")) > 0);
}, { limits: { requestsPerUser: { limit: 4, windowSeconds: 60 } } });
