/**
 * Prometheus metrics: HTTP request counts and latency by route and status,
 * plus the process metrics prom-client collects (CPU, memory, event loop).
 * A registry per app instance keeps tests independent.
 *
 * @example
 * ```ts
 * const metrics = createMetrics();
 * app.route("/", metricsRoutes(metrics));
 * ```
 */
import { Hono } from "hono";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { OperationsSource } from "../jobs/operations.ts";

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<"method" | "route" | "status">;
  httpDuration: Histogram<"method" | "route" | "status">;
  /** GraphQL reads answered from api/answer_cache.ts (`hit`) or read and kept (`miss`). */
  graphqlAnswers: Counter<"outcome">;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "alatar_" });
  const labelNames = ["method", "route", "status"] as const;
  return {
    registry,
    httpRequests: new Counter({
      name: "alatar_http_requests_total",
      help: "HTTP requests answered, by method, route pattern and status.",
      labelNames,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "alatar_http_request_duration_seconds",
      help: "HTTP request latency in seconds, by method, route pattern and status.",
      labelNames,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    graphqlAnswers: new Counter({
      name: "alatar_graphql_answer_cache_total",
      help: "Signed-in GraphQL reads answered as kept (hit) or read and kept (miss).",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
  };
}

/** Window of the task-outcome gauge: the alert compares failed with all that ended in it. */
export const TASK_WINDOW_MINUTES = 15;

/**
 * Queue backlogs, dead letters and recent task outcomes, read when Prometheus scrapes. Every API
 * process reports the same figures (they come from the database): alerts take the max.
 */
export function observeOperations(
  metrics: Metrics,
  source: OperationsSource,
  deadLetterQueues: readonly string[],
): void {
  const registers = [metrics.registry];
  // The gauges of one scrape are collected side by side: they share one read of the queues.
  let read: { at: number; queues: ReturnType<OperationsSource["queues"]> } | null = null;
  const queues = () => {
    if (!read || Date.now() - read.at > 1000) read = { at: Date.now(), queues: source.queues() };
    return read.queues;
  };
  new Gauge({
    name: "alatar_queue_jobs",
    help: "Jobs in each pg-boss queue by state: ready (runnable now), deferred, active.",
    labelNames: ["queue", "state"] as const,
    registers,
    async collect() {
      this.reset();
      for (const q of await queues().catch(() => [])) {
        this.set({ queue: q.name, state: "ready" }, q.ready);
        this.set({ queue: q.name, state: "deferred" }, q.deferred);
        this.set({ queue: q.name, state: "active" }, q.active);
      }
    },
  });
  new Gauge({
    name: "alatar_dead_letter_jobs",
    help: "Jobs waiting in a dead-letter queue (retries exhausted) for handling or inspection.",
    labelNames: ["queue"] as const,
    registers,
    async collect() {
      this.reset();
      for (const q of await queues().catch(() => [])) {
        if (deadLetterQueues.includes(q.name)) this.set({ queue: q.name }, q.ready + q.deferred);
      }
    },
  });
  new Gauge({
    name: "alatar_agent_tasks_finished",
    help: `Analysis tasks that ended in the last ${TASK_WINDOW_MINUTES} minutes, by outcome.`,
    labelNames: ["status"] as const,
    registers,
    async collect() {
      this.reset();
      // The database away: no sample (an absent series), never a failed scrape.
      const outcome = await source.agentTasks(TASK_WINDOW_MINUTES).catch(() => null);
      if (!outcome) return;
      this.set({ status: "completed" }, outcome.completed);
      this.set({ status: "failed" }, outcome.failed);
    },
  });
}

export function metricsRoutes(metrics: Metrics): Hono {
  return new Hono().get("/metrics", async (c) => {
    c.header("content-type", metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });
}
