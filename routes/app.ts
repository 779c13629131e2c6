/**
 * The HTTP application: cross-cutting middleware (request ids, logging,
 * metrics, security headers, CORS, body limit), one error handler, and the
 * resource routers mounted with `app.route()`.
 *
 * @example
 * ```ts
 * const app = createApp({ config, log, db, metrics });
 * Deno.serve({ port: config.port }, app.fetch);
 * ```
 */
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from "../db/unavailable.ts";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { requestId } from "hono/request-id";
import { routePath } from "hono/route";
import { secureHeaders } from "hono/secure-headers";
import type { Config } from "../config/config.ts";
import type { Logger } from "../log/logger.ts";
import "./variables.ts";
import type { ApiServices } from "../api/context.ts";
import { type GraphqlDeps, graphqlRoutes } from "./graphql.ts";
import { BODY_READ_TIMEOUT_MS, bodyDeadline } from "./body_deadline.ts";
import { graphqlStreamRoutes } from "./graphql_stream.ts";
import { healthRoutes } from "./health.ts";
import type { RequestUpdates } from "../api/request_updates.ts";
import { shopifyRoutes } from "./shopify.ts";
import { DASHBOARD_PATH, dashboardRoutes } from "./dashboard.ts";
import { siriRoutes } from "./siri.ts";
import { webhookRoutes } from "./webhooks.ts";
import { type Metrics, metricsRoutes } from "./metrics.ts";
import { codeForStatus, errorBody } from "./error_body.ts";

export const MAX_BODY_BYTES = 1024 * 1024;

export interface AppDeps {
  config: Pick<Config, "appEnv" | "corsOrigins">;
  log: Logger;
  metrics: Metrics;
  /** What the routes act with: accounts, Shopify, the database, the queue. */
  services: ApiServices;
  graphql: Omit<GraphqlDeps, "services">;
  /** Live request updates for /graphql/stream (one LISTEN per process). */
  updates: RequestUpdates;
  /** Between SSE heartbeat comments; HEARTBEAT_MS by default. */
  heartbeatMs?: number;
  /** How long /siri/ask waits for an answer; SIRI_WAIT_SECONDS by default. */
  siriWaitSeconds?: number;
  /** How long a request body may take to arrive; BODY_READ_TIMEOUT_MS by default. */
  bodyReadTimeoutMs?: number;
}

/** The JSON body of every error answer; never carries internals. */
export function createApp(deps: AppDeps): Hono {
  const { config, log, metrics } = deps;
  const app = new Hono();

  app.use(requestId({ headerName: "X-Request-Id", limitLength: 128 }));
  app.use(async (c, next) => {
    c.set("log", log.child({ request_id: c.get("requestId") }));
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = c.res.status === 404 && routePath(c, -1) === "/*"
      ? "unmatched"
      : routePath(c, -1);
    const labels = { method: c.req.method, route, status: String(c.res.status) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, seconds);
    c.get("log").debug("request", { ...labels, ms: Math.round(seconds * 1000) });
  });
  const headers = {
    strictTransportSecurity: config.appEnv === "production"
      ? "max-age=63072000; includeSubDomains"
      : false,
    referrerPolicy: "no-referrer",
    crossOriginResourcePolicy: "same-site",
  } as const;
  const apiHeaders = secureHeaders({
    ...headers,
    xFrameOptions: "DENY",
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
  });
  // The dashboard sets its own Content-Security-Policy, whose frame-ancestors let the Shopify
  // admin frame it when embedded (X-Frame-Options cannot say that, so it is left off there).
  const pageHeaders = secureHeaders({
    ...headers,
    xFrameOptions: false,
    contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    overwrite: false,
  });
  app.use((c, next) => (DASHBOARD_PATH.test(c.req.path) ? pageHeaders : apiHeaders)(c, next));
  app.use(cors({
    origin: config.corsOrigins,
    allowHeaders: [
      "Authorization",
      "Content-Type",
      "Idempotency-Key",
      "Last-Event-ID",
      "X-Request-Id",
    ],
    exposeHeaders: ["X-Request-Id", "ETag", "Retry-After"],
    maxAge: 600,
  }));
  app.use(bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) =>
      c.json(
        errorBody("PAYLOAD_TOO_LARGE", "Request body exceeds 1 MiB", c.get("requestId")),
        413,
      ),
  }));
  // After the size limit, which counts the bytes as this reads them.
  app.use(bodyDeadline(deps.bodyReadTimeoutMs ?? BODY_READ_TIMEOUT_MS, (c) => {
    c.get("log").warn("request body too slow", { route: c.req.path });
    return c.json(
      errorBody(
        "REQUEST_TIMEOUT",
        "The request body did not arrive in time; send it again.",
        c.get("requestId"),
      ),
      408,
    );
  }));

  app.route("/", healthRoutes(deps.services.db));
  app.route("/", metricsRoutes(metrics));
  app.route(
    "/",
    graphqlRoutes({
      ...deps.graphql,
      services: deps.services,
      onAnswer: (outcome) => metrics.graphqlAnswers.inc({ outcome }),
    }),
  );
  app.route(
    "/",
    graphqlStreamRoutes({
      ...deps.graphql,
      services: deps.services,
      updates: deps.updates,
      heartbeatMs: deps.heartbeatMs,
    }),
  );
  app.route(
    "/",
    siriRoutes({
      services: deps.services,
      updates: deps.updates,
      waitSeconds: deps.siriWaitSeconds,
    }),
  );
  app.route("/", shopifyRoutes(deps.services));
  app.route(
    "/",
    dashboardRoutes({
      services: deps.services,
      prebuiltBundle: config.appEnv === "production",
    }),
  );
  const { db, boss, shopify } = deps.services;
  app.route("/", webhookRoutes({ db, boss, apiSecret: shopify.apiSecret, log }));

  app.notFound((c) => c.json(errorBody("NOT_FOUND", "No such endpoint", c.get("requestId")), 404));
  app.onError((error, c) => {
    const id = c.get("requestId");
    if (error instanceof HTTPException && error.status < 500) {
      return c.json(errorBody(codeForStatus(error.status), error.message, id), error.status);
    }
    if (isDatabaseUnavailable(error)) {
      (c.get("log") ?? log).warn("database unavailable", { error, path: c.req.path });
      c.header("Retry-After", String(DATABASE_RETRY_AFTER_SECONDS));
      return c.json(
        errorBody("EXTERNAL_SERVICE_ERROR", "The database is unavailable; try again shortly.", id),
        503,
      );
    }
    (c.get("log") ?? log).error("unhandled error", { error, path: c.req.path });
    return c.json(errorBody("INTERNAL_SERVER_ERROR", "Internal server error", id), 500);
  });
  return app;
}
