/**
 * /graphql keeps a signed-in user's read answers until their data changes (api/answer_cache.ts):
 * a change by any process reaches every process's cache through `alatar_tenant_changed`, a
 * mutation in this process is read back at once, and one user never gets another's answer.
 */
import assert from "node:assert/strict";
import type { Hono } from "hono";
import { createAnswerCache } from "../api/answer_cache.ts";
import { apiTest, gql, signUp } from "./helpers/api.ts";
import { dbTest } from "./helpers/test_db.ts";

const ME = `{ me { id email preferences { preferredLlm notificationsEnabled quietHoursStart } } }`;

/** How many reads /metrics says were answered as kept. */
async function hits(app: Hono): Promise<number> {
  const text = await (await app.request("/metrics")).text();
  const line = text.split("\n").find((l) =>
    l.startsWith('alatar_graphql_answer_cache_total{outcome="hit"}')
  );
  return line ? Number(line.split(" ").at(-1)) : 0;
}

/** A promise for the next time the cache is told `userId` changed, and the resolver it waits on. */
function notified() {
  const waiting = new Map<string, () => void>();
  return {
    onForget: (userId: string) => waiting.get(userId)?.(),
    next: (userId: string) => new Promise<void>((resolve) => waiting.set(userId, resolve)),
  };
}

dbTest("every table holding a tenant's rows announces its changes", async (t) => {
  const tables = await t.owner<{ table_name: string }[]>`
    select c.table_name from information_schema.columns c
      join information_schema.tables b using (table_schema, table_name)
     where c.table_schema = 'public' and c.column_name = 'user_id' and b.table_type = 'BASE TABLE'
    union select 'users'`;
  assert.ok(tables.length > 30, `only ${tables.length} tenant tables found`);
  const triggers = await t.owner<{ table: string; name: string }[]>`
    select event_object_table as table, trigger_name as name from information_schema.triggers
     where trigger_schema = 'public' and trigger_name like 'tenant_changed_%'`;
  for (const { table_name } of tables) {
    for (const event of ["insert", "update", "delete"]) {
      assert.ok(
        triggers.some((tr) => tr.table === table_name && tr.name === `tenant_changed_${event}`),
        `${table_name} has no tenant_changed_${event} trigger: a migration must add it`,
      );
    }
  }
});

const changes = notified();
apiTest(
  "a repeated read is answered as kept until another process changes the user's data",
  async (api, t) => {
    const alice = await signUp(api.app);
    const first = await gql(api.app, ME, {}, { token: alice.accessToken });
    assert.equal(first.body.data.me.email, alice.email);
    const before = await hits(api.app);
    const again = await gql(api.app, ME, {}, { token: alice.accessToken });
    assert.deepEqual(again.body, first.body);
    assert.equal(await hits(api.app), before + 1);

    // Another process (here the owner's connection) changes the preferences: the notification
    // reaches this process's cache, and the next read is fresh.
    const told = changes.next(alice.userId);
    await t
      .owner`update user_preferences set quiet_hours_start = 7 where user_id = ${alice.userId}`;
    await told;
    const fresh = await gql(api.app, ME, {}, { token: alice.accessToken });
    assert.equal(fresh.body.data.me.preferences.quietHoursStart, 7);
    assert.equal(await hits(api.app), before + 1);

    // A change to the user row itself is announced too.
    const told2 = changes.next(alice.userId);
    await t.owner`update users set email = ${"new-" + alice.email} where id = ${alice.userId}`;
    await told2;
    assert.equal(
      (await gql(api.app, ME, {}, { token: alice.accessToken })).body.data.me.email,
      "new-" + alice.email,
    );
  },
  { onAnswersForgotten: changes.onForget },
);

/**
 * The real database's LISTEN, with this user's notifications still in flight for the whole test:
 * what a read right after a mutation meets when the notification has not arrived yet.
 */
let unheard = "";
apiTest("a mutation's writes are read back at once by the process that ran it", async (api) => {
  const bob = await signUp(api.app);
  unheard = bob.userId;
  const token = { token: bob.accessToken };
  for (const hour of [1, 2]) {
    await gql(api.app, ME, {}, token);
    await gql(api.app, ME, {}, token); // kept
    const update = await gql(
      api.app,
      `mutation($h: Int!) { updatePreferences(quietHoursStart: $h) { userErrors { code } } }`,
      { h: hour },
      token,
    );
    assert.deepEqual(update.body.data.updatePreferences.userErrors, []);
    // No waiting for the notification: the mutation itself forgot the kept answer.
    assert.equal(
      (await gql(api.app, ME, {}, token)).body.data.me.preferences.quietHoursStart,
      hour,
    );
  }
}, {
  answersListen: (db) => ({
    listen: (channel, onNotify, onListen) =>
      db.listen(channel, (userId) => userId !== unheard && onNotify(userId), onListen),
  }),
});

