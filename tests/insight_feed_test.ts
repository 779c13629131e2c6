/**
 * `insightAdded` over /graphql/stream, read raw off the wire: insights arrive
 * in the order they became ready (not the order they were written), only the
 * subscriber's own, and a reconnect with Last-Event-ID is sent what it missed.
 */
import assert from "node:assert/strict";
import type { Sql } from "../db/database.ts";
import { apiTest, signUp } from "./helpers/api.ts";

const SUBSCRIBE = JSON.stringify({
  query: `subscription { insightAdded { id kind severity title range { from to } readAt } }`,
});

/** A store and an insight not yet ready, written as the daily check would. */
async function store(owner: Sql, userId: string): Promise<string> {
  const [account] = await owner`
    insert into linked_accounts (user_id, provider, account_identifier, encrypted_access_token)
    values (${userId}, 'shopify', ${`${userId.slice(0, 8)}.myshopify.com`}, '\\x01') returning id`;
  return account!.id;
}
async function insight(owner: Sql, userId: string, accountId: string, title: string) {
  const [row] = await owner`
    insert into insights (user_id, linked_account_id, kind, cause, severity, title, summary,
      period_from, period_to)
    values (${userId}, ${accountId}, 'anomaly', ${title}, 'warning', ${title}, ${title},
      '2026-12-01', '2026-12-01') returning id`;
  return row!.id as string;
}
const ready = (owner: Sql, id: string) =>
  owner`update insights set ready_at = now() where id = ${id}`;

/** Reads SSE events off a response body: `next()` is the next event with data. */
function events(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const read = async () => {
    const { value, done } = await reader.read();
    if (done) throw new Error("the stream ended");
    buffer += decoder.decode(value, { stream: true });
  };
  return {
    /** Resolves once the stream's first line (`retry:`) is in: the subscription is set up. */
    async opened() {
      while (!buffer.includes("retry:")) await read();
    },
    async next(): Promise<{ id: string | null; event: string; data: string }> {
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const field = (name: string) =>
            block.split("\n").find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1)
              .trim() ??
              null;
          if (field("event")) {
            return { id: field("id"), event: field("event")!, data: field("data") ?? "" };
          }
          continue; // retry advice, heartbeats
        }
        await read();
      }
    },
    cancel: () => reader.cancel(),
  };
}

apiTest(
  "insightAdded: in the order they became ready, only one's own, resumed by event id",
  async (api, t) => {
    const me = await signUp(api.app);
    const other = await signUp(api.app);
    const mine = await store(t.owner, me.userId);
    const theirs = await store(t.owner, other.userId);
    const before = await insight(t.owner, me.userId, mine, "ready before the subscription");
    await ready(t.owner, before);
    const first = await insight(t.owner, me.userId, mine, "written first");
    const second = await insight(t.owner, me.userId, mine, "written second");
    const foreign = await insight(t.owner, other.userId, theirs, "another merchant's");

    const open = (lastEventId?: string) =>
      api.app.request("/graphql/stream", {
        method: "POST",
        headers: {
          authorization: `Bearer ${me.accessToken}`,
          accept: "text/event-stream",
          "content-type": "application/json",
          ...(lastEventId ? { "last-event-id": lastEventId } : {}),
        },
        body: SUBSCRIBE,
      });
    const res = await open();
    assert.equal(res.status, 200);
    const stream = events(res.body!);
    await stream.opened();
    // The second's explanation ends first; another merchant's insight in between is not sent.
    await ready(t.owner, second);
    await ready(t.owner, foreign);
    await ready(t.owner, first);
    const a = await stream.next();
    const b = await stream.next();
    const titles = [a, b].map((e) => JSON.parse(e.data).data.insightAdded.title);
    assert.deepEqual(titles, ["written second", "written first"]);
    assert.deepEqual(JSON.parse(a.data).data.insightAdded.range, {
      from: "2026-12-01",
      to: "2026-12-01",
    });
    assert.ok(BigInt(a.id!) < BigInt(b.id!));
    await stream.cancel();

    // Back after a drop with the first event's id: the second event again, and nothing before.
    const resumed = events((await open(a.id!)).body!);
    const again = await resumed.next();
    assert.equal(again.id, b.id);
    assert.equal(JSON.parse(again.data).data.insightAdded.title, "written first");
    await resumed.cancel();
  },
);
