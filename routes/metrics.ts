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
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<"method" | "route" | "status">;
  httpDuration: Histogram<"method" | "route" | "status">;
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
  };
}

export function metricsRoutes(metrics: Metrics): Hono {
  return new Hono().get("/metrics", async (c) => {
    c.header("content-type", metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });
}
