/**
 * Siri Shortcuts: a device token made in the app, a question asked with it
 * and answered in one call, or "working on it" and the answer fetched later;
 * revoked and foreign tokens refused; tokens scoped to /siri only; limits.
 */
import assert from "node:assert/strict";
import type { Hono } from "hono";
import { SYNC_QUEUE } from "../mirror/sync_queue.ts";
import { nodeGate, waitForRequest } from "./helpers/analysis.ts";
import { apiTest, gql, signUp } from "./helpers/api.ts";
import { linkedStoreTest } from "./helpers/linked_store.ts";

async function createDeviceToken(app: Hono, token: string, name = "Kitchen HomePod") {
  const res = await gql(
    app,
    `mutation($name: String!) { createDeviceToken(name: $name) {
       token deviceToken { id name lastUsedAt } userErrors { code message } } }`,
    { name },
    { token },
  );
  const payload = res.body.data.createDeviceToken;
  assert.deepEqual(payload.userErrors, []);
  return payload as { token: string; deviceToken: { id: string; name: string } };
}

function siri(app: Hono, deviceToken: string, path: string, body?: unknown) {
  return app.request(path, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${deviceToken}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

linkedStoreTest(
  "a Shortcut asks with a device token and hears the answer; the same question again is reused",
  async ({ api, token, t, waitForJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    const device = await createDeviceToken(api.app, token);
    assert.match(device.token, /^dt_[A-Za-z0-9_-]{64}$/);
    const listed = await gql(api.app, `{ deviceTokens { id name lastUsedAt } }`, {}, { token });
    assert.deepEqual(listed.body.data.deviceTokens, [
      { id: device.deviceToken.id, name: "Kitchen HomePod", lastUsedAt: null },
    ]);
    const [stored] = await t.owner`select token_hash from device_tokens`;
    assert.equal(stored!.token_hash.length, 32, "only a hash is stored");

    const res = await siri(api.app, device.token, "/siri/ask", {
      question: "How were sales last week?",
    });
    assert.equal(res.status, 200);
    const answer = await res.json();
    assert.deepEqual(Object.keys(answer).sort(), ["requestId", "speech", "status"]);
    assert.equal(answer.status, "completed");
    const [row] = await t.owner`select result->>'speech' as speech from analysis_requests
      where id = ${answer.requestId}`;
    assert.equal(answer.speech, row!.speech);
    assert.match(answer.speech, /\d/);

    const later = await siri(api.app, device.token, `/siri/requests/${answer.requestId}`);
    assert.deepEqual(await later.json(), { status: "completed", speech: answer.speech });

    const again = await (await siri(api.app, device.token, "/siri/ask", {
      question: "  how were sales last week? ",
    })).json();
    assert.deepEqual(again, answer, "answered from the request of a moment ago");
    const [count] = await t.owner`select count(*)::int as n from analysis_requests`;
    assert.equal(count!.n, 1);
    const used = await gql(api.app, `{ deviceTokens { lastUsedAt } }`, {}, { token });
    assert.notEqual(used.body.data.deviceTokens[0].lastUsedAt, null);
  },
  { worker: true },
);

const hold = nodeGate();

linkedStoreTest(
  "past the wait Siri says it is working on it, and the answer is there later",
  async ({ api, token, t, waitForJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    const device = await createDeviceToken(api.app, token);
    const arrived = hold.arm("load");
    const started = performance.now();
    const res = await siri(api.app, device.token, "/siri/ask", {
      question: "Which products should I discount?",
    });
    const waited = performance.now() - started;
    await arrived;
    const answer = await res.json();
    assert.equal(answer.status, "pending");
    assert.match(answer.speech, /working on it/);
    assert.ok(waited >= 1000, `waited the configured second (${Math.round(waited)} ms)`);
    hold.open();
    await waitForRequest(t, api.app, token, answer.requestId);
    const later = await (await siri(api.app, device.token, `/siri/requests/${answer.requestId}`))
      .json();
    assert.equal(later.status, "completed");
    assert.ok(later.speech.length > 20);
  },
  { worker: true, siriWaitSeconds: 1, analysis: { onNode: (node) => hold.onNode(node) } },
);

linkedStoreTest(
  "revoked, malformed and session tokens are refused; another user's request is not found",
  async ({ api, token, t, waitForJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    const device = await createDeviceToken(api.app, token);
    const ask = await (await siri(api.app, device.token, "/siri/ask", {
      question: "How were sales last month?",
    })).json();
    await waitForRequest(t, api.app, token, ask.requestId);

    // A stranger with a device token of their own asks for this merchant's answer.
    const stranger = await signUp(api.app);
    const theirs = await createDeviceToken(api.app, stranger.accessToken, "Stranger's phone");
    const foreign = await siri(api.app, theirs.token, `/siri/requests/${ask.requestId}`);
    assert.equal(foreign.status, 404);
    assert.equal((await foreign.json()).error.code, "NOT_FOUND");
    const unknown = await siri(api.app, theirs.token, "/siri/requests/not-an-id");
    assert.equal(unknown.status, 404);

    // A session JWT does not open the Siri endpoints, nor a device token the GraphQL API.
    const jwt = await siri(api.app, token, `/siri/requests/${ask.requestId}`);
    assert.equal(jwt.status, 401);
    const me = await gql(api.app, `{ me { id } }`, {}, { token: device.token });
    assert.equal(me.body.errors[0].extensions.code, "AUTHENTICATION_REQUIRED");

    const revoked = await gql(
      api.app,
      `mutation($id: ID!) { revokeDeviceToken(id: $id) { deviceToken { revokedAt } userErrors { code } } }`,
      { id: device.deviceToken.id },
      { token },
    );
    assert.notEqual(revoked.body.data.revokeDeviceToken.deviceToken.revokedAt, null);
    for (const presented of [device.token, "dt_nonsense", ""]) {
      const res = await siri(api.app, presented, "/siri/ask", { question: "How were sales?" });
      assert.equal(res.status, 401);
      assert.equal(res.headers.get("www-authenticate"), 'Bearer realm="siri"');
      const body = await res.json();
      assert.equal(body.error.code, "AUTHENTICATION_REQUIRED");
      assert.match(body.speech, /revoked/);
    }
    const listed = await gql(api.app, `{ deviceTokens { id } }`, {}, { token });
    assert.deepEqual(listed.body.data.deviceTokens, []);
    // The stranger cannot revoke the merchant's tokens either.
    const other = await gql(
      api.app,
      `mutation($id: ID!) { revokeDeviceToken(id: $id) { userErrors { code } } }`,
      { id: device.deviceToken.id },
      { token: stranger.accessToken },
    );
    assert.deepEqual(other.body.data.revokeDeviceToken.userErrors, [{ code: "NOT_FOUND" }]);
  },
  { worker: true },
);

linkedStoreTest(
  "bad questions get a clear 400 and a token past its limit a 429",
  async ({ api, token, t }) => {
    const device = await createDeviceToken(api.app, token);
    const missing = await siri(api.app, device.token, "/siri/ask", { q: "sales?" });
    assert.equal(missing.status, 400);
    assert.match((await missing.json()).error.message, /question/);
    const short = await siri(api.app, device.token, "/siri/ask", { question: "?" });
    assert.equal(short.status, 400);
    assert.equal((await short.json()).error.code, "INVALID_INPUT");
    const limited = await siri(api.app, device.token, "/siri/ask", { question: "How were sales?" });
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get("retry-after")) > 0);
    assert.equal((await limited.json()).error.code, "RATE_LIMIT_EXCEEDED");
    const [count] = await t.owner`select count(*)::int as n from analysis_requests`;
    assert.equal(count!.n, 0, "nothing was submitted");
    const blank = await gql(
      api.app,
      `mutation { createDeviceToken(name: "  ") { token userErrors { code field } } }`,
      {},
      { token },
    );
    assert.deepEqual(blank.body.data.createDeviceToken, {
      token: null,
      userErrors: [{ code: "INVALID_INPUT", field: "name" }],
    });
  },
  { limits: { siriPerToken: { limit: 2, windowSeconds: 60 } } },
);

linkedStoreTest(
  "a question within five minutes of the device's last one continues its conversation",
  async ({ api, token, t, waitForJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    const kitchen = await createDeviceToken(api.app, token);
    const car = await createDeviceToken(api.app, token, "CarPlay");
    const ask = async (device: string, question: string) =>
      await (await siri(api.app, device, "/siri/ask", { question })).json();
    const conversationOf = async (id: string) =>
      (await t.owner`select conversation_id, result->'interpretation'->'assumptions' as assumed
                     from analysis_requests where id = ${id}`)[0]!;

    const first = await ask(kitchen.token, "How many orders did I get in October?");
    const followUp = await ask(kitchen.token, "and in September?");
    assert.equal(followUp.status, "completed");
    assert.match(followUp.speech, /September/);
    const a = await conversationOf(first.requestId);
    const b = await conversationOf(followUp.requestId);
    assert.equal(b.conversation_id, a.conversation_id);
    assert.ok(
      (b.assumed as string[]).some((s) => s.includes("from your previous question")),
      JSON.stringify(b.assumed),
    );
    // Another device's question starts its own conversation.
    const elsewhere = await ask(car.token, "and in September?");
    assert.notEqual((await conversationOf(elsewhere.requestId)).conversation_id, a.conversation_id);
    // Six minutes later, the kitchen's next question starts a new one too.
    await t.owner`update analysis_requests set created_at = created_at - interval '6 minutes'
                  where device_token_id = ${kitchen.deviceToken.id}`;
    const later = await ask(kitchen.token, "and in September?");
    const c = await conversationOf(later.requestId);
    assert.notEqual(c.conversation_id, a.conversation_id);
    assert.ok(!(c.assumed as string[]).some((s) => s.includes("from your previous question")));
  },
  { worker: true },
);

apiTest(
  '"what\'s new?" speaks the latest unread insights, marks them read, then says nothing is new',
  async (api, t) => {
    const me = await signUp(api.app);
    const device = await createDeviceToken(api.app, me.accessToken);
    const [account] = await t.owner`
    insert into linked_accounts (user_id, provider, account_identifier, encrypted_access_token)
    values (${me.userId}, 'shopify', 'news.myshopify.com', '\\x01') returning id`;
    const titles = [
      "Orders fell 30% on Monday",
      "Sun Hat is out of stock",
      "Refunds rose 80% on Tuesday",
      "Your week: 30 November – 6 December 2026",
    ];
    for (const [i, title] of titles.entries()) {
      await t.owner`insert into insights (user_id, linked_account_id, kind, cause, severity, title,
        summary, period_from, period_to, ready_at, created_at)
      values (${me.userId}, ${account!.id}, 'anomaly', ${`c${i}`}, 'warning', ${title}, ${title},
        '2026-12-01', '2026-12-01', now(), now() + make_interval(secs => ${i}))`;
    }
    // Not ready yet (its explanation runs): not spoken.
    await t.owner`insert into insights (user_id, linked_account_id, kind, cause, severity, title,
      summary, period_from, period_to)
    values (${me.userId}, ${account!.id}, 'anomaly', 'pending', 'info', 'Pending', 'Pending',
      '2026-12-01', '2026-12-01')`;

    const res = await siri(api.app, device.token, "/siri/ask", { question: "What’s new?" });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.status, "completed");
    assert.equal(
      body.speech,
      "Your week: 30 November – 6 December 2026. Refunds rose 80% on Tuesday. Sun Hat is out of stock. " +
        "There's more in the Alatar app.",
    );
    const read = await t.owner`select title from insights where read_at is not null order by title`;
    assert.deepEqual(read.map((r) => r.title), [titles[2], titles[1], titles[3]].sort());
    // No analysis was started for it.
    const [requests] = await t.owner`select count(*)::int as n from analysis_requests`;
    assert.equal(requests!.n, 0);

    const next =
      await (await siri(api.app, device.token, "/siri/ask", { question: "anything new" })).json();
    assert.equal(next.speech, "Orders fell 30% on Monday. Details are in the Alatar app.");
    const last =
      await (await siri(api.app, device.token, "/siri/ask", { question: "What's new today?" }))
        .json();
    assert.match(last.speech, /^Nothing new/);
  },
);
