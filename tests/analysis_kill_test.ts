/**
 * A worker process killed (SIGKILL) in the middle of the orchestrator graph:
 * its job's heartbeat lapses, pg-boss retries it on another worker process,
 * and the graph's next run reads where the request stands from its rows. The
 * request completes exactly once, and nothing it created is created twice.
 */
import assert from "node:assert/strict";
import { importStore } from "../mirror/import.ts";
import { ask, waitForRequest } from "./helpers/analysis.ts";
import { type LinkedStore, linkedStoreTest } from "./helpers/linked_store.ts";
import { spawnWorker, type WorkerProcess } from "./helpers/spawn_worker.ts";

const worker = (env: LinkedStore, pauseAt?: string) =>
  spawnWorker({
    databaseUrl: env.t.url,
    shopifyAdminBaseUrl: env.deps.shopify.adminBaseUrl,
    appUrl: env.deps.appUrl,
    ...(pauseAt ? { pauseAt } : {}),
  });

linkedStoreTest(
  "a worker killed mid-graph: another process resumes it and the request completes once",
  async (env) => {
    const { t, api, token } = env;
    await importStore(env.deps, { userId: env.userId, accountId: env.accountId }, {
      pollIntervalMs: 20,
    });
    const first = worker(env, "finalize");
    let second: WorkerProcess | null = null;
    try {
      await first.waitFor("READY");
      const id = await ask(api.app, token, "Which products should I discount?");
      await first.waitFor("PAUSED finalize");
      const [before] = await t.owner`select count(*)::int as n from proposed_actions
        where analysis_request_id = ${id}`;
      assert.ok(before!.n > 0, "actions were proposed before the kill");
      await first.stop();

      second = worker(env);
      await second.waitFor("READY");
      const request = await waitForRequest(t, api.app, token, id, ["completed", "failed"], 60_000)
        .catch(async (error) => {
          const jobs = await t
            .owner`select name, state, retry_count, heartbeat_seconds, heartbeat_on,
            started_on from pgboss.job where data->>'requestId' = ${id} order by created_on`;
          throw new Error(`${error.message}; jobs: ${JSON.stringify(jobs)}`);
        });
      assert.equal(request.status, "COMPLETED", JSON.stringify(request));

      const [after] = await t.owner`select
          (select count(*)::int from proposed_actions where analysis_request_id = ${id}) as n,
          (select count(*)::int from audit_log where action = 'action.proposed'
             and analysis_request_id = ${id}) as audited`;
      assert.equal(after!.n, before!.n, "no action proposed twice");
      assert.equal(after!.audited, after!.n, "each proposal audited once");
      const completions = await t.owner`select id from analysis_request_events
        where analysis_request_id = ${id} and status = 'completed'`;
      assert.equal(completions.length, 1);
      // Every planned task exists once: the rows' keys are exactly the stored plan's.
      const [stored] = await t.owner`select agent_state from analysis_requests where id = ${id}`;
      const taskRows = await t.owner`select task_key from agent_tasks
        where analysis_request_id = ${id} order by task_key`;
      assert.deepEqual(
        taskRows.map((r) => r.task_key),
        stored!.agent_state.plan.tasks.map((task: { taskKey: string }) => task.taskKey).sort(),
      );
      // The request was finished by a retry of the killed orchestrator job.
      const retried = await t.owner`select state from pgboss.job
        where name = 'analysis' and data->>'requestId' = ${id} and retry_count > 0`;
      assert.equal(retried.length, 1);
    } finally {
      await first.stop();
      await second?.stop();
    }
  },
);
