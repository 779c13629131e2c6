/**
 * Push to the iPhone app against the local APNs server (HTTP/2 over TLS,
 * Apple's headers, provider-token check and error answers): device
 * registration over GraphQL, one push per insight and device however often
 * the delivery runs, Apple's answers sorted (a gone device removed, an outage
 * retried, nothing pushed twice), notifications off, quiet hours, and the
 * weekly digest's e-mail.
 */
import assert from "node:assert/strict";
import { exportPKCS8, generateKeyPair } from "jose";
import type { Sql } from "../db/database.ts";
import { createProviderTokens } from "../notifications/apns_token.ts";
import { deliverInsight, PushLater } from "../notifications/deliver_insight.ts";
import { INSIGHT_DELIVERY_QUEUE } from "../notifications/delivery_queue.ts";
import { localApnsClient, startLocalApns } from "../notifications/local_apns.ts";
import { apiTest, gql, signUp } from "./helpers/api.ts";
import { spawnWorker, type WorkerProcess } from "./helpers/spawn_worker.ts";

const TOPIC = "com.alatar.test";
const REGISTER = `mutation($token: String!, $environment: PushEnvironment) {
  registerPushDevice(token: $token, environment: $environment) {
    device { id environment } userErrors { code field message } } }`;
const UNREGISTER = `mutation($id: ID!) {
  unregisterPushDevice(id: $id) { deviceId userErrors { code field } } }`;

const hex = (n: number) => n.toString(16).padStart(64, "0");

/** A store in New York time with one ready insight of `kind`, as the check and pipeline leave it. */
async function readyInsight(owner: Sql, userId: string, kind = "anomaly") {
  const [account] = await owner`
    insert into linked_accounts (user_id, provider, account_identifier, encrypted_access_token)
    values (${userId}, 'shopify', ${`${kind}-${userId.slice(0, 8)}.myshopify.com`}, '\\x01')
    returning id`;
  await owner`insert into store_sync_state (linked_account_id, user_id, shop_timezone)
              values (${account!.id}, ${userId}, 'America/New_York')`;
  const [insight] = await owner`
    insert into insights (user_id, linked_account_id, kind, cause, severity, title, summary,
      period_from, period_to, ready_at)
    values (${userId}, ${account!.id}, ${kind}, ${`${kind}:1`}, 'critical',
      'Trail Runner stopped selling', 'Trail Runner sold nothing over two days.',
      '2026-12-01', '2026-12-02', now())
    returning id`;
  return insight!.id as string;
}

apiTest(
  "registerPushDevice: validated, idempotent, moved between accounts, unregistered",
  async (api, t) => {
    const me = await signUp(api.app);
    const other = await signUp(api.app);
    const token = "AB".repeat(32);
    const first = await gql(api.app, REGISTER, {
      token: `<${token.slice(0, 8)} ${token.slice(8)}>`,
    }, {
      token: me.accessToken,
    });
    const device = first.body.data.registerPushDevice.device;
    assert.equal(device.environment, "PRODUCTION");
    const again = await gql(api.app, REGISTER, { token }, { token: me.accessToken });
    assert.equal(again.body.data.registerPushDevice.device.id, device.id);
    const [stored] = await t.owner`select token from push_devices where id = ${device.id}`;
    assert.equal(stored!.token, "ab".repeat(32));

    for (const bad of ["", "abc", "zz".repeat(32), "ab".repeat(33)]) {
      const res = await gql(api.app, REGISTER, { token: bad }, { token: me.accessToken });
      assert.deepEqual(
        res.body.data.registerPushDevice.userErrors.map((
          e: { code: string; field: string },
        ) => [e.code, e.field]),
        [["INVALID_INPUT", "token"]],
      );
    }

    // The phone signs in to another account: the token leaves the first one.
    const moved = await gql(api.app, REGISTER, { token }, { token: other.accessToken });
    const theirs = moved.body.data.registerPushDevice.device.id;
    const owners = await t.owner`select user_id from push_devices`;
    assert.deepEqual(owners.map((r) => r.user_id), [other.userId]);

    // Another account's device is not found; one's own is removed.
    const foreign = await gql(api.app, UNREGISTER, { id: theirs }, { token: me.accessToken });
    assert.equal(foreign.body.data.unregisterPushDevice.userErrors[0].code, "NOT_FOUND");
    const gone = await gql(api.app, UNREGISTER, { id: theirs }, { token: other.accessToken });
    assert.equal(gone.body.data.unregisterPushDevice.deviceId, theirs);
    const [left] = await t.owner`select count(*)::int as n from push_devices`;
    assert.equal(left!.n, 0);
  },
);

