/**
 * The real HTTP app with real services over a test database: argon2id in a
 * worker, pg-boss, Postgres-backed rate limits. Only the limits can be made
 * smaller, so tests can trip them quickly.
 */
import type { DocumentChecker } from "../../api/document_checker.ts";
import { DEFAULT_SHOPIFY_API_VERSION } from "../../config/config.ts";
import type { PgBoss } from "pg-boss";
import { buildApiSchema } from "../../api/schema.ts";
import type { ApiServices } from "../../api/context.ts";
import { createAccessTokens } from "../../auth/access_tokens.ts";
import { createPasswordHasher } from "../../auth/passwords.ts";
import { createIdTokenVerifiers, NO_PLATFORM_LOGINS } from "../../auth/platform_tokens.ts";
import { createTokenCipher } from "../../auth/token_cipher.ts";
import { createRateLimiter, DEFAULT_RATE_LIMITS, type RateLimits } from "../../auth/rate_limit.ts";
import { createRequestLimiter } from "../../auth/request_limiter.ts";
import { createSessionCache } from "../../auth/session_cache.ts";
import { type AnswerCache, createAnswerCache } from "../../api/answer_cache.ts";
import { createShopifySessionViewers } from "../../api/shopify_session_viewer.ts";
import { createBoss } from "../../jobs/boss.ts";
import { createApp } from "../../routes/app.ts";
import { createRequestUpdates, type RequestUpdates } from "../../api/request_updates.ts";
import { createMetrics } from "../../routes/metrics.ts";
import type { Hono } from "hono";
import type { Logger } from "../../log/logger.ts";
import { dbTest, type TestDatabase } from "./test_db.ts";
import type { Database } from "../../db/database.ts";
import type { MirrorDeps } from "../../mirror/deps.ts";

export const TEST_JWT_SECRET = "test-secret-".repeat(4);
export const TEST_ISSUER = "http://alatar.test";
export const TEST_ENCRYPTION_KEY = crypto.getRandomValues(new Uint8Array(32));
export const TEST_SHOPIFY_APP = { apiKey: "test-app", apiSecret: "test-app-secret" };
export const TEST_LOOKUP_KEY = new Uint8Array(32).fill(7);

/** What the worker's store sync gets, from the same services the API uses. */
export function mirrorDepsOf(services: ApiServices): MirrorDeps {
  return {
    db: services.db,
    cipher: services.cipher,
    shopify: { ...services.shopify, apiVersion: DEFAULT_SHOPIFY_API_VERSION },
    appUrl: services.appUrl,
    log: services.log,
    lookupKey: TEST_LOOKUP_KEY,
  };
}

export interface TestApi {
  app: Hono;
  services: ApiServices;
  boss: PgBoss;
  updates: RequestUpdates;
  /** Answers kept by /graphql (api/answer_cache.ts). */
  answers: AnswerCache;
  close(): Promise<void>;
}

