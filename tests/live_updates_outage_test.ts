/**
 * Live updates across a dropped LISTEN connection (issue #17): the API's one
 * LISTEN session is terminated (as a Postgres restart or failover does), a
 * change is committed while nothing listens, so its NOTIFY is lost, and the
 * subscriber still receives it once postgres.js has listened again, because
 * every subscriber re-reads the event log when the LISTEN comes back.
 */
import assert from "node:assert/strict";
import { INSIGHT_EVENTS_CHANNEL } from "../api/insight_feed.ts";
import {
  createRequestUpdates,
  REQUEST_EVENTS_CHANNEL,
  type RequestUpdate,
} from "../api/request_updates.ts";
import { createUser, dbTest } from "./helpers/test_db.ts";

/** `promise`, or a failure after 15 s: a lost update must fail the test, not hang the suite. */
function within<T>(promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("no update arrived within 15 s")), 15_000);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

dbTest(
  "a change announced while the LISTEN connection was down reaches its subscriber when it returns",
  async ({ db, owner, log }) => {
    const userId = await createUser(db);
    const [request] = await owner<{ id: string }[]>`
      insert into analysis_requests (user_id, prompt) values (${userId}, 'How were sales?')
      returning id`;
    const updates = createRequestUpdates({ db, log });
    await updates.start();
    const closed = new AbortController();
    try {
      const stream = await updates.watch(userId, request!.id, null, closed.signal);
      assert.ok(stream);
      const first = await stream.next();
      assert.deepEqual(first.value?.request.progress, { stage: "queued", percent: 0 });

      // The one LISTEN session carries both channels (requests and insights); its last query
      // names whichever it listened to last.
      const channels = [`listen%${REQUEST_EVENTS_CHANNEL}%`, `listen%${INSIGHT_EVENTS_CHANNEL}%`];
      const listeners = () =>
        owner<{ pid: number }[]>`
          select pid from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid()
            and (query ilike ${channels[0]!} or query ilike ${channels[1]!})`;
      // The LISTEN session goes; a change is committed only once no session listens, so its
      // NOTIFY reaches nobody. (postgres.js may listen again first: then try once more.)
      let missed = false;
      for (let attempt = 1; attempt <= 5 && !missed; attempt++) {
        for (const { pid } of await listeners()) {
          await owner`select pg_terminate_backend(${pid})`;
        }
        await owner.begin(async (tx) => {
          const [row] = await tx<{ n: number }[]>`
            select count(*)::int as n from pg_stat_activity
            where datname = current_database() and pid <> pg_backend_pid()
              and (query ilike ${channels[0]!} or query ilike ${channels[1]!})`;
          missed = row!.n === 0;
          await tx`update analysis_requests
                   set progress = ${tx.json({ stage: "planning", percent: attempt * 10 })}
                   where id = ${request!.id}`;
        });
        // Whether or not its NOTIFY was heard, the change arrives.
        const next: IteratorResult<RequestUpdate> = await within(stream.next());
        assert.deepEqual(next.value?.request.progress, {
          stage: "planning",
          percent: attempt * 10,
        });
      }
      assert.ok(missed, "a change was committed while nothing listened");
      // And the connection is back for what follows.
      await owner`update analysis_requests set progress = ${
        owner.json({ stage: "writing", percent: 90 })
      } where id = ${request!.id}`;
      const after = await within(stream.next());
      assert.deepEqual(after.value?.request.progress, { stage: "writing", percent: 90 });
      assert.equal((await listeners()).length, 1);
    } finally {
      closed.abort();
      await updates.stop();
    }
  },
);
