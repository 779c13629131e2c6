/**
 * `analysisRequestUpdates` over /graphql/stream, driven by the real
 * `graphql-sse` client as the iPhone app and dashboard use it: live progress
 * to completion, tenant isolation, refused tokens, resuming with
 * Last-Event-ID after the network drops, and the server freeing a closed
 * connection. The protocol's wire details are read raw at the end.
 */
import assert from "node:assert/strict";
import { createClient, type ExecutionResult } from "graphql-sse";
import { createAccessTokens } from "../auth/access_tokens.ts";
import { SYNC_QUEUE } from "../mirror/sync_queue.ts";
import { ask, nodeGate, waitForRequest } from "./helpers/analysis.ts";
import { signUp, TEST_ISSUER, TEST_JWT_SECRET } from "./helpers/api.ts";
import { linkedStoreTest } from "./helpers/linked_store.ts";
import { startApiProcess } from "./helpers/api_process.ts";

const UPDATES = `subscription($id: ID!) { analysisRequestUpdates(requestId: $id) {
  id status progress { stage percent } errorMessage
  result { summary speech model } proposedActions { actionType status } } }`;

// deno-lint-ignore no-explicit-any
type Update = ExecutionResult<any, { eventId?: string }>;

/** Collects a subscription's results until it completes or errors. */
function watch(
  client: ReturnType<typeof createClient>,
  requestId: string,
  onNext?: (result: Update) => void,
) {
  const results: Update[] = [];
  const done = new Promise<{ error?: unknown }>((resolve) => {
    client.subscribe<Update["data"], { eventId?: string }>(
      { query: UPDATES, variables: { id: requestId } },
      {
        next: (result) => {
          results.push(result);
          onNext?.(result);
        },
        complete: () => resolve({}),
        error: (error) => resolve({ error }),
      },
    );
  });
  return { results, done };
}

const hold = nodeGate();

