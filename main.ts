/**
 * Alatar's entry point. One codebase, several roles:
 *
 *   deno run -A main.ts start    API + worker in one process (development)
 *   deno run -A main.ts api      stateless HTTP API
 *   deno run -A main.ts worker   drains the job queues
 *   deno run -A main.ts migrate  applies pending migrations and exits
 *   deno run -A main.ts keys:rotate  re-encrypts stored credentials under the newest key
 *   deno run -A main.ts sync <account> [--full]  syncs one linked store's mirror now
 *   deno run -A main.ts insights [account] [--day D]  runs the daily check now
 *   deno run -A main.ts backup [file]  writes a consistent archive of the whole database
 *   deno run -A main.ts restore <file> [--database name]  restores one into an empty database
 */
import { type Config, ConfigError } from "./config/config.ts";
import { loadConfig } from "./config/load_config.ts";
import { connectDatabase } from "./db/database.ts";
import { EmbeddedPostgresError } from "./db/embedded.ts";
import { migrate } from "./db/migrate.ts";
import { provisionDatabase } from "./db/provision.ts";
import { buildApiSchema } from "./api/schema.ts";
import { createIdTokenVerifiers } from "./auth/platform_tokens.ts";
import { createAccessTokens } from "./auth/access_tokens.ts";
import { createFileEmailSender, createHttpEmailSender } from "./auth/mail.ts";
import { DEMO_EMAIL, DEMO_PASSWORD, ensureDemoAccount } from "./auth/demo_account.ts";
import { createPasswordHasher } from "./auth/passwords.ts";
import { createTokenCipher } from "./auth/token_cipher.ts";
import { SHOP_DOMAIN } from "./devstore/seed.ts";
import { linkDemoShop } from "./mirror/demo_link.ts";
import { createRateLimiter, DEFAULT_RATE_LIMITS } from "./auth/rate_limit.ts";
import { createRequestLimiter } from "./auth/request_limiter.ts";
import { createSessionCache } from "./auth/session_cache.ts";
import { createAnswerCache } from "./api/answer_cache.ts";
import { createShopifySessionViewers } from "./api/shopify_session_viewer.ts";
import { createBoss } from "./jobs/boss.ts";
import { createRequestUpdates } from "./api/request_updates.ts";
import { grantEnqueue } from "./jobs/queue_access.ts";
import { DEAD_LETTER_QUEUE, ensureQueues, installJobSchema } from "./queues.ts";
import { ANALYSIS_DEAD_LETTER_QUEUE } from "./graph/queues.ts";
import { installLastResort } from "./log/last_resort.ts";
import { createLogger, type Logger } from "./log/logger.ts";
import { createApp } from "./routes/app.ts";
import { checkLimitsFor } from "./routes/graphql.ts";
import { startDocumentChecker } from "./api/document_checker.ts";
import { clientBundle } from "./dashboard/bundle.ts";
import { createMetrics, observeOperations } from "./routes/metrics.ts";
import { operationsSource } from "./jobs/operations.ts";

const ROLES = [
  "start",
  "api",
  "worker",
  "migrate",
  "keys:rotate",
  "sync",
  "insights",
  "backup",
  "restore",
] as const;
type Role = typeof ROLES[number];

/** Closers run in reverse order of opening: stop taking work before closing what it needs. */
class Resources {
  #closers: Array<[string, () => Promise<unknown>]> = [];
  add(name: string, close: () => Promise<unknown>) {
    this.#closers.push([name, close]);
  }
  async closeAll(log: Logger) {
    for (const [name, close] of this.#closers.reverse()) {
      try {
        log.debug("closing", { step: name });
        await close();
        log.debug("closed", { step: name });
      } catch (error) {
        log.error("shutdown step failed", { step: name, error });
      }
    }
    this.#closers = [];
  }
}

/**
 * The APNs client the worker pushes insights with: Apple's, when its key is configured; in
 * development without one, the local APNs server, started here (like the dev store); or none.
 */