apiTest("one user never gets another's kept answer, and errors are never kept", async (api) => {
  const alice = await signUp(api.app);
  const bob = await signUp(api.app);
  for (let i = 0; i < 2; i++) {
    assert.equal(
      (await gql(api.app, ME, {}, { token: alice.accessToken })).body.data.me.email,
      alice.email,
    );
    assert.equal(
      (await gql(api.app, ME, {}, { token: bob.accessToken })).body.data.me.email,
      bob.email,
    );
  }
  // Anonymous reads are not kept for anyone.
  const anonymous = await gql(api.app, ME);
  assert.equal(anonymous.body.data.me, null);
  assert.equal(anonymous.body.errors[0].extensions.code, "AUTHENTICATION_REQUIRED");

  const bad = `{ proposedActions(status: "NOT_A_STATUS") { edges { node { id } } } }`;
  const before = await hits(api.app);
  for (let i = 0; i < 2; i++) {
    const res = await gql(api.app, bad, {}, { token: alice.accessToken });
    assert.ok(res.body.errors.length > 0);
  }
  assert.equal(await hits(api.app), before);
});

apiTest(
  "a polled GET is a 304 from the kept answer, with the same ETag as a fresh one",
  async (api) => {
    const carol = await signUp(api.app);
    const get = (etag?: string) =>
      api.app.request(`/graphql?${new URLSearchParams({ query: ME })}`, {
        headers: {
          authorization: `Bearer ${carol.accessToken}`,
          ...(etag ? { "if-none-match": etag } : {}),
        },
      });
    const fresh = await get();
    assert.equal(fresh.status, 200);
    const etag = fresh.headers.get("etag")!;
    assert.equal(fresh.headers.get("vary")?.includes("Authorization"), true);
    const before = await hits(api.app);
    const kept = await get();
    assert.equal(kept.status, 200);
    assert.equal(kept.headers.get("etag"), etag);
    assert.deepEqual(await kept.json(), await fresh.json());
    const unchanged = await get(etag);
    assert.equal(unchanged.status, 304);
    assert.equal(await unchanged.text(), "");
    assert.equal(await hits(api.app), before + 2);
  },
);

dbTest(
  "a read overtaken by a change, an expired answer and an over-budget one are not served",
  async (t) => {
    let clock = 1_000_000;
    const cache = createAnswerCache(t.db, t.log, {
      ttlMs: 1000,
      maxBytes: 100,
      maxAnswerBytes: 60,
      now: () => clock,
    });
    const body = (text: string) => ({ body: new TextEncoder().encode(text) });
    // Not listening: nothing is kept, since changes could not be heard.
    cache.keep(cache.ticket("u1"), "k", body("answer"));
    assert.equal(cache.get("u1", "k"), null);
    await cache.start();
    try {
      // A change announced while the read was in flight: the read's answer is not kept.
      const overtaken = cache.ticket("u1");
      cache.forgetUser("u1");
      cache.keep(overtaken, "k", body("stale"));
      assert.equal(cache.get("u1", "k"), null);

      cache.keep(cache.ticket("u1"), "k", body("fresh"));
      assert.equal(new TextDecoder().decode(cache.get("u1", "k")!.body), "fresh");
      clock += 500;
      cache.keep(cache.ticket("u1"), "later", body("later"));
      clock += 500; // the first answer's time to live has passed, not the second's
      assert.equal(cache.get("u1", "k"), null);
      assert.equal(new TextDecoder().decode(cache.get("u1", "later")!.body), "later");
      clock += 500;
      assert.equal(cache.get("u1", "later"), null);
      assert.equal(cache.stats.bytes, 0);

      // Larger than one answer may be: not kept.
      cache.keep(cache.ticket("u1"), "k", body("x".repeat(61)));
      assert.equal(cache.get("u1", "k"), null);
      // Over the budget: the least recently used user goes first.
      cache.keep(cache.ticket("u1"), "k", body("a".repeat(40)));
      cache.keep(cache.ticket("u2"), "k", body("b".repeat(40)));
      assert.ok(cache.get("u1", "k")); // u1 is now the most recently used
      cache.keep(cache.ticket("u3"), "k", body("c".repeat(40)));
      assert.ok(cache.get("u1", "k"));
      assert.equal(cache.get("u2", "k"), null);
      assert.ok(cache.get("u3", "k"));
      assert.ok(cache.stats.bytes <= 100);
    } finally {
      await cache.stop();
    }
    assert.equal(cache.get("u1", "k"), null);
  },
);