linkedStoreTest(
  "a subscription sees pending, processing and completed, then completes",
  async ({ api, token, t, waitForJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    const arrived = hold.arm("load");
    const id = await ask(api.app, token, "Why did sales drop last week?");
    await arrived;
    const client = createClient({
      url: `${api.services.appUrl}/graphql/stream`,
      headers: { authorization: `Bearer ${token}` },
    });
    let first: () => void;
    const gotFirst = new Promise<void>((resolve) => (first = resolve));
    const { results, done } = watch(client, id, () => first());
    await gotFirst;
    hold.open();
    const { error } = await done;
    assert.equal(error, undefined);
    const statuses = results.map((r) => r.data.analysisRequestUpdates.status);
    assert.equal(statuses[0], "PENDING");
    assert.ok(statuses.includes("PROCESSING"), statuses.join());
    assert.equal(statuses.at(-1), "COMPLETED");
    const last = results.at(-1)!.data.analysisRequestUpdates;
    assert.match(last.result.summary, /\d/);
    assert.match(last.result.model, /^offline/);
    assert.ok(last.proposedActions.length > 0, "the finished request shows its proposals");
    // Ids are the event log's, in order, one per logged change.
    const ids = results.map((r) => BigInt(r.extensions!.eventId!));
    assert.deepEqual(ids, [...ids].sort((a, b) => (a < b ? -1 : 1)));
    assert.equal(new Set(ids).size, ids.length);
    const [logged] = await t.owner`select count(*)::int as n from analysis_request_events
      where analysis_request_id = ${id}`;
    assert.equal(results.length, logged!.n, "every logged change was sent once");
    const percents = results.map((r) => r.data.analysisRequestUpdates.progress.percent);
    assert.deepEqual(percents, [...percents].sort((a, b) => a - b));
    await client.dispose();
    assert.equal(api.updates.watching, 0);
  },
  { worker: true, analysis: { onNode: (node) => hold.onNode(node) } },
);

linkedStoreTest(
  "another tenant's request id, an unknown one and an expired token get an error and no data",
  async ({ api, token, t, waitForJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    const id = await ask(api.app, token, "How were sales last week?");
    await waitForRequest(t, api.app, token, id);
    const other = await signUp(api.app);
    const url = `${api.services.appUrl}/graphql/stream`;
    for (const requestId of [id, crypto.randomUUID(), "not-an-id"]) {
      const client = createClient({
        url,
        headers: { authorization: `Bearer ${other.accessToken}` },
      });
      const { results, done } = watch(client, requestId);
      assert.deepEqual(await done, {});
      assert.equal(results.length, 1);
      assert.equal(results[0]!.data, undefined);
      assert.equal(results[0]!.errors![0]!.extensions!.code, "NOT_FOUND");
      await client.dispose();
    }

    const viewer = await api.services.accessTokens.verify(token);
    const expired = await createAccessTokens({
      secret: TEST_JWT_SECRET,
      issuer: TEST_ISSUER,
      ttlSeconds: -60,
    }).sign(viewer);
    const client = createClient({
      url,
      headers: { authorization: `Bearer ${expired.token}` },
      retryAttempts: 0,
    });
    const { results, done } = watch(client, id);
    const { error } = await done;
    assert.equal(results.length, 0);
    assert.equal((error as { response?: Response }).response?.status, 401);
    const raw = await fetch(url, {
      method: "POST",
      headers: {
        accept: "text/event-stream",
        "content-type": "application/json",
        authorization: `Bearer ${expired.token}`,
      },
      body: JSON.stringify({ query: UPDATES, variables: { id } }),
    });
    assert.equal(raw.status, 401);
    const body = await raw.json();
    assert.equal(body.errors[0].extensions.code, "AUTHENTICATION_REQUIRED");
    assert.match(body.errors[0].message, /expired/);
    await client.dispose();
  },
  { worker: true },
);

const held = nodeGate();

linkedStoreTest(
  "after the network drops, a reconnect with Last-Event-ID is sent exactly what it missed",
  async ({ api, token, t, waitForJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    const arrived = held.arm("load");
    const id = await ask(api.app, token, "Which products should I discount?");
    await arrived;

    // A network that can be cut, and that holds reconnects until the test lets them through.
    let cut: (() => void) | null = null;
    let reconnectAllowed: () => void;
    const reconnect = new Promise<void>((resolve) => (reconnectAllowed = resolve));
    const sentLastEventIds: Array<string | null> = [];
    const flakyFetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const lastEventId = new Headers(init?.headers).get("last-event-id");
      sentLastEventIds.push(lastEventId);
      if (sentLastEventIds.length > 1) await reconnect;
      const response = await fetch(input, init);
      const severed = new TransformStream<Uint8Array, Uint8Array>();
      const writer = severed.writable.getWriter();
      cut = () => writer.abort(new Error("network lost")).catch(() => {});
      (async () => {
        for await (const chunk of response.body!) await writer.write(chunk);
        await writer.close();
      })().catch(() => {});
      return new Response(severed.readable, { status: response.status, headers: response.headers });
    };

    let lastEventId: string | null = null;
    const client = createClient({
      url: `${api.services.appUrl}/graphql/stream`,
      fetchFn: flakyFetch,
      headers: () => ({
        authorization: `Bearer ${token}`,
        ...(lastEventId ? { "last-event-id": lastEventId } : {}),
      }),
      retry: () => Promise.resolve(),
    });
    let first: () => void;
    const gotFirst = new Promise<void>((resolve) => (first = resolve));
    const { results, done } = watch(client, id, (result) => {
      lastEventId = result.extensions?.eventId ?? lastEventId;
      first();
    });
    await gotFirst;
    assert.equal(results[0]!.data.analysisRequestUpdates.status, "PENDING");
    const seenBefore = results[0]!.extensions!.eventId!;
    cut!();
    // The analysis runs to the end while the phone is offline.
    held.open();
    await waitForRequest(t, api.app, token, id);
    reconnectAllowed!();
    assert.deepEqual(await done, {});

    assert.deepEqual(sentLastEventIds, [null, seenBefore]);
    const missed = await t.owner<{ id: string; status: string }[]>`
      select id::text, status from analysis_request_events
      where analysis_request_id = ${id} and id > ${seenBefore}
      order by analysis_request_events.id`;
    assert.ok(missed.length >= 3, "the run logged several changes while offline");
    const replayed = results.slice(1);
    assert.deepEqual(
      replayed.map((r) => [r.extensions!.eventId, r.data.analysisRequestUpdates.status]),
      missed.map((e) => [e.id, e.status.toUpperCase()]),
    );
    assert.ok(replayed.at(-1)!.data.analysisRequestUpdates.result.summary);
    await client.dispose();
  },
  { worker: true, analysis: { onNode: (node) => held.onNode(node) } },
);

const paused = nodeGate();

linkedStoreTest(
  "the wire: retry advice, heartbeats, ids, and a closed connection freed at once",
  async ({ api, token, waitForJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    const arrived = paused.arm("load");
    const id = await ask(api.app, token, "How were sales last week?");
    await arrived;
    const aborter = new AbortController();
    const response = await fetch(`${api.services.appUrl}/graphql/stream`, {
      method: "POST",
      signal: aborter.signal,
      headers: {
        accept: "text/event-stream",
        "content-type": "application/json",
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ query: UPDATES, variables: { id } }),
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type")!, /^text\/event-stream/);
    assert.equal(response.headers.get("cache-control"), "no-cache");
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while ((text.match(/^:$/gm) ?? []).length < 2) text += (await reader.read()).value;
    assert.match(text, /^retry: 3000\n\n/);
    assert.match(text, /^id: \d+\nevent: next\ndata: \{"data":\{"analysisRequestUpdates":/m);
    assert.equal(api.updates.watching, 1);
    aborter.abort();
    await reader.cancel().catch(() => {});
    const until = Date.now() + 5000;
    while (api.updates.watching > 0 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(api.updates.watching, 0, "the server let go of the closed connection");
    paused.open();

    // Protocol errors are plain HTTP answers a client can read.
    const notStream = await fetch(`${api.services.appUrl}/graphql/stream`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: UPDATES, variables: { id } }),
    });
    assert.equal(notStream.status, 406);
    assert.equal((await notStream.json()).errors[0].extensions.code, "INVALID_INPUT");
    const badQuery = await fetch(`${api.services.appUrl}/graphql/stream`, {
      method: "POST",
      headers: { accept: "text/event-stream", "content-type": "application/json" },
      body: JSON.stringify({ query: "subscription {" }),
    });
    assert.equal(badQuery.status, 400);
    assert.match((await badQuery.json()).errors[0].message, /Syntax Error/);
  },
  { worker: true, heartbeatMs: 20, analysis: { onNode: (node) => paused.onNode(node) } },
);

const fanout = nodeGate();

linkedStoreTest(
  "two API processes: a subscriber on the second sees the request the first took and a worker ran",
  async ({ api, token, t, waitForJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    const second = await startApiProcess(t.url, api.services.shopify.adminBaseUrl);
    let stopped = false;
    try {
      const arrived = fanout.arm("load");
      const id = await ask(api.app, token, "How were sales last week?");
      await arrived;
      const client = createClient({
        url: `${second.url}/graphql/stream`,
        headers: { authorization: `Bearer ${token}` },
      });
      let first: () => void;
      const gotFirst = new Promise<void>((resolve) => (first = resolve));
      const { results, done } = watch(client, id, () => first());
      await gotFirst;
      fanout.open();
      assert.deepEqual(await done, {});
      const statuses = results.map((r) => r.data.analysisRequestUpdates.status);
      assert.equal(statuses[0], "PENDING");
      assert.equal(statuses.at(-1), "COMPLETED");
      const [logged] = await t.owner`select count(*)::int as n from analysis_request_events
        where analysis_request_id = ${id}`;
      assert.equal(results.length, logged!.n);
      await client.dispose();

      // Stopping with a stream open: the stream ends (its client would reconnect elsewhere)
      // and the process exits cleanly instead of waiting on it.
      const held = fanout.arm("load");
      const open = await ask(api.app, token, "Which products should I discount?");
      await held;
      const lingering = createClient({
        url: `${second.url}/graphql/stream`,
        headers: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
      });
      let opened: () => void;
      const isOpen = new Promise<void>((resolve) => (opened = resolve));
      const { done: ended } = watch(lingering, open, () => opened());
      await isOpen;
      assert.equal(await second.stop(), 0);
      stopped = true;
      const { error } = await ended;
      assert.ok(error, "the stream ended without completing, so the client would reconnect");
      fanout.open();
      await lingering.dispose();
    } finally {
      fanout.open();
      if (!stopped) await second.stop();
    }
  },
  { worker: true, analysis: { onNode: (node) => fanout.onNode(node) } },
);