export async function createTestApi(
  t: TestDatabase,
  options: {
    limits?: Partial<RateLimits>;
    production?: boolean;
    /** Replaces the database for everything (e.g. one whose server is down). */
    db?: ApiServices["db"];
    log?: Logger;
    corsOrigins?: string[];
    graphqlLimits?: { maxDepth?: number; maxNodes?: number };
    /** Where the Shopify client goes: a dev store started by the test. */
    shopifyAdminBaseUrl?: string;
    /** Our public address (webhooks are registered under it); a test serving the app sets it. */
    appUrl?: string;
    shopifyScopes?: string[];
    /** Between SSE heartbeat comments. */
    heartbeatMs?: number;
    siriWaitSeconds?: number;
    actionRecoverySeconds?: number;
    bodyReadTimeoutMs?: number;
    /** Checks new GraphQL documents on a worker thread, as `main.ts` does (default: in-process). */
    documentChecker?: DocumentChecker;
    /** Sign in with Apple/Google verifiers (default: both off). */
    idTokens?: ApiServices["idTokens"];
    /** Told when a notification makes /graphql's answer cache forget a user. */
    onAnswersForgotten?: (userId: string) => void;
    /** How /graphql's answer cache LISTENs, given the services' database (default: its own). */
    answersListen?: (db: Database) => Pick<Database, "listen">;
  } = {},
): Promise<TestApi> {
  const log = options.log ?? t.log;
  const boss = createBoss({ url: t.url, log: t.log, max: 2, maintenance: false });
  await boss.start();
  const hasher = createPasswordHasher({ workers: 1 });
  const servicesDb = options.db ?? t.db;
  const limits = { ...DEFAULT_RATE_LIMITS, ...options.limits };
  const sessions = createSessionCache(servicesDb, log);
  // A database that is down (options.db) cannot LISTEN; the cache then remembers nothing.
  await sessions.start().catch(() => {});
  const requestLimiter = createRequestLimiter(servicesDb, limits.requestsPerUser);
  // As in production, repeated reads are answered as kept until the user's data changes.
  const answers = createAnswerCache(options.answersListen?.(servicesDb) ?? servicesDb, log, {
    onForget: options.onAnswersForgotten,
  });
  await answers.start().catch(() => {});
  const services: ApiServices = {
    db: options.db ?? t.db,
    boss,
    log,
    hasher,
    cipher: await createTokenCipher([{ id: "test", key: TEST_ENCRYPTION_KEY }]),
    shopify: {
      apiKey: TEST_SHOPIFY_APP.apiKey,
      apiSecret: TEST_SHOPIFY_APP.apiSecret,
      scopes: options.shopifyScopes ?? ["read_orders", "read_products", "write_discounts"],
      adminBaseUrl: options.shopifyAdminBaseUrl ?? "http://127.0.0.1:1/{shop}",
      apiVersion: DEFAULT_SHOPIFY_API_VERSION,
    },
    accessTokens: createAccessTokens({ secret: TEST_JWT_SECRET, issuer: TEST_ISSUER }),
    limiter: createRateLimiter(t.db),
    limits,
    sessions,
    requestLimiter,
    shopifySessions: createShopifySessionViewers({ db: servicesDb, app: TEST_SHOPIFY_APP, log }),
    appUrl: options.appUrl ?? TEST_ISSUER,
    actionRecoverySeconds: options.actionRecoverySeconds,
    idTokens: options.idTokens ?? createIdTokenVerifiers(NO_PLATFORM_LOGINS, log),
  };
  // On the test's own database even when `db` stands in for one that is down.
  const updates = createRequestUpdates({ db: t.db, log });
  await updates.start();
  const app = createApp({
    updates,
    heartbeatMs: options.heartbeatMs,
    bodyReadTimeoutMs: options.bodyReadTimeoutMs,
    siriWaitSeconds: options.siriWaitSeconds,
    config: {
      appEnv: options.production ? "production" : "test",
      corsOrigins: options.corsOrigins ?? [],
    },
    log,
    metrics: createMetrics(),
    services,
    graphql: {
      schema: await buildApiSchema(log),
      production: options.production ?? false,
      trustProxyHops: 1,
      limits: options.graphqlLimits,
      documentChecker: options.documentChecker,
      answers,
    },
  });
  return {
    app,
    services,
    boss,
    updates,
    answers,
    async close() {
      await requestLimiter.close();
      await sessions.stop();
      await answers.stop();
      await updates.stop();
      hasher.close();
      await boss.stop({ graceful: false, timeout: 1000 });
    },
  };
}

export interface GqlResponse {
  status: number;
  headers: Headers;
  // deno-lint-ignore no-explicit-any
  body: any;
}

/** POSTs one operation, as a client would. */
export async function gql(
  app: Hono,
  query: string,
  variables: Record<string, unknown> = {},
  options: { token?: string; ip?: string } = {},
): Promise<GqlResponse> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-forwarded-for": options.ip ?? "203.0.113.7",
  };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const res = await app.request("/graphql", {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

export const REGISTER = `mutation($email: String!, $password: String!) {
  register(email: $email, password: $password) {
    accessToken refreshToken accessTokenExpiresAt user { id email }
    userErrors { message code field retryAfterSeconds }
  }
}`;

export const LOGIN = `mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    accessToken refreshToken user { id email }
    userErrors { message code field retryAfterSeconds }
  }
}`;

/** Registers an account and returns its tokens. */
export async function signUp(app: Hono, email = `${crypto.randomUUID().slice(0, 8)}@example.com`) {
  const password = "correct horse battery";
  const res = await gql(app, REGISTER, { email, password });
  const payload = res.body.data.register;
  if (payload.userErrors.length) throw new Error(JSON.stringify(payload.userErrors));
  return {
    email,
    password,
    userId: payload.user.id as string,
    accessToken: payload.accessToken as string,
    refreshToken: payload.refreshToken as string,
  };
}

/** `Deno.test` with a fresh database and the real app built over it. */
export function apiTest(
  name: string,
  fn: (api: TestApi, t: TestDatabase) => Promise<void>,
  options: Parameters<typeof createTestApi>[1] = {},
) {
  dbTest(name, async (t) => {
    const api = await createTestApi(t, options);
    try {
      await fn(api, t);
    } finally {
      await api.close();
    }
  });
}
