/**
 * A user with the dev store linked through the real OAuth flow, the API served
 * on a port (so the dev store's webhooks reach it), and optionally the real
 * worker draining the queues. Linking queues the store's import, exactly as in
 * production; tests without a worker run the import themselves.
 */
import { DEFAULT_APP_SCOPES } from "../../devstore/oauth.ts";
import assert from "node:assert/strict";
import type { PgBoss } from "pg-boss";
import { createFileEmailSender } from "../../auth/mail.ts";
import { freePort } from "../../db/embedded.ts";
import { SHOP_TIMEZONE } from "../../devstore/seed.ts";
import { createDevStore, type DevStore, devStoreBaseUrl } from "../../devstore/server.ts";
import { createBoss } from "../../jobs/boss.ts";
import type { RateLimits } from "../../auth/rate_limit.ts";
import type { JobRun } from "../../jobs/handler.ts";
import { startWorker, type WorkerDeps } from "../../worker.ts";
import type { MirrorDeps } from "../../mirror/deps.ts";
import { createTestApi, gql, mirrorDepsOf, signUp, TEST_SHOPIFY_APP, type TestApi } from "./api.ts";
import { dbTest, type TestDatabase } from "./test_db.ts";

/** Every scope our default SHOPIFY_SCOPES asks for, as the dev store's app is configured. */
export const FULL_SCOPES = DEFAULT_APP_SCOPES;

/**
 * The dev store's last day in tests: the shop's date now, because the
 * pipeline plans from the shop's clock ("last week" is the week before this
 * one). A store frozen on another day would be analysed for days it has no
 * orders in.
 */
export const TEST_TODAY = new Date(`${shopDate(new Date())}T00:00:00Z`);

/** `at` as YYYY-MM-DD on the demo shop's calendar. */
export function shopDate(at: Date): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: SHOP_TIMEZONE }).format(at);
}

/** The Monday-to-Sunday week before the one `today` (UTC midnight) falls in. */
export function weekBefore(today: Date): { from: string; to: string } {
  const day = 86_400_000;
  const monday = today.getTime() - ((today.getUTCDay() + 6) % 7) * day;
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { from: iso(monday - 7 * day), to: iso(monday - day) };
}

export interface LinkedStore {
  t: TestDatabase;
  api: TestApi;
  store: DevStore;
  userId: string;
  accountId: string;
  /** The user's access JWT. */
  token: string;
  /** The user's sign-in (for a client that logs in itself, like `deno task ask`). */
  credentials: { email: string; password: string };
  deps: MirrorDeps;
  /** Job runs seen by the worker (empty without one). */
  runs: JobRun[];
  /**
   * Resolves with a run of `queue` matching `match` that has finished at any time, before this
   * call included: for "the import has completed", whenever it did.
   */
  waitForJob(queue: string, match?: (run: JobRun) => boolean, timeoutMs?: number): Promise<JobRun>;
  /**
   * The `count`-th run of `queue` matching `match` that finishes after this call (never one that
   * finished before it). Call it before causing the run, await it after.
   */
  nextJob(
    queue: string,
    options?: { match?: (run: JobRun) => boolean; count?: number; timeoutMs?: number },
  ): Promise<JobRun>;
}