apiTest(
  "an insight is pushed once per device; a gone device is removed and an outage retried",
  async (api, t) => {
    const apns = await startLocalApns({ topic: TOPIC });
    const client = await localApnsClient(apns, TOPIC);
    try {
      const me = await signUp(api.app);
      const insight = await readyInsight(t.owner, me.userId);
      for (const n of [1, 2, 3]) {
        await gql(api.app, REGISTER, { token: hex(n) }, { token: me.accessToken });
      }
      apns.unregister(hex(2));
      // Noon in New York: outside quiet hours.
      const deps = {
        db: t.db,
        boss: api.boss,
        apns: client,
        environment: "production" as const,
        now: () => new Date("2026-12-08T17:00:00Z"),
      };

      // APNs is down for the first send: that device waits for the retry, the others are settled.
      apns.failNext(1, 503, "ServiceUnavailable");
      await assert.rejects(
        deliverInsight(deps, { userId: me.userId, insightId: insight }),
        PushLater,
      );
      assert.deepEqual(apns.deliveries.map((d) => d.deviceToken), [hex(3)]);
      const devices = await t.owner`select token from push_devices order by token`;
      assert.deepEqual(devices.map((d) => d.token), [hex(1), hex(3)]);

      // The retry sends to the one left, and nobody twice.
      const retried = await deliverInsight(deps, { userId: me.userId, insightId: insight });
      assert.deepEqual(retried, { pushed: 1, removed: 0, failed: 0, emailed: false });
      assert.deepEqual(apns.deliveries.map((d) => d.deviceToken), [hex(3), hex(1)]);
      const again = await deliverInsight(deps, { userId: me.userId, insightId: insight });
      assert.equal(again.skipped, "Already delivered.");
      assert.equal(apns.deliveries.length, 2);

      // What Apple received: the insight, collapsing on its id, with the unread count as badge.
      const sent = apns.deliveries[0]!;
      assert.deepEqual(
        {
          topic: sent.topic,
          type: sent.pushType,
          priority: sent.priority,
          collapse: sent.collapseId,
        },
        { topic: TOPIC, type: "alert", priority: "10", collapse: insight },
      );
      assert.deepEqual(sent.payload, {
        aps: {
          alert: {
            title: "Trail Runner stopped selling",
            body: "Trail Runner sold nothing over two days.",
          },
          sound: "default",
          badge: 1,
          "thread-id": "insights",
        },
        insightId: insight,
        analysisRequestId: null,
      });
      const rows = await t
        .owner`select status, reason, device_id is null as gone from push_deliveries
                               order by status`;
      assert.deepEqual(rows.map((r) => [r.status, r.reason, r.gone]), [
        ["device_removed", "Unregistered", true],
        ["sent", null, false],
        ["sent", null, false],
      ]);
    } finally {
      client.close();
      await apns.close();
    }
  },
);

