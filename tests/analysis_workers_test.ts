/**
 * Two workers draining the same queues: every request completes exactly once,
 * with no task or proposal written twice, whichever worker ran which step.
 */
import assert from "node:assert/strict";
import { createFileEmailSender } from "../auth/mail.ts";
import { createBoss } from "../jobs/boss.ts";
import type { JobRun } from "../jobs/handler.ts";
import { startWorker } from "../worker.ts";
import { SYNC_QUEUE } from "../mirror/sync_queue.ts";
import { ask, waitForRequest } from "./helpers/analysis.ts";
import { linkedStoreTest } from "./helpers/linked_store.ts";

linkedStoreTest(
  "two workers share the pipeline's queues; each request completes once",
  async ({ api, token, t, deps, waitForJob, runs }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    const second = createBoss({ url: t.url, log: t.log, max: 3 });
    await second.start();
    const secondRuns: JobRun[] = [];
    try {
      await startWorker({
        boss: second,
        db: t.db,
        log: t.log,
        emailSender: createFileEmailSender(await Deno.makeTempDir(), t.log),
        mirror: deps,
        analysis: { modelFor: () => null },
        observe: (run) => secondRuns.push(run),
      });
      const questions = [
        "Why did sales drop last week?",
        "Which products should I discount?",
        "What were my best sellers this month?",
        "How many customers came back this year?",
      ];
      const ids = await Promise.all(
        [...questions, ...questions].map((q) => ask(api.app, token, q)),
      );
      for (const id of ids) {
        const request = await waitForRequest(t, api.app, token, id);
        assert.equal(request.status, "COMPLETED", JSON.stringify(request));
      }
      const [once] = await t.owner`select count(*)::int as n from analysis_request_events
        where analysis_request_id = any(${ids}) and status = 'completed'`;
      assert.equal(once!.n, ids.length);
      // Every planned task ran once and finished: as many task rows as the stored plans name.
      const [tasks] = await t.owner`select
          (select count(*)::int from agent_tasks where analysis_request_id = any(${ids})) as rows,
          (select sum(jsonb_array_length(agent_state->'plan'->'tasks'))::int
             from analysis_requests where id = any(${ids})) as planned,
          (select count(*)::int from agent_tasks
             where analysis_request_id = any(${ids}) and status <> 'completed') as open`;
      assert.deepEqual({ ...tasks }, { rows: tasks!.planned, planned: tasks!.planned, open: 0 });
      // Each proposal was stored and audited once, whichever worker ran its request.
      const [actions] = await t.owner`select
          (select count(*)::int from proposed_actions where analysis_request_id = any(${ids})) as n,
          (select count(*)::int from audit_log where action = 'action.proposed'
             and analysis_request_id = any(${ids})) as audited`;
      assert.ok(actions!.n > 0, "the discount questions proposed actions");
      assert.equal(actions!.audited, actions!.n);
      const pipeline = (r: JobRun) => r.queue === "analysis" || r.queue.startsWith("dept.");
      const first = runs.filter(pipeline).length, other = secondRuns.filter(pipeline).length;
      assert.ok(first > 0 && other > 0, `jobs per worker: ${first} and ${other}`);
    } finally {
      await second.stop({ graceful: false, timeout: 2000 });
    }
  },
  { worker: true },
);
