/**
 * The three state machines of seed 000 §3.1 are enforced by the database: every
 * (from, to) pair is tried, and exactly the seed's moves succeed.
 */
import assert from "node:assert/strict";
import type { Database } from "../db/database.ts";
import { createUser, dbTest } from "./helpers/test_db.ts";
import { waitUntil } from "./helpers/wait.ts";

interface Machine {
  table: "analysis_requests" | "agent_tasks" | "proposed_actions";
  initial: string;
  /** The states a row may be created in. */
  created: string[];
  /** Allowed moves, written out from the seed's diagrams (not read from the database). */
  moves: string[];
  /** How to reach each state from the initial one. */
  paths: Record<string, string[]>;
}

const MACHINES: Machine[] = [
  {
    table: "analysis_requests",
    initial: "pending",
    created: ["pending"],
    moves: [
      "pending>processing",
      "pending>cancelled",
      "processing>completed",
      "processing>failed",
      "processing>cancelled",
    ],
    paths: {
      pending: [],
      processing: ["processing"],
      completed: ["processing", "completed"],
      failed: ["processing", "failed"],
      cancelled: ["cancelled"],
    },
  },
  {
    table: "agent_tasks",
    initial: "pending",
    // Beyond the diagram: a task the orchestrator runs inside its own run (pure code over earlier
    // results, issue #11) is stored already finished; it never waits in a queue.
    created: ["pending", "completed"],
    moves: [
      "pending>running",
      "running>completed",
      "running>retrying",
      "running>failed",
      "retrying>running",
      "retrying>failed",
    ],
    paths: {
      pending: [],
      running: ["running"],
      retrying: ["running", "retrying"],
      completed: ["running", "completed"],
      failed: ["running", "failed"],
    },
  },
  {
    table: "proposed_actions",
    initial: "proposed",
    created: ["proposed"],
    moves: [
      "proposed>approved",
      "proposed>rejected",
      "approved>executing",
      // Beyond the diagram: scope or parameter checks fail an approved action before any call.
      "approved>failed",
      "executing>executed",
      "executing>failed",
    ],
    paths: {
      proposed: [],
      approved: ["approved"],
      rejected: ["rejected"],
      executing: ["approved", "executing"],
      executed: ["approved", "executing", "executed"],
      failed: ["approved", "executing", "failed"],
    },
  },
];

async function insertRow(db: Database, userId: string, machine: Machine): Promise<string> {
  return await db.withTenant(userId, async (tx) => {
    const [request] = await tx`insert into analysis_requests (user_id, prompt)
                               values (${userId}, 'state machine') returning id`;
    if (machine.table === "analysis_requests") return request!.id;
    const [row] = machine.table === "agent_tasks"
      ? await tx`insert into agent_tasks (analysis_request_id, user_id, department, task_key)
                 values (${request!.id}, ${userId}, 'quantitative', 'k') returning id`
      : await tx`insert into proposed_actions (analysis_request_id, user_id, description, action_type, parameters)
                 values (${
        request!.id
      }, ${userId}, 'd', 'create_discount_code', '{}') returning id`;
    return row!.id;
  });
}

function move(db: Database, userId: string, table: string, id: string, status: string) {
  return db.withTenant(
    userId,
    (tx) => tx`update ${tx(table)} set status = ${status} where id = ${id}`,
  );
}

for (const machine of MACHINES) {
  dbTest(`${machine.table}: exactly the seed's status moves are accepted`, async (t) => {
    const user = await createUser(t.db);
    const states = Object.keys(machine.paths);
    for (const from of states) {
      for (const to of states) {
        if (from === to) continue;
        const id = await insertRow(t.db, user, machine);
        for (const step of machine.paths[from]!) await move(t.db, user, machine.table, id, step);
        const attempt = move(t.db, user, machine.table, id, to);
        if (machine.moves.includes(`${from}>${to}`)) {
          await attempt;
        } else {
          await assert.rejects(
            attempt,
            /Cannot move/,
            `${machine.table}: ${from} -> ${to} was accepted`,
          );
        }
      }
    }
  });

  dbTest(
    `${machine.table}: rows are created only in the states the machine starts in`,
    async (t) => {
      const user = await createUser(t.db);
      const create = (status: string) =>
        t.db.withTenant(user, async (tx) => {
          const [r] =
            await tx`insert into analysis_requests (user_id, prompt) values (${user}, 'x') returning id`;
          if (machine.table === "analysis_requests") {
            await tx`insert into analysis_requests (user_id, prompt, status) values (${user}, 'x', ${status})`;
          } else if (machine.table === "agent_tasks") {
            await tx`insert into agent_tasks (analysis_request_id, user_id, department, task_key, status)
                   values (${r!.id}, ${user}, 'd', 'k', ${status})`;
          } else {
            await tx`insert into proposed_actions (analysis_request_id, user_id, description, action_type, parameters, status)
                   values (${r!.id}, ${user}, 'd', 't', '{}', ${status})`;
          }
        });
      for (const status of Object.keys(machine.paths)) {
        if (machine.created.includes(status)) await create(status);
        else {await assert.rejects(
            create(status),
            /Cannot move/,
            `${machine.table} created ${status}`,
          );}
      }
    },
  );
}

dbTest("an agent task cannot be retried past five attempts", async (t) => {
  const user = await createUser(t.db);
  const id = await insertRow(t.db, user, MACHINES[1]!);
  await assert.rejects(
    t.db.withTenant(user, (tx) => tx`update agent_tasks set retry_count = 6 where id = ${id}`),
    /retry_count/,
  );
});

dbTest(
  "each status or progress change is logged as an event and announced by NOTIFY",
  async (t) => {
    const user = await createUser(t.db);
    const notifications: string[] = [];
    const arrived = waitUntil(() => notifications.length >= 3);
    const listener = await t.owner.listen("analysis_request_events", (payload) => {
      notifications.push(payload);
      arrived.notify();
    });
    const id = await insertRow(t.db, user, MACHINES[0]!);
    await move(t.db, user, "analysis_requests", id, "processing");
    await t.db.withTenant(
      user,
      (tx) =>
        tx`update analysis_requests set progress = '{"stage": "planning", "percent": 10}' where id = ${id}`,
    );
    // Not a visible change: no event.
    await t.db.withTenant(
      user,
      (tx) => tx`update analysis_requests set agent_state = '{}' where id = ${id}`,
    );
    await t.db.withTenant(user, async (tx) => {
      await tx`update analysis_requests set status = 'completed' where id = ${id}`;
      throw new Error("rolled back");
    }).catch(() => {});

    const events = await t.db.withTenant(
      user,
      (tx) =>
        tx`select id, status, progress->>'stage' as stage from analysis_request_events
       where analysis_request_id = ${id} order by id`,
    );
    assert.deepEqual(events.map((e) => [e.status, e.stage]), [
      ["pending", "queued"],
      ["processing", "queued"],
      ["processing", "planning"],
    ]);
    await arrived.done();
    await listener.unlisten();
    const payloads = notifications.map((n) => JSON.parse(n));
    assert.deepEqual(
      payloads.map((p) => p.requestId),
      [id, id, id],
    );
    assert.deepEqual(
      payloads.map((p) => String(p.eventId)),
      events.map((e) => String(e.id)),
    );
  },
);
