/**
 * The series the alert rules watch (ops/prometheus/alerts.yml), read from a real
 * database and pg-boss: queue backlogs by state, dead letters, and how the
 * analysis tasks of the last 15 minutes ended across tenants.
 */
import assert from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { DEAD_LETTER_QUEUE, ensureQueues } from "../queues.ts";
import { ANALYSIS_DEAD_LETTER_QUEUE } from "../graph/queues.ts";
import { createBoss } from "../jobs/boss.ts";
import { operationsSource } from "../jobs/operations.ts";
import { createMetrics, observeOperations } from "../routes/metrics.ts";
import { createUser, dbTest } from "./helpers/test_db.ts";

type Family = { name: string; metrics: Array<{ labels?: Record<string, string>; value?: string }> };

dbTest("queue backlogs, dead letters and recent task outcomes are on /metrics", async (t) => {
  // A worker's pg-boss: its monitor pass refreshes the per-queue counts every second.
  const boss = createBoss({ url: t.url, log: t.log, max: 2, superviseSeconds: 1 });
  await boss.start();
  try {
    await ensureQueues(boss);
    for (let i = 0; i < 3; i++) await boss.send(DEAD_LETTER_QUEUE, { i });
    await boss.send("insights.deliver", { userId: "u", insightId: "i" }, {
      startAfter: new Date(Date.now() + 3_600_000),
    });
    // Two tenants' tasks: one failed and two completed lately, one failed an hour ago.
    for (
      const [status, minutesAgo] of [["failed", 1], ["completed", 2], ["completed", 3], [
        "failed",
        60,
      ]] as const
    ) {
      const userId = await createUser(t.db);
      const [request] = await t.owner`insert into analysis_requests (user_id, prompt)
        values (${userId}, 'sales') returning id`;
      // Tasks go pending, running, then end (the status machine allows no shortcut to failed).
      const [task] = await t.owner`insert into agent_tasks (analysis_request_id, user_id,
          department, task_key)
        values (${request!.id}, ${userId}, 'quantitative', 'q') returning id`;
      await t.owner`update agent_tasks set status = 'running' where id = ${task!.id}`;
      await t.owner`update agent_tasks set status = ${status},
          finished_at = now() - make_interval(mins => ${minutesAgo})
        where id = ${task!.id}`;
    }
    const metrics = createMetrics();
    observeOperations(metrics, operationsSource({ boss, db: t.db }), [
      DEAD_LETTER_QUEUE,
      ANALYSIS_DEAD_LETTER_QUEUE,
    ]);
    const scrape = async () =>
      parsePrometheusTextFormat(await metrics.registry.metrics()) as Family[];
    const value = (families: Family[], name: string, labels: Record<string, string>) =>
      families.find((f) => f.name === name)?.metrics.find((m) =>
        Object.entries(labels).every(([k, v]) => m.labels?.[k] === v)
      )?.value;

    // Until the monitor has counted the new jobs (a second or so), the gauges lag: wait for it.
    const deadline = Date.now() + 30_000;
    let families = await scrape();
    while (
      value(families, "alatar_dead_letter_jobs", { queue: DEAD_LETTER_QUEUE }) !== "3" &&
      Date.now() < deadline
    ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      families = await scrape();
    }
    assert.equal(value(families, "alatar_dead_letter_jobs", { queue: DEAD_LETTER_QUEUE }), "3");
    assert.equal(
      value(families, "alatar_dead_letter_jobs", { queue: ANALYSIS_DEAD_LETTER_QUEUE }),
      "0",
    );
    assert.equal(
      value(families, "alatar_queue_jobs", { queue: DEAD_LETTER_QUEUE, state: "ready" }),
      "3",
    );
    assert.equal(
      value(families, "alatar_queue_jobs", { queue: "insights.deliver", state: "deferred" }),
      "1",
    );
    assert.equal(
      value(families, "alatar_queue_jobs", { queue: "insights.deliver", state: "ready" }),
      "0",
    );
    // The hour-old failure is outside the 15-minute window.
    assert.equal(value(families, "alatar_agent_tasks_finished", { status: "failed" }), "1");
    assert.equal(value(families, "alatar_agent_tasks_finished", { status: "completed" }), "2");
  } finally {
    await boss.stop({ graceful: false, timeout: 2000 });
  }
});