async function startPush(config: Config, log: Logger, resources: Resources) {
  const { createApnsClient } = await import("./notifications/apns_client.ts");
  const { createProviderTokens } = await import("./notifications/apns_token.ts");
  if (config.apns) {
    const apns = createApnsClient({
      url: config.apns.url,
      topic: config.apns.topic,
      tokens: await createProviderTokens(config.apns),
    });
    resources.add("apns client", () => Promise.resolve(apns.close()));
    return { apns, environment: config.apns.environment };
  }
  if (!config.localApns) return { apns: null, environment: "production" as const };
  const { localApnsClient, startLocalApns } = await import("./notifications/local_apns.ts");
  const local = await startLocalApns({ topic: config.localApns.topic });
  resources.add("local apns", () => local.close());
  const apns = await localApnsClient(local, config.localApns.topic);
  resources.add("apns client", () => Promise.resolve(apns.close()));
  log.info("local APNs server (development)", { url: local.url });
  return { apns, environment: "any" as const };
}

async function main(args: string[]): Promise<number> {
  const role = (args[0] ?? "start") as Role;
  if (!ROLES.includes(role)) {
    console.error(`Unknown role "${args[0]}". Use one of: ${ROLES.join(", ")}.`);
    return 2;
  }
  const started = performance.now();
  const bootLog = createLogger({ level: "info", fields: { role } });
  let config;
  try {
    config = await loadConfig(Deno.env.toObject(), (message) => bootLog.warn(message));
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  const log = createLogger({ level: config.logLevel, fields: { role } });
  installLastResort(log);
  const resources = new Resources();
  // Aborted at the first signal, before anything closes: long jobs stop at their next safe point.
  const stopping = new AbortController();
  const shutdown = () => resources.closeAll(log);

  try {
    const oneShot = role !== "start" && role !== "api" && role !== "worker";
    const database = await provisionDatabase(config, log, { attachIfRunning: oneShot });
    resources.add("postgres", database.stop);

    // Neither migrates first: a backup leaves the database as it is, a restore migrates itself.
    if (role === "backup" || role === "restore") {
      const { runBackupCommand, runRestoreCommand } = await import("./ops/backup_command.ts");
      const print = (line: string) => console.log(line);
      const code = role === "backup"
        ? await runBackupCommand({ ownerUrl: database.ownerUrl, log }, args.slice(1), print)
        : await runRestoreCommand(
          {
            ownerUrl: database.ownerUrl,
            log,
            cipher: await createTokenCipher(config.encryptionKeys),
            installJobSchema: (url) => installJobSchema(url, log),
          },
          args.slice(1),
          print,
        );
      await shutdown();
      return code;
    }
    await migrate(database.ownerUrl, log);
    if (role === "migrate") {
      await shutdown();
      return 0;
    }

    const db = connectDatabase({ url: database.ownerUrl, poolMax: config.databasePoolMax, log });
    resources.add("database pools", () => db.end());

    if (role === "keys:rotate") {
      const cipher = await createTokenCipher(config.encryptionKeys);
      const { rotateCredentialKeys } = await import("./shopify/rotate_keys.ts");
      const report = await rotateCredentialKeys({ db, cipher, log });
      console.error(
        `Re-encrypted ${report.rotated} of ${report.accounts} linked accounts under key "${cipher.newestKeyId}" ` +
          `(${report.alreadyCurrent} already were).`,
      );
      await shutdown();
      return 0;
    }

    if (role === "sync") {
      const { runSyncCommand } = await import("./mirror/sync_command.ts");
      const code = await runSyncCommand(
        {
          db,
          cipher: await createTokenCipher(config.encryptionKeys),
          shopify: config.shopify,
          appUrl: config.appUrl,
          log,
          lookupKey: config.customerLookupKey,
        },
        args.slice(1),
        (line) => console.error(line),
      );
      await shutdown();
      return code;
    }

    if (role === "insights") {
      const { runInsightsCommand } = await import("./insights/insights_command.ts");
      const boss = createBoss({ url: database.ownerUrl, log, max: 2, maintenance: false });
      await boss.start();
      resources.add("pg-boss", () => boss.stop({ graceful: false, timeout: 2000 }));
      await ensureQueues(boss);
      const code = await runInsightsCommand(
        { db, boss },
        args.slice(1),
        (line) => console.log(line),
      );
      await shutdown();
      return code;
    }

    // Development without Shopify keys: the local dev store stands in for Shopify. It closes
    // after pg-boss, so syncs in flight at shutdown can finish.
    if (role === "start" && config.shopify.devStore) {
      const { createDevStore } = await import("./devstore/server.ts");
      const store = createDevStore({
        app: { apiKey: config.shopify.apiKey, apiSecret: config.shopify.apiSecret },
        appUrl: config.appUrl,
      });
      const devServer = Deno.serve(
        { port: config.shopify.devStore.port, hostname: "127.0.0.1", onListen: () => {} },
        store.fetch,
      );
      resources.add("dev store", () => devServer.shutdown());
    }

    // Every role but migrate enqueues (the API writes jobs in tenant transactions), so every
    // role has pg-boss; only workers run its maintenance and cron.
    const runsWorker = role === "worker" || role === "start";
    // Job handlers get their own pool, committing without waiting for the disk (see asyncCommit).
    // Added before pg-boss, so it closes after pg-boss has drained the handlers that use it.
    const jobsDb = runsWorker
      ? connectDatabase({
        url: database.ownerUrl,
        poolMax: config.databasePoolMax,
        log,
        asyncCommit: true,
      })
      : db;
    if (jobsDb !== db) resources.add("job handler pools", () => jobsDb.end());
    // Opened before pg-boss, so it closes after pg-boss has let deliveries in flight finish.
    const push = runsWorker ? await startPush(config, log, resources) : null;
    const boss = createBoss({ url: database.ownerUrl, log, maintenance: runsWorker });
    await boss.start();
    resources.add(
      "pg-boss",
      () => boss.stop({ graceful: true, timeout: config.shutdownTimeoutMs }),
    );
    await ensureQueues(boss);
    await grantEnqueue(database.ownerUrl);

    const emailSender = config.appEnv === "production"
      ? createHttpEmailSender({
        url: config.email.apiUrl!,
        apiKey: config.email.apiKey!,
        from: config.email.from,
      })
      : createFileEmailSender(`${config.dataDir}/mail`, log);
    const cipher = await createTokenCipher(config.encryptionKeys);
    const mirror = {
      db,
      cipher,
      shopify: config.shopify,
      appUrl: config.appUrl,
      log,
      lookupKey: config.customerLookupKey,
    };
    const llm = { ...config.openRouter, appUrl: config.appUrl };
    if (runsWorker) {
      // Loaded only where it runs: the agents and LangChain would cost every API process memory.
      const { startWorker } = await import("./worker.ts");
      const { chooseModel } = await import("./agents/llm.ts");
      await startWorker({
        boss,
        stopping: stopping.signal,
        db: jobsDb,
        log,
        emailSender,
        mirror: { ...mirror, db: jobsDb },
        analysis: {
          modelFor: (preferredLlm) => chooseModel(llm, preferredLlm),
          concurrency: config.analysisConcurrency,
        },
        push: push ?? undefined,
      });
    }

    if (role === "api" || role === "start") {
      const hasher = createPasswordHasher({ workers: Math.max(1, navigator.hardwareConcurrency) });
      resources.add("password hasher", () => Promise.resolve(hasher.close()));
      const sessions = createSessionCache(db, log);
      await sessions.start();
      resources.add("session cache", () => sessions.stop());
      // Answers to repeated reads, kept until the user's data changes (api/answer_cache.ts).
      const answers = config.answerCacheMegabytes > 0
        ? createAnswerCache(db, log, { maxBytes: config.answerCacheMegabytes * 1024 * 1024 })
        : undefined;
      await answers?.start();
      resources.add("answer cache", () => answers?.stop() ?? Promise.resolve());
      const requestLimiter = createRequestLimiter(db, DEFAULT_RATE_LIMITS.requestsPerUser);
      resources.add("request counts", () => requestLimiter.close());
      const services = {
        db,
        boss,
        log,
        hasher,
        cipher,
        shopify: config.shopify,
        accessTokens: createAccessTokens({ secret: config.jwtSecret, issuer: config.appUrl }),
        limiter: createRateLimiter(db),
        limits: DEFAULT_RATE_LIMITS,
        sessions,
        requestLimiter,
        shopifySessions: createShopifySessionViewers({ db, app: config.shopify, log }),
        appUrl: config.appUrl,
        actionRecoverySeconds: config.actionRecoverySeconds,
        idTokens: createIdTokenVerifiers(config.platformLogins, log),
      };
      const production = config.appEnv === "production";
      // New GraphQL documents are checked on a worker thread: a flood of hostile ones cannot hold
      // up this thread's event loop (issue #17).
      const documentChecker = await startDocumentChecker(checkLimitsFor({ production }));
      resources.add("graphql document checker", () => Promise.resolve(documentChecker.close()));
      const graphql = {
        schema: await buildApiSchema(log),
        production,
        trustProxyHops: config.trustProxyHops,
        documentChecker,
        answers,
      };
      if (role === "start" && config.appEnv === "development") {
        const demoUser = await ensureDemoAccount(services);
        // The demo shop is linked (and its import queued) on every start of the dev store.
        if (config.shopify.devStore) {
          await linkDemoShop(services, demoUser, SHOP_DOMAIN).catch((error) =>
            log.warn("the demo shop could not be linked", { error })
          );
        }
      }
      const updates = createRequestUpdates({ db, log });
      await updates.start();
      const metrics = createMetrics();
      observeOperations(metrics, operationsSource({ boss, db }), [
        DEAD_LETTER_QUEUE,
        ANALYSIS_DEAD_LETTER_QUEUE,
      ]);
      const app = createApp({
        config,
        log,
        metrics,
        services,
        graphql,
        updates,
        siriWaitSeconds: config.siriWaitSeconds,
      });
      const server = Deno.serve({ port: config.port, onListen: () => {} }, app.fetch);
      // Built now rather than on the first merchant's visit (a failure is logged at that visit).
      clientBundle({ prebuilt: config.appEnv === "production" }).catch(() => {});
      resources.add("http server", () => server.shutdown());
      // Closed first (resources close in reverse): open event streams end, so the server can stop.
      resources.add("live updates", () => updates.stop());
    }

    const readyMs = Math.round(performance.now() - started);
    log.info("ready", { ms: readyMs, url: role === "worker" ? undefined : config.appUrl });
    if (role === "start") {
      printBanner({
        url: config.appUrl,
        embedded: database.embedded,
        ms: readyMs,
        devStore: config.shopify.devStore
          ? config.shopify.adminBaseUrl.replace("{shop}", SHOP_DOMAIN)
          : null,
        demo: config.appEnv === "development",
        apiKey: config.shopify.apiKey,
      });
    }

    await waitForSignal(log);
    log.info("shutting down");
    stopping.abort(new DOMException("The process is stopping", "AbortError"));
    const deadline = setTimeout(() => {
      log.error("shutdown did not finish in time; exiting", {
        ms: config.shutdownTimeoutMs + 5000,
      });
      Deno.exit(1);
    }, config.shutdownTimeoutMs + 5000);
    await shutdown();
    clearTimeout(deadline);
    return 0;
  } catch (error) {
    if (error instanceof EmbeddedPostgresError) console.error(error.message);
    else log.error("startup failed", { error });
    await shutdown();
    return 1;
  }
}

/**
 * Resolves on the first SIGINT or SIGTERM. Later signals are ignored rather than
 * killing the drain: wrappers such as `deno task` forward the terminal's Ctrl-C,
 * so the process commonly receives it twice.
 */
function waitForSignal(log: Logger): Promise<void> {
  return new Promise((resolve) => {
    let received = false;
    const onSignal = () => {
      if (received) return log.info("already shutting down");
      received = true;
      resolve();
    };
    Deno.addSignalListener("SIGINT", onSignal);
    Deno.addSignalListener("SIGTERM", onSignal);
  });
}

function printBanner(
  o: {
    url: string;
    embedded: boolean;
    ms: number;
    devStore: string | null;
    demo: boolean;
    apiKey: string;
  },
) {
  console.error(
    [
      "",
      `  Alatar is running at ${o.url}  (API + worker, ready in ${o.ms} ms)`,
      `  Dashboard: ${o.url}/app${o.demo ? " (sign in with the demo login)" : ""}`,
      o.devStore
        ? `  Embedded in the dev store's admin: ${
          o.devStore.replace(/\/admin$/, "")
        }/admin/apps/${o.apiKey}`
        : null,
      `  GraphQL:  POST ${o.url}/graphql`,
      o.demo ? `  Demo login: ${DEMO_EMAIL} / ${DEMO_PASSWORD}` : null,
      o.devStore
        ? `  Demo shop:  ${SHOP_DOMAIN}, served by the local dev store at ${o.devStore}`
        : null,
      `  Database: ${o.embedded ? "embedded PostgreSQL in DATA_DIR/postgres" : "DATABASE_URL"}`,
      `  Health:   ${o.url}/healthz   Readiness: ${o.url}/readyz   Metrics: ${o.url}/metrics`,
      "  Stop with Ctrl-C.",
      "",
    ].filter((line) => line !== null).join("\n"),
  );
}

if (import.meta.main) Deno.exit(await main(Deno.args));
