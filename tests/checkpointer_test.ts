/** The orchestrator's checkpoints in Postgres: resume after a crash, per tenant. */
import assert from "node:assert/strict";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { PostgresCheckpointer } from "../graph/checkpointer.ts";
import { createUser, dbTest, type TestDatabase } from "./helpers/test_db.ts";

async function request(t: TestDatabase, userId: string): Promise<string> {
  const [row] = await t.db.withTenant(
    userId,
    (tx) =>
      tx`insert into analysis_requests (user_id, prompt) values (${userId}, 'why?') returning id`,
  );
  return row!.id as string;
}

const State = Annotation.Root({
  steps: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

dbTest(
  "a graph killed mid-way resumes from its last checkpoint; done steps are not redone",
  async (t) => {
    const userId = await createUser(t.db);
    const thread = await request(t, userId);
    const runs = { plan: 0, dispatch: 0 };
    let crash = true;
    const build = () =>
      new StateGraph(State)
        .addNode("plan", () => {
          runs.plan++;
          return { steps: ["plan"] };
        })
        .addNode("dispatch", () => {
          runs.dispatch++;
          if (crash) throw new Error("worker killed");
          return { steps: ["dispatch"] };
        })
        .addEdge(START, "plan")
        .addEdge("plan", "dispatch")
        .addEdge("dispatch", END)
        .compile({ checkpointer: new PostgresCheckpointer(t.db, userId) });
    const config = { configurable: { thread_id: thread } };

    await assert.rejects(build().invoke({ steps: [] }, config), /worker killed/);
    crash = false;
    // A new process (a fresh graph and checkpointer) picks the thread up: input null resumes.
    const done = await build().invoke(null, config);
    assert.deepEqual(done.steps, ["plan", "dispatch"]);
    assert.deepEqual(runs, { plan: 1, dispatch: 2 });

    const history = [];
    for await (const tuple of new PostgresCheckpointer(t.db, userId).list(config)) {
      history.push(
        tuple,
      );
    }
    assert.ok(history.length >= 3, `${history.length} checkpoints`);
    assert.ok(history[0]!.parentConfig, "each checkpoint names its parent");
  },
);

dbTest("another tenant's checkpointer sees nothing of a thread", async (t) => {
  const a = await createUser(t.db);
  const b = await createUser(t.db);
  const thread = await request(t, a);
  const graph = new StateGraph(State)
    .addNode("plan", () => ({ steps: ["plan"] }))
    .addEdge(START, "plan").addEdge("plan", END)
    .compile({ checkpointer: new PostgresCheckpointer(t.db, a) });
  await graph.invoke({ steps: [] }, { configurable: { thread_id: thread } });
  const theirs = new PostgresCheckpointer(t.db, b);
  assert.equal(await theirs.getTuple({ configurable: { thread_id: thread } }), undefined);
  assert.ok(
    await new PostgresCheckpointer(t.db, a).getTuple({ configurable: { thread_id: thread } }),
  );
  // And B cannot write into A's thread: the foreign key to A's request does not hold for B.
  await assert.rejects(
    theirs.put(
      { configurable: { thread_id: thread } },
      {
        v: 4,
        id: "x",
        ts: new Date().toISOString(),
        channel_values: {},
        channel_versions: {},
        versions_seen: {},
      },
      { source: "input", step: -1, parents: {} } as never,
      {},
    ),
  );
});
