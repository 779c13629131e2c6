/**
 * Issue #6's figures: how fast a submitted analysis is picked up, and how many
 * analyses a minute the pipeline sustains with the offline model, with one
 * worker process and with two. Real parts throughout: embedded PostgreSQL with
 * the migrated schema, pg-boss, worker processes running jobs/worker.ts, the
 * dev store over HTTP with the demo shop imported into the mirror.
 *
 * A request is submitted exactly as the API does it (row and job in one
 * transaction). Pickup is measured from that commit to the orchestrator's
 * first graph node, read from the worker's log; completion from the row's
 * `created_at` to `finished_at`, both taken by Postgres.
 */
import { encodeBase64 } from "@oslojs/encoding";
import { createTokenCipher } from "../auth/token_cipher.ts";
import { connectDatabase } from "../db/database.ts";
import { freePort, startEmbeddedPostgres } from "../db/embedded.ts";
import { migrate } from "../db/migrate.ts";
import { SHOP_DOMAIN } from "../devstore/seed.ts";
import { createDevStore, devStoreBaseUrl } from "../devstore/server.ts";
import { submitAnalysisRequest } from "../graph/requests.ts";
import { createBoss } from "../jobs/boss.ts";
import { installJobSchema } from "../jobs/queue_access.ts";
import { createLogger } from "../log/logger.ts";
import { importStore } from "../mirror/import.ts";
import { TEST_LOOKUP_KEY, TEST_SHOPIFY_APP } from "../tests/helpers/api.ts";

export const BENCH_QUESTIONS = [
  "Why did sales drop last week?",
  "How were sales last month?",
  "What were my best sellers this month?",
  "Which products should I discount?",
  "How many customers came back this year?",
];

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

export interface AnalysisFigures {
  pickup: { p50: number; p95: number; runs: number };
  throughput: Array<{
    workers: number;
    analyses: number;
    perMinute: number;
    p50: number;
    p95: number;
    failed: number;
  }>;
}