apiTest(
  "quiet hours wait for 08:00 shop time; notifications off send nothing; a digest is e-mailed",
  async (api, t) => {
    const apns = await startLocalApns({ topic: TOPIC });
    const client = await localApnsClient(apns, TOPIC);
    try {
      const me = await signUp(api.app);
      await gql(api.app, REGISTER, { token: hex(7) }, { token: me.accessToken });
      const insight = await readyInsight(t.owner, me.userId);
      // 23:30 in New York.
      const night = {
        db: t.db,
        boss: api.boss,
        apns: client,
        environment: "production" as const,
        now: () => new Date("2026-12-08T04:30:00Z"),
      };
      const deferred = await deliverInsight(night, { userId: me.userId, insightId: insight });
      assert.equal(deferred.deferredUntil, "2026-12-08T13:00:00.000Z");
      assert.equal(apns.deliveries.length, 0);
      const [queued] = await t.owner`select start_after from pgboss.job
      where name = ${INSIGHT_DELIVERY_QUEUE} and data->>'insightId' = ${insight}`;
      assert.equal((queued!.start_after as Date).toISOString(), "2026-12-08T13:00:00.000Z");

      // Notifications turned off: nothing is pushed, and the insight counts as delivered.
      await gql(
        api.app,
        `mutation { updatePreferences(notificationsEnabled: false) { userErrors { code } } }`,
        {},
        {
          token: me.accessToken,
        },
      );
      const noon = { ...night, now: () => new Date("2026-12-08T17:00:00Z") };
      const off = await deliverInsight(noon, { userId: me.userId, insightId: insight });
      assert.equal(off.skipped, "Notifications are off.");
      assert.equal(apns.deliveries.length, 0);

      // Back on: the weekly digest is pushed and e-mailed through the outbox.
      await gql(
        api.app,
        `mutation { updatePreferences(notificationsEnabled: true) { userErrors { code } } }`,
        {},
        {
          token: me.accessToken,
        },
      );
      const digest = await readyInsight(t.owner, me.userId, "digest");
      const delivered = await deliverInsight(noon, { userId: me.userId, insightId: digest });
      assert.deepEqual(delivered, { pushed: 1, removed: 0, failed: 0, emailed: true });
      const mail = await t.owner`select to_address, subject, body from email_outbox`;
      assert.equal(mail.length, 1);
      assert.equal(mail[0]!.to_address, me.email.toLowerCase());
      assert.equal(mail[0]!.subject, "Trail Runner stopped selling");
      assert.match(mail[0]!.body, /sold nothing over two days/);
    } finally {
      client.close();
      await apns.close();
    }
  },
);

Deno.test("the local APNs server answers as APNs does: token, topic, device and payload checks", async () => {
  let clock = Date.now();
  const apns = await startLocalApns({ topic: TOPIC, now: () => clock });
  const http = Deno.createHttpClient({ http1: false, http2: true, caCerts: [apns.caCert] });
  try {
    const tokens = await createProviderTokens(apns.credentials, () => clock);
    const post = async (path: string, headers: Record<string, string>, body = '{"aps":{}}') => {
      const res = await fetch(`${apns.url}${path}`, {
        method: "POST",
        client: http,
        headers,
        body,
      });
      return [res.status, res.status === 200 ? null : (await res.json()).reason];
    };
    const good = async () => ({
      authorization: `bearer ${await tokens.current()}`,
      "apns-topic": TOPIC,
    });
    assert.deepEqual(await post(`/3/device/${hex(1)}`, await good()), [200, null]);
    // Another key's token, none at all, a wrong topic, a malformed device, an oversized payload.
    const strangerKey = await generateKeyPair("ES256", { extractable: true });
    const stranger = await createProviderTokens({
      ...apns.credentials,
      privateKeyPem: await exportPKCS8(strangerKey.privateKey),
    });
    assert.deepEqual(
      await post(`/3/device/${hex(1)}`, {
        authorization: `bearer ${await stranger.current()}`,
        "apns-topic": TOPIC,
      }),
      [403, "InvalidProviderToken"],
    );
    assert.deepEqual(await post(`/3/device/${hex(1)}`, { "apns-topic": TOPIC }), [
      403,
      "MissingProviderToken",
    ]);
    assert.deepEqual(
      await post(`/3/device/${hex(1)}`, { ...(await good()), "apns-topic": "com.other" }),
      [400, "TopicDisallowed"],
    );
    assert.deepEqual(await post(`/3/device/xyz`, await good()), [400, "BadDeviceToken"]);
    assert.deepEqual(
      await post(`/3/device/${hex(1)}`, await good(), `{"a":"${"x".repeat(5000)}"}`),
      [413, "PayloadTooLarge"],
    );
    // An hour and a bit later the same token has expired (the client renews at 50 minutes).
    const old = await good();
    clock += 61 * 60_000;
    assert.deepEqual(await post(`/3/device/${hex(1)}`, old), [403, "ExpiredProviderToken"]);
    assert.deepEqual(await post(`/3/device/${hex(1)}`, await good()), [200, null]);
    assert.equal(apns.deliveries.length, 2);
  } finally {
    http.close();
    await apns.close();
  }
});

