/**
 * A GraphQL server for the benchmark, in its own process: the same services,
 * schema, resolvers, authentication and limits as `deno task api`, served
 * either by our route at /graphql (BENCH_IMPL=hono; `hono-uncached` without its answer cache)
 * or by graphql-yoga at /yoga/graphql (yoga), the peer the issue compares against. Per-user and login rate limits are raised
 * so the load generator measures the API rather than the limiter's refusals.
 *
 * Env: DATABASE_URL, JWT_SECRET, APP_URL, PORT, BENCH_IMPL.
 */
import { DEFAULT_SHOPIFY_API_VERSION } from "../config/config.ts";
import type { ValidationRule } from "graphql";
import { createYoga } from "graphql-yoga";
import { createAnswerCache } from "../api/answer_cache.ts";
import { authenticate } from "../api/authenticate.ts";
import { type ApiServices, createLoaders, type RequestContext } from "../api/context.ts";
import { depthLimit, nodeLimit } from "../api/limits.ts";
import { buildApiSchema } from "../api/schema.ts";
import { createIdTokenVerifiers, NO_PLATFORM_LOGINS } from "../auth/platform_tokens.ts";
import { createAccessTokens } from "../auth/access_tokens.ts";
import { createPasswordHasher } from "../auth/passwords.ts";
import { createTokenCipher } from "../auth/token_cipher.ts";
import { createRateLimiter, DEFAULT_RATE_LIMITS } from "../auth/rate_limit.ts";
import { createRequestLimiter } from "../auth/request_limiter.ts";
import { createSessionCache } from "../auth/session_cache.ts";
import { createShopifySessionViewers } from "../api/shopify_session_viewer.ts";
import { connectDatabase } from "../db/database.ts";
import { createBoss } from "../jobs/boss.ts";
import { createLogger } from "../log/logger.ts";
import { createApp } from "../routes/app.ts";
import { createRequestUpdates } from "../api/request_updates.ts";
import { createMetrics } from "../routes/metrics.ts";
import { MAX_DEPTH, MAX_NODES } from "../routes/graphql.ts";

const env = (name: string) => {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const url = env("DATABASE_URL");
const impl = env("BENCH_IMPL");
const log = createLogger({ level: "error" });
const db = connectDatabase({ url, poolMax: 10, log });
const boss = createBoss({ url, log, max: 2, maintenance: false });
await boss.start();
const unlimited = { limit: 1_000_000_000, windowSeconds: 60 };
const sessions = createSessionCache(db, log);
await sessions.start();
const services: ApiServices = {
  db,
  boss,
  log,
  hasher: createPasswordHasher({ workers: navigator.hardwareConcurrency }),
  cipher: await createTokenCipher([{
    id: "bench",
    key: crypto.getRandomValues(new Uint8Array(32)),
  }]),
  shopify: {
    apiKey: "bench",
    apiSecret: "bench",
    scopes: [],
    adminBaseUrl: "https://{shop}",
    apiVersion: DEFAULT_SHOPIFY_API_VERSION,
  },
  accessTokens: createAccessTokens({ secret: env("JWT_SECRET"), issuer: env("APP_URL") }),
  limiter: createRateLimiter(db),
  limits: {
    ...DEFAULT_RATE_LIMITS,
    requestsPerUser: unlimited,
    loginPerEmail: unlimited,
    loginPerIp: unlimited,
  },
  sessions,
  shopifySessions: createShopifySessionViewers({
    db,
    app: { apiKey: "bench", apiSecret: "bench" },
    log,
  }),
  // Counted as in production (batched writes); the limit itself is out of reach.
  requestLimiter: createRequestLimiter(db, unlimited),
  appUrl: env("APP_URL"),
  idTokens: createIdTokenVerifiers(NO_PLATFORM_LOGINS, log),
};
const schema = await buildApiSchema(log);

// Both are served by the same Hono app, so request ids, metrics, security headers, CORS and
// the body limit cost the same: only the GraphQL layer differs.
const updates = createRequestUpdates({ db: services.db, log });
await updates.start();
const answers = impl === "hono" ? createAnswerCache(db, log) : undefined;
await answers?.start();
const app = createApp({
  updates,
  config: { appEnv: "production", corsOrigins: [] },
  log,
  metrics: createMetrics(),
  services,
  graphql: { schema, production: true, trustProxyHops: 0, answers },
});
if (impl === "yoga") {
  const yoga = createYoga({
    schema,
    graphqlEndpoint: "/yoga/graphql",
    graphiql: false,
    landingPage: false,
    plugins: [{
      onValidate({ addValidationRule }: { addValidationRule: (rule: ValidationRule) => void }) {
        addValidationRule(depthLimit(MAX_DEPTH));
        addValidationRule(nodeLimit(MAX_NODES));
      },
    }],
    // The resolvers read the Hono-style context our route builds; give them the same one.
    context: async ({ request }) => {
      const auth = await authenticate(request.headers.get("authorization") ?? undefined, services);
      if ("rateLimited" in auth) throw new Error("rate limited");
      const api: RequestContext = {
        viewer: auth.viewer,
        viewerProblem: auth.viewerProblem,
        ip: "unknown",
        services,
        log,
        loaders: createLoaders(services, () => auth.viewer!),
      };
      return {
        get: (key: string) => (key === "api" ? api : key === "log" ? log : undefined),
        header() {},
      };
    },
  });
  app.all("/yoga/graphql", (c) => yoga.fetch(c.req.raw));
}
const handler = (request: Request, info: Deno.ServeHandlerInfo) =>
  app.fetch(request, { remoteAddr: info.remoteAddr });

const port = Number(env("PORT"));
Deno.serve({ port, hostname: "127.0.0.1", onListen: () => console.log("listening") }, handler);