/** An embedded PostgreSQL with the schema and queues, the dev store, and the demo shop imported. */
export async function startAnalysisStack() {
  const log = createLogger({ level: "error" });
  const scratch = await Deno.makeTempDir({ prefix: "alatar-analysis-bench-" });
  const pg = await startEmbeddedPostgres({
    dataDir: `${scratch}/postgres`,
    port: freePort(),
    password: crypto.randomUUID(),
    persistent: false,
    log,
  });
  const store = createDevStore({ app: TEST_SHOPIFY_APP });
  const storePort = freePort();
  const storeServer = Deno.serve(
    { port: storePort, hostname: "127.0.0.1", onListen: () => {} },
    store.fetch,
  );
  const db = connectDatabase({ url: pg.url, poolMax: 10, log });
  const boss = createBoss({ url: pg.url, log, max: 4, maintenance: false });
  const close = async () => {
    await boss.stop({ graceful: false, timeout: 1000 });
    await db.end();
    await storeServer.shutdown();
    await pg.stop();
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  };
  try {
    await migrate(pg.url, log);
    await installJobSchema(pg.url, log);
    await boss.start();
    const key = crypto.getRandomValues(new Uint8Array(32));
    const cipher = await createTokenCipher([{ id: "test", key }]);
    const userId = crypto.randomUUID();
    const accountId = crypto.randomUUID();
    const token = "shpat_analysis_bench";
    store.tokens.accessTokens.set(token, {
      shop: SHOP_DOMAIN,
      scopes: [
        "read_orders",
        "read_all_orders",
        "read_products",
        "read_customers",
        "read_discounts",
      ],
      expiresAt: null,
    });
    await db.withTenant(userId, async (tx) => {
      await tx`insert into users (id, email) values (${userId}, 'bench@alatar.dev')`;
      await tx`insert into linked_accounts (id, user_id, provider, account_identifier,
                 encrypted_access_token, scopes)
               values (${accountId}, ${userId}, 'shopify', ${SHOP_DOMAIN},
                 ${await cipher.encrypt(token, { userId, accountId })}, '{read_orders}')`;
    });
    const mirror = {
      db,
      cipher,
      shopify: {
        ...TEST_SHOPIFY_APP,
        scopes: [],
        adminBaseUrl: devStoreBaseUrl(storePort),
        apiVersion: "2025-10",
      },
      appUrl: "http://127.0.0.1:1",
      log,
      lookupKey: TEST_LOOKUP_KEY,
    };
    await importStore(mirror, { userId, accountId }, { pollIntervalMs: 50 });
    await db.withTenant(userId, (tx) => tx`update linked_accounts set last_synced_at = now()`);

    return { log, pg, db, boss, store, storePort, key, cipher, userId, accountId, mirror, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export async function measureAnalysis(options: { pickups: number; analyses: number }) {
  const { pg, db, boss, storePort, key, userId, close } = await startAnalysisStack();
  const workers: Deno.ChildProcess[] = [];
  try {
    const nodeStarts = new Map<string, number>();
    const spawnWorker = async () => {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL("../tests/helpers/worker_process.ts", import.meta.url).pathname,
        ],
        env: {
          TEST_DATABASE_URL: pg.url,
          TEST_ENCRYPTION_KEY: encodeBase64(key),
          TEST_SHOPIFY_ADMIN_BASE_URL: devStoreBaseUrl(storePort),
          TEST_APP_URL: "http://127.0.0.1:1",
          REPORT_PLAN_STARTS: "1",
        },
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      workers.push(child);
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let ready: () => void;
      const isReady = new Promise<void>((resolve) => (ready = resolve));
      (async () => {
        let buffer = "";
        while (true) {
          const { value, done } = await reader.read();
          if (done) return;
          buffer += value;
          let nl;
          while ((nl = buffer.indexOf("\n")) >= 0) {
            const line = buffer.slice(0, nl);
            buffer = buffer.slice(nl + 1);
            if (line === "READY") ready!();
            const plan = /^PLAN (\S+) (\d+(?:\.\d+)?)$/.exec(line);
            if (plan) nodeStarts.set(plan[1]!, Number(plan[2]));
          }
        }
      })();
      await isReady;
    };
    const submit = async (prompt: string) => {
      const outcome = await submitAnalysisRequest({ db, boss }, { userId, sessionId: "bench" }, {
        prompt,
      });
      if (!outcome.ok) throw new Error(outcome.errors[0]!.message);
      return { id: outcome.value.id, committedAt: performance.timeOrigin + performance.now() };
    };
    const waitAll = async (ids: string[], timeoutMs: number) => {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        const [row] = await db.withTenant(
          userId,
          (tx) =>
            tx<{ open: number }[]>`select count(*)::int as open from analysis_requests
            where id = any(${ids}) and status in ('pending', 'processing')`,
        );
        if (row!.open === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error("analyses did not finish in time");
    };

    await spawnWorker();
    // Pickup: one request at a time on an idle worker.
    const pickups: number[] = [];
    for (let i = 0; i < options.pickups + 3; i++) {
      const { id, committedAt } = await submit(BENCH_QUESTIONS[i % BENCH_QUESTIONS.length]!);
      await waitAll([id], 30_000);
      const started = nodeStarts.get(id);
      if (started !== undefined && i >= 3) pickups.push(started - committedAt);
    }

    const throughput: AnalysisFigures["throughput"] = [];
    for (const workerCount of [1, 2]) {
      while (workers.length < workerCount) await spawnWorker();
      const started = performance.now();
      const ids: string[] = [];
      for (let i = 0; i < options.analyses; i++) {
        ids.push((await submit(BENCH_QUESTIONS[i % BENCH_QUESTIONS.length]!)).id);
      }
      await waitAll(ids, 15 * 60_000);
      const ms = performance.now() - started;
      const rows = await db.withTenant(userId, (tx) =>
        tx<{ status: string; ms: number }[]>`
          select status, extract(epoch from finished_at - created_at)::float8 * 1000 as ms
          from analysis_requests where id = any(${ids})`);
      const durations = rows.filter((r) => r.status === "completed").map((r) => r.ms);
      throughput.push({
        workers: workerCount,
        analyses: ids.length,
        perMinute: Math.round(ids.length / (ms / 60_000)),
        p50: percentile(durations, 50),
        p95: percentile(durations, 95),
        failed: rows.filter((r) => r.status !== "completed").length,
      });
    }
    return {
      pickup: { p50: percentile(pickups, 50), p95: percentile(pickups, 95), runs: pickups.length },
      throughput,
    } satisfies AnalysisFigures;
  } finally {
    for (const child of workers) {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.status;
    }
    await close();
  }
}