export function linkedStoreTest(
  name: string,
  fn: (env: LinkedStore) => Promise<void>,
  options: {
    worker?: boolean;
    /** The analysis pipeline's model and node hook in the worker (offline by default). */
    analysis?: Partial<WorkerDeps["analysis"]>;
    scopes?: string[];
    bucket?: { maximum: number; restoreRate: number };
    /** Between SSE heartbeat comments on /graphql/stream. */
    heartbeatMs?: number;
    /** How long /siri/ask waits for an answer. */
    siriWaitSeconds?: number;
    /** Smaller rate limits, to trip them quickly. */
    limits?: Partial<RateLimits>;
    /** How often the worker's pg-boss fails timed-out jobs (10 s by default). */
    superviseSeconds?: number;
    /** When an approved action's recovery job runs (ACTION_RECOVERY_SECONDS). */
    actionRecoverySeconds?: number;
  } = {},
) {
  dbTest(name, async (t) => {
    const store = createDevStore({
      app: TEST_SHOPIFY_APP,
      today: TEST_TODAY,
      bucket: options.bucket,
    });
    const storePort = freePort();
    const storeServer = Deno.serve(
      { port: storePort, hostname: "127.0.0.1", onListen: () => {} },
      store.fetch,
    );
    const apiPort = freePort();
    const api = await createTestApi(t, {
      shopifyAdminBaseUrl: devStoreBaseUrl(storePort),
      appUrl: `http://127.0.0.1:${apiPort}`,
      shopifyScopes: options.scopes ?? FULL_SCOPES,
      heartbeatMs: options.heartbeatMs,
      siriWaitSeconds: options.siriWaitSeconds,
      limits: options.limits,
      actionRecoverySeconds: options.actionRecoverySeconds,
    });
    const apiServer = Deno.serve(
      { port: apiPort, hostname: "127.0.0.1", onListen: () => {} },
      api.app.fetch,
    );
    const runs: JobRun[] = [];
    const waiters: Array<() => void> = [];
    let worker: PgBoss | null = null;
    try {
      const deps = mirrorDepsOf(api.services);
      if (options.worker) {
        worker = createBoss({
          url: t.url,
          log: t.log,
          max: 3,
          superviseSeconds: options.superviseSeconds,
        });
        await worker.start();
        await startWorker({
          boss: worker,
          db: t.db,
          log: t.log,
          emailSender: createFileEmailSender(await Deno.makeTempDir(), t.log),
          analysis: { modelFor: () => null, ...options.analysis },
          mirror: deps,
          observe: (run) => {
            runs.push(run);
            for (const wake of waiters) wake();
          },
        });
      }
      const account = await signUp(api.app);
      const started = await gql(
        api.app,
        `mutation($shop: String!) { startShopifyOAuth(shop: $shop) { authorizationUrl } }`,
        { shop: store.shop.domain },
        { token: account.accessToken },
      );
      const consent = await fetch(started.body.data.startShopifyOAuth.authorizationUrl, {
        redirect: "manual",
      });
      await consent.body?.cancel();
      const callback = new URL(consent.headers.get("location")!);
      const linked = await api.app.request(callback.pathname + callback.search);
      const body = await linked.json();
      assert.equal(body.status, "linked", JSON.stringify(body));

      const findRun = (
        queue: string,
        match: (run: JobRun) => boolean,
        from: number,
        count: number,
        timeoutMs: number,
      ) =>
        new Promise<JobRun>((resolve, reject) => {
          const check = () => {
            const found = runs.slice(from).filter((r) => r.queue === queue && match(r));
            if (found.length >= count) {
              clearTimeout(timer);
              resolve(found[count - 1]!);
            }
          };
          const timer = setTimeout(
            () => reject(new Error(`no ${queue} job finished in ${timeoutMs} ms`)),
            timeoutMs,
          );
          waiters.push(check);
          check();
        });
      const waitForJob = (
        queue: string,
        match: (run: JobRun) => boolean = () => true,
        timeoutMs = 30_000,
      ) => findRun(queue, match, 0, 1, timeoutMs);
      const nextJob = (
        queue: string,
        options: { match?: (run: JobRun) => boolean; count?: number; timeoutMs?: number } = {},
      ) =>
        findRun(
          queue,
          options.match ?? (() => true),
          runs.length,
          options.count ?? 1,
          options.timeoutMs ?? 30_000,
        );
      await fn({
        t,
        api,
        store,
        userId: account.userId,
        accountId: body.linkedAccountId,
        token: account.accessToken,
        credentials: { email: account.email, password: account.password },
        deps,
        runs,
        waitForJob,
        nextJob,
      });
    } finally {
      await worker?.stop({ graceful: false, timeout: 2000 });
      await api.close();
      await apiServer.shutdown();
      await storeServer.shutdown();
    }
  });
}

/**
 * `Deno.test` with a fresh database, the dev store served on a port, and a test API pointed at
 * it, with no store linked yet (an embedded shop's first open links it).
 */
export function unlinkedStoreTest(
  name: string,
  fn: (env: { t: TestDatabase; store: DevStore; api: TestApi }) => Promise<void>,
) {
  dbTest(name, async (t) => {
    const store = createDevStore({ app: TEST_SHOPIFY_APP });
    const port = freePort();
    const server = Deno.serve({ port, hostname: "127.0.0.1", onListen: () => {} }, store.fetch);
    const api = await createTestApi(t, { shopifyAdminBaseUrl: devStoreBaseUrl(port) });
    try {
      await fn({ t, store, api });
    } finally {
      await api.close();
      await server.shutdown();
    }
  });
}
