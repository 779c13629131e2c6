/**
 * Issue #6's figures: how fast a submitted analysis is picked up, and how many
 * analyses a minute the pipeline sustains with the offline model, with one
 * worker process and with two. Real parts throughout: embedded PostgreSQL with
 * the migrated schema, pg-boss, worker processes running worker.ts, the
 * dev store over HTTP with the demo shop imported into the mirror.
 *
 * A request is submitted exactly as the API does it (row and job in one
 * transaction). Pickup is measured from that commit to the orchestrator's
 * first graph node, read from the worker's log; completion from the row's
 * `created_at` to `finished_at`, both taken by Postgres.
 */
import { encodeBase64 } from "@oslojs/encoding";
import postgres from "postgres";
import { DEFAULT_ANALYSIS_CONCURRENCY } from "../config/config.ts";
import { submitAnalysisRequest } from "../graph/requests.ts";
import { createBoss } from "../jobs/boss.ts";
import { importStore } from "../mirror/import.ts";
import { devStoreBaseUrl } from "../devstore/server.ts";
import { startDemoStack } from "./demo_stack.ts";

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
  /** What one analysis costs Postgres: statements (pg_stat_statements) and commits. */
  perAnalysis: { statements: number; commits: number };
  throughput: Array<{
    workers: number;
    /** Analysis jobs side by side per queue in each worker (ANALYSIS_CONCURRENCY). */
    concurrency: number;
    analyses: number;
    perMinute: number;
    p50: number;
    p95: number;
    failed: number;
  }>;
}

/** The demo stack with pg-boss's schema, the demo shop imported, and a pg-boss to submit with. */
export async function startAnalysisStack(options: { countStatements?: boolean } = {}) {
  const stack = await startDemoStack({ jobs: true, ...options });
  const boss = createBoss({ url: stack.pg.url, log: stack.log, max: 4, maintenance: false });
  try {
    await boss.start();
    await importStore(stack.mirror, { userId: stack.userId, accountId: stack.accountId }, {
      pollIntervalMs: 50,
    });
    await stack.db.withTenant(
      stack.userId,
      (tx) => tx`update linked_accounts set last_synced_at = now()`,
    );
  } catch (error) {
    await stack.close();
    throw error;
  }
  return {
    ...stack,
    boss,
    async close() {
      await boss.stop({ graceful: false, timeout: 1000 });
      await stack.close();
    },
  };
}

/**
 * A worker process (worker.ts through tests/helpers/worker_process.ts) on
 * the stack's database and dev store, resolved once it is draining queues.
 * `onPlan` hears when each request's graph starts (a wall-clock instant, ms).
 */
export async function spawnBenchWorker(
  stack: { pg: { url: string }; key: Uint8Array; storePort: number },
  onPlan?: (requestId: string, at: number) => void,
  concurrency = DEFAULT_ANALYSIS_CONCURRENCY,
): Promise<Deno.ChildProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../tests/helpers/worker_process.ts", import.meta.url).pathname],
    env: {
      TEST_DATABASE_URL: stack.pg.url,
      TEST_ENCRYPTION_KEY: encodeBase64(stack.key),
      TEST_SHOPIFY_ADMIN_BASE_URL: devStoreBaseUrl(stack.storePort),
      TEST_APP_URL: "http://127.0.0.1:1",
      REPORT_PLAN_STARTS: onPlan ? "1" : "0",
      ANALYSIS_CONCURRENCY: String(concurrency),
    },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
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
        if (plan) onPlan?.(plan[1]!, Number(plan[2]));
      }
    }
  })();
  await isReady;
  return child;
}

/** Worker processes and the analysis jobs each runs side by side per queue. */
export interface WorkerSetup {
  workers: number;
  concurrency: number;
}

export const DEFAULT_SETUPS: WorkerSetup[] = [
  { workers: 1, concurrency: DEFAULT_ANALYSIS_CONCURRENCY },
  { workers: 2, concurrency: DEFAULT_ANALYSIS_CONCURRENCY },
  { workers: 2, concurrency: 2 },
];

export async function measureAnalysis(
  options: { pickups: number; analyses: number; setups?: WorkerSetup[] },
) {
  const { pg, db, boss, storePort, key, userId, close } = await startAnalysisStack({
    countStatements: true,
  });
  const workers: Deno.ChildProcess[] = [];
  try {
    const nodeStarts = new Map<string, number>();
    const spawnWorker = async (concurrency: number) => {
      workers.push(
        await spawnBenchWorker({ pg, key, storePort }, (requestId, at) => {
          if (!nodeStarts.has(requestId)) nodeStarts.set(requestId, at);
        }, concurrency),
      );
    };
    const stopWorkers = async () => {
      for (const child of workers.splice(0)) {
        child.kill("SIGKILL");
        await child.status;
      }
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

    await spawnWorker(DEFAULT_ANALYSIS_CONCURRENCY);
    // Pickup: one request at a time on an idle worker. Statements and commits are counted over
    // the same runs (after the warm-up), by Postgres: everything the submit, the worker and
    // pg-boss sent, divided by the analyses.
    const owner = postgres(pg.url, { max: 1, onnotice: () => {} });
    const counters = async () => {
      const [row] = await owner<{ statements: number; commits: number; polls: number }[]>`
        select (select coalesce(sum(calls), 0)::float8 from pg_stat_statements) as statements,
               (select coalesce(sum(calls), 0)::float8 from pg_stat_statements
                where query like '%as open from analysis_requests%') as polls,
               (select xact_commit::float8 from pg_stat_database
                where datname = current_database()) as commits`;
      return row!;
    };
    const pickups: number[] = [];
    let before = { statements: 0, commits: 0, polls: 0 };
    for (let i = 0; i < options.pickups + 3; i++) {
      if (i === 3) {
        await owner`select pg_stat_statements_reset()`;
        before = await counters();
      }
      const { id, committedAt } = await submit(BENCH_QUESTIONS[i % BENCH_QUESTIONS.length]!);
      await waitAll([id], 30_000);
      const started = nodeStarts.get(id);
      if (started !== undefined && i >= 3) pickups.push(started - committedAt);
    }
    const after = await counters();
    await owner.end();
    // The waitAll polls of this process are not the pipeline's: each is a begin, set_config,
    // select and commit, counted by its select's calls and taken out.
    const polls = after.polls - before.polls;
    const perAnalysis = (n: number) => Math.round(n / options.pickups);

    const throughput: AnalysisFigures["throughput"] = [];
    for (const setup of options.setups ?? DEFAULT_SETUPS) {
      await stopWorkers();
      while (workers.length < setup.workers) await spawnWorker(setup.concurrency);
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
        workers: setup.workers,
        concurrency: setup.concurrency,
        analyses: ids.length,
        perMinute: Math.round(ids.length / (ms / 60_000)),
        p50: percentile(durations, 50),
        p95: percentile(durations, 95),
        failed: rows.filter((r) => r.status !== "completed").length,
      });
    }
    return {
      pickup: { p50: percentile(pickups, 50), p95: percentile(pickups, 95), runs: pickups.length },
      perAnalysis: {
        statements: perAnalysis(after.statements - before.statements - 4 * polls),
        commits: perAnalysis(after.commits - before.commits - polls),
      },
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