apiTest(
  "a worker killed mid-delivery: another delivers it, each device gets one notification",
  async (api, t) => {
    const apns = await startLocalApns({ topic: TOPIC });
    const workers: WorkerProcess[] = [];
    const worker = async () => {
      const process = spawnWorker({
        databaseUrl: t.url,
        // No store is linked: the worker never calls Shopify here.
        shopifyAdminBaseUrl: "http://127.0.0.1:9/admin",
        appUrl: "http://localhost:8000",
        env: {
          TEST_APNS_URL: apns.url,
          TEST_APNS_CA: apns.caCert,
          TEST_APNS_TOPIC: TOPIC,
          TEST_APNS_KEY_ID: apns.credentials.keyId,
          TEST_APNS_TEAM_ID: apns.credentials.teamId,
          TEST_APNS_PRIVATE_KEY: apns.credentials.privateKeyPem,
        },
      });
      workers.push(process);
      await process.waitFor("READY");
      return process;
    };
    try {
      const me = await signUp(api.app);
      for (const n of [1, 2, 3]) {
        await gql(api.app, REGISTER, { token: hex(n) }, { token: me.accessToken });
      }
      // Whatever the hour in New York now, no quiet hours.
      await gql(
        api.app,
        `mutation { updatePreferences(quietHoursStart: 0, quietHoursEnd: 0) { userErrors { code } } }`,
        {},
        { token: me.accessToken },
      );
      const insight = await readyInsight(t.owner, me.userId);

      // The second device's push reaches the phone, and the worker dies before Apple answers.
      const first = await worker();
      const held = apns.holdAnswerTo(hex(2));
      await api.boss.send(INSIGHT_DELIVERY_QUEUE, { userId: me.userId, insightId: insight });
      await held;
      await first.stop();
      const [midway] = await t.owner`select
          (select count(*)::int from push_deliveries) as rows,
          (select delivered_at from insights where id = ${insight}) as delivered`;
      assert.deepEqual(midway, { rows: 0, delivered: null });

      // Its heartbeat lapses; pg-boss retries the job on another worker process.
      await worker();
      const deadline = Date.now() + 90_000;
      let delivered = null;
      while (!delivered && Date.now() < deadline) {
        const [row] = await t.owner`select delivered_at from insights where id = ${insight}`;
        delivered = row!.delivered_at;
        if (!delivered) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.ok(delivered, "delivered after the retry");

      // One row per device; the resends carry the insight's collapse id, so each phone shows the
      // insight once (the second push replaces the first).
      const rows = await t.owner`select d.token, x.status from push_deliveries x
        join push_devices d on d.id = x.device_id order by d.token`;
      assert.deepEqual(rows.map((r) => [r.token, r.status]), [
        [hex(1), "sent"],
        [hex(2), "sent"],
        [hex(3), "sent"],
      ]);
      const shown = new Map<string, Set<string | null>>();
      for (const d of apns.deliveries) {
        shown.set(d.deviceToken, (shown.get(d.deviceToken) ?? new Set()).add(d.collapseId));
      }
      assert.deepEqual([...shown].sort(), [
        [hex(1), new Set([insight])],
        [hex(2), new Set([insight])],
        [hex(3), new Set([insight])],
      ]);
      assert.ok(apns.deliveries.filter((d) => d.deviceToken === hex(2)).length === 2);
    } finally {
      for (const w of workers) await w.stop();
      await apns.close();
    }
  },
);
