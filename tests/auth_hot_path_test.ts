/**
 * The checks every authenticated request makes, without a database write each
 * (auth/session_cache.ts, auth/request_limiter.ts): a session ended in one API
 * process is refused by another at once, and the per-user limit holds across
 * processes sharing one database.
 */
import assert from "node:assert/strict";
import { createRequestLimiter } from "../auth/request_limiter.ts";
import { createSessionCache } from "../auth/session_cache.ts";
import { rateLimitKey } from "../auth/rate_limit.ts";
import { apiTest, gql, signUp } from "./helpers/api.ts";
import { startApiProcess } from "./helpers/api_process.ts";
import { createUser, dbTest } from "./helpers/test_db.ts";

const ME = `{ me { email } }`;

async function meOn(url: string, token: string) {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: ME }),
  });
  return await res.json();
}

/**
 * Asks `check` again until it holds or `timeoutMs` passes; resolves with whether it held. Only for
 * another process's state, which this one cannot observe but by asking it.
 */
async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

apiTest("a session ended in one API process is refused by another", async ({ app }, t) => {
  const other = await startApiProcess(t.url, "http://127.0.0.1:1/{shop}");
  try {
    const { accessToken: token, email } = await signUp(app);
    // The other process answers, and now remembers the session as live.
    assert.equal((await meOn(other.url, token)).data.me.email, email);
    assert.equal((await meOn(other.url, token)).data.me.email, email);

    const out = await gql(app, `mutation { logout { success } }`, {}, { token });
    assert.equal(out.body.data.logout.success, true);
    // Here at once: this process ended it.
    const here = await gql(app, ME, {}, { token });
    assert.equal(here.body.errors[0].extensions.code, "AUTHENTICATION_REQUIRED");
    // There as soon as the notification arrives (milliseconds), never after the cache's TTL.
    const refused = await eventually(
      async () =>
        (await meOn(other.url, token)).errors?.[0]?.extensions?.code === "AUTHENTICATION_REQUIRED",
      3000,
    );
    assert.ok(refused, "the other process still accepted the ended session after 3 s");
    const answer = await meOn(other.url, token);
    assert.match(answer.errors[0].message, /session has ended/);
  } finally {
    await other.stop();
  }
});

dbTest("the session cache forgets a user's sessions when any process revokes them", async (t) => {
  const userId = await createUser(t.db);
  const familyId = crypto.randomUUID();
  await t.owner`insert into refresh_tokens (user_id, family_id, token_hash, expires_at)
                values (${userId}, ${familyId}, ${"h-" + familyId}, now() + interval '1 day')`;
  let told: (userId: string) => void = () => {};
  const forgotten = new Promise<string>((resolve) => (told = resolve));
  const sessions = createSessionCache(t.db, t.log, { onForget: (id) => told(id) });
  await sessions.start();
  try {
    assert.equal(await sessions.isLive(userId, familyId), true);
    assert.equal(await sessions.isLive(userId, crypto.randomUUID()), false);
    // Revoked by someone else (another process, a psql session): the trigger announces it, and
    // the cache forgets the user when the notification arrives.
    await t.owner`update refresh_tokens set revoked_at = now() where family_id = ${familyId}`;
    assert.equal(await forgotten, userId);
    assert.equal(await sessions.isLive(userId, familyId), false);
  } finally {
    await sessions.stop();
  }
});

dbTest(
  "requests are counted by leases, and the limit holds exactly across processes",
  async (t) => {
    const userId = await createUser(t.db);
    const key = rateLimitKey("user", userId);
    const limit = { limit: 100, windowSeconds: 60 };
    const a = createRequestLimiter(t.db, limit);
    const b = createRequestLimiter(t.db, limit);
    try {
      // One write leases 5 % of the limit (5 requests): after 3 requests the shared counter
      // already holds 5, and after 10 it holds 10, two writes where counting each would be ten.
      const hits = async () =>
        (await t.owner`select hits from rate_limit_counters where key = ${key}`)[0]!.hits;
      for (let i = 0; i < 3; i++) assert.equal((await a.hit(userId)).allowed, true);
      assert.equal(await hits(), 5);
      for (let i = 0; i < 7; i++) assert.equal((await a.hit(userId)).allowed, true);
      assert.equal(await hits(), 10);

      // Two processes taking turns, and a burst of concurrent hits: together they get the
      // limit, never more.
      let allowed = 10;
      for (let i = 0; i < 100; i++) if ((await (i % 2 ? a : b).hit(userId)).allowed) allowed++;
      const burst = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).hit(userId)),
      );
      allowed += burst.filter((v) => v.allowed).length;
      assert.equal(allowed, limit.limit);
      const refused = await b.hit(userId);
      assert.equal(refused.allowed, false);
      assert.ok(refused.retryAfterSeconds > 0 && refused.retryAfterSeconds <= 60);

      // A process that stops gives back what it leased and did not use.
      const other = crypto.randomUUID();
      await t.db.withTenant(
        other,
        (tx) => tx`insert into users (id, email) values (${other}, ${other + "@example.test"})`,
      );
      await a.hit(other);
      await a.close();
      const [returned] = await t.owner`select hits from rate_limit_counters
                                     where key = ${rateLimitKey("user", other)}`;
      assert.equal(returned!.hits, 1);
    } finally {
      await a.close();
      await b.close();
    }
  },
);
