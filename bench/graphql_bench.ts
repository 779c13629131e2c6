/**
 * Issue #3's and #15's figures: authenticated `me` and `listAnalysisRequests(first: 20)`
 * served by our Hono route (with its answer cache, and without: `hono-uncached`) and by
 * graphql-yoga (same schema, resolvers, authentication and limits), each server in its own
 * process:
 * - the most requests/s at 50 and 200 connections (wrk, closed loop);
 * - p50/p95/p99 at half of yoga's best rate and at 1,000 requests/s (open loop, open_loop.ts);
 * - how soon a write by another connection is read through the answer cache;
 * - login p95 at 20 concurrent logins (argon2id bound; Hono only).
 * 200 seeded tenants take turns, so no single user's rows or counters are hot.
 */
import { createPasswordHasher } from "../auth/passwords.ts";
import { connectDatabase } from "../db/database.ts";
import { freePort, startEmbeddedPostgres } from "../db/embedded.ts";
import { migrate } from "../db/migrate.ts";
import { installJobSchema } from "../queues.ts";
import { createLogger, type Logger } from "../log/logger.ts";
import { openLoop, type OpenLoopResult } from "./open_loop.ts";
import { runWrk, type WrkResult } from "./wrk.ts";
import { type BenchUser, seedBenchUsers } from "./seed.ts";

const ISSUER = "http://bench.alatar.local";
const PASSWORD = "bench password 2026";

export const OPERATIONS = {
  me: `{ me { id email preferences { preferredLlm notificationsEnabled } } }`,
  "listAnalysisRequests(first: 20)": `{ listAnalysisRequests(first: 20) { edges { cursor node {
    id prompt status progress { stage percent } createdAt updatedAt
    result { summary speech model visualizations { type title data } }
    proposedActions { id description actionType parameters status } } }
    pageInfo { hasNextPage endCursor } } }`,
};

export type Throughput = WrkResult;

export interface GraphqlFigures {
  impl: string;
  throughput: Record<string, Record<number, Throughput>>;
  /** By operation, then offered rate. */
  fixedRate: Record<string, Record<number, OpenLoopResult>>;
  login?: { rps: number; p50: number; p95: number; p99: number; errors: number };
  /** Reads answered as kept (hit) and read then kept (miss), over every phase (ours only). */
  answerCache?: { hits: number; misses: number };
  /**
   * From another connection's commit to the first read that shows it, one user at a time
   * (ours only): how long a write by another process can go unseen by a kept answer.
   */
  staleWindow?: { samples: number; p50: number; p99: number; max: number };
}

/** The answer cache's counters from a server's /metrics. */
async function answerCounts(url: string): Promise<{ hits: number; misses: number }> {
  const text = await (await fetch(new URL("/metrics", url), { signal: AbortSignal.timeout(5000) }))
    .text();
  const count = (outcome: string) =>
    Number(
      text.split("\n").find((l) =>
        l.startsWith(`alatar_graphql_answer_cache_total{outcome="${outcome}"}`)
      )?.split(" ").at(-1) ?? 0,
    );
  return { hits: count("hit"), misses: count("miss") };
}

/**
 * Toggles a user's notifications from another connection, then reads `me` back-to-back until the
 * answer shows it; `samples` users in turn, each read first so its answer is kept.
 */
async function staleWindow(url: string, databaseUrl: string, users: BenchUser[], samples: number) {
  const { default: postgres } = await import("postgres");
  const owner = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const read = async (token: string) => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: OPERATIONS.me }),
      signal: AbortSignal.timeout(5000),
    });
    return (await res.json()).data.me.preferences.notificationsEnabled as boolean;
  };
  const waits: number[] = [];
  try {
    for (const user of users.slice(0, samples)) {
      const before = await read(user.accessToken);
      await read(user.accessToken); // now kept
      await owner`update user_preferences set notifications_enabled = ${!before}
                  where user_id = ${user.userId}`;
      const committed = performance.now();
      while (await read(user.accessToken) === before) {
        if (performance.now() - committed > 5000) throw new Error("a change was never seen");
      }
      waits.push(performance.now() - committed);
    }
  } finally {
    await owner.end();
  }
  const sorted = waits.sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { samples: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1)! };
}

async function startServer(impl: string, databaseUrl: string, jwtSecret: string) {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ...(Deno.env.get("BENCH_SERVER_DENO_FLAGS")?.split(" ").filter(Boolean) ?? []),
      ...(Deno.env.get("BENCH_V8_FLAGS") ? [`--v8-flags=${Deno.env.get("BENCH_V8_FLAGS")}`] : []),
      new URL("./graphql_server.ts", import.meta.url).pathname,
    ],
    cwd: Deno.env.get("BENCH_PROFILE_DIR") ?? undefined,
    env: {
      DATABASE_URL: databaseUrl,
      JWT_SECRET: jwtSecret,
      APP_URL: ISSUER,
      PORT: String(port),
      BENCH_IMPL: impl,
    },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("listening")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${impl} server exited before listening`);
    seen += value;
  }
  return {
    url: `http://127.0.0.1:${port}${impl === "yoga" ? "/yoga/graphql" : "/graphql"}`,
    async stop() {
      child.kill("SIGTERM");
      await reader.cancel().catch(() => {});
      await child.status;
    },
  };
}

function rotatingTokens(users: BenchUser[]) {
  let i = 0;
  return () => users[i++ % users.length]!.accessToken;
}

/**
 * A server as it is after running a while: every tenant asked once (a long-running process has
 * seen its active users), then 3 s of closed loop (the JIT has compiled the hot path).
 */
async function warmUp(url: string, query: string, users: BenchUser[]) {
  await assertAnswers(url, query, users[0]!.accessToken);
  for (const user of users) await assertAnswers(url, query, user.accessToken);
  await closedLoop(url, query, users, 50, 3);
}

/** Waits (up to a minute) until the server answers `query` correctly: a backlog has drained. */
async function assertAnswers(url: string, query: string, token: string) {
  let last = "";
  for (let attempt = 0; attempt < 60; attempt++) {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ query }),
        signal: AbortSignal.timeout(5000),
      });
      const body = await res.json();
      if (res.status === 200 && !body.errors) return;
      last = JSON.stringify(body).slice(0, 300);
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`bench query failed: ${last}`);
}

function closedLoop(
  url: string,
  query: string,
  users: BenchUser[],
  connections: number,
  seconds: number,
) {
  return runWrk({
    url,
    connections,
    seconds,
    body: JSON.stringify({ query }),
    tokens: users.map((u) => u.accessToken),
  });
}

async function fixedRate(
  url: string,
  query: string,
  users: BenchUser[],
  rate: number,
  seconds: number,
) {
  const token = rotatingTokens(users);
  const body = JSON.stringify({ query });
  return await openLoop({
    rate,
    seconds,
    send: async () => {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token()}` },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      return res.status === 200 && !text.includes('"errors"');
    },
  });
}

/** 20 clients each signing in again as soon as the last answer came; every latency kept. */
async function logins(url: string, users: BenchUser[], seconds: number) {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const deadline = performance.now() + seconds * 1000;
  const client = async () => {
    while (performance.now() < deadline) {
      const user = users[next++ % users.length]!;
      const started = performance.now();
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          query:
            `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`,
          variables: { e: user.email, p: PASSWORD },
        }),
      });
      const body = await res.json();
      latencies.push(performance.now() - started);
      if (!body.data?.login?.accessToken) errors++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: 20 }, client));
  const elapsed = (performance.now() - started) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
  return {
    rps: Math.round((latencies.length / elapsed) * 10) / 10,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    errors,
  };
}

/** A throwaway embedded PostgreSQL, migrated and with pg-boss installed, for one benchmark. */
async function withBenchDatabase<T>(fn: (url: string, log: Logger) => Promise<T>): Promise<T> {
  const log = createLogger({ level: "error" });
  const scratch = await Deno.makeTempDir({ prefix: "alatar-bench-gql-" });
  await Deno.chmod(scratch, 0o755);
  const pg = await startEmbeddedPostgres({
    dataDir: `${scratch}/pg`,
    port: freePort(),
    password: crypto.randomUUID(),
    persistent: false,
    log,
    settings: { max_connections: "300" },
  });
  try {
    await migrate(pg.url, log);
    await installJobSchema(pg.url, log);
    return await fn(pg.url, log);
  } finally {
    await pg.stop();
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
}

/**
 * Both servers, each operation: closed-loop throughput at 50 and 200 connections (the two
 * servers alternate, so a noisy minute hurts both alike), then open loop for both at half of
 * yoga's best closed-loop rate, where latency is measured below saturation (issue #15), and at
 * each of `rates`.
 */
export async function measureGraphql(
  options: { seconds: number; rates: number[] },
): Promise<GraphqlFigures[]> {
  const jwtSecret = crypto.randomUUID() + crypto.randomUUID();
  const byImpl: Record<string, GraphqlFigures> = {
    hono: { impl: "hono", throughput: {}, fixedRate: {}, answerCache: { hits: 0, misses: 0 } },
    "hono-uncached": { impl: "hono-uncached", throughput: {}, fixedRate: {} },
    yoga: { impl: "yoga", throughput: {}, fixedRate: {} },
  };
  await withBenchDatabase(async (databaseUrl, log) => {
    const db = connectDatabase({ url: databaseUrl, poolMax: 4, log });
    const hasher = createPasswordHasher({ workers: 1 });
    const passwordHash = await hasher.hash(PASSWORD);
    hasher.close();
    console.error("graphql: seeding 200 tenants…");
    const users = await seedBenchUsers({
      db,
      users: 200,
      requestsPerUser: 25,
      passwordHash,
      jwtSecret,
      issuer: ISSUER,
    });
    await db.end();

    // Every phase gets a fresh server process, warmed up first: phases do not inherit each
    // other's queues, and graphql-yoga under Deno stops answering after a burst of cut-off
    // connections (reproduce: BENCH_PRELOAD_200=1 deno run -A bench/profile_graphql.ts yoga me 500).
    const phase = async <T>(impl: string, query: string, run: (url: string) => Promise<T>) => {
      const server = await startServer(impl, databaseUrl, jwtSecret);
      try {
        await warmUp(server.url, query, users);
        const figures = await run(server.url);
        const counted = byImpl[impl]!.answerCache;
        if (counted) {
          const { hits, misses } = await answerCounts(server.url);
          counted.hits += hits;
          counted.misses += misses;
        }
        return figures;
      } finally {
        await server.stop();
      }
    };
    console.error("graphql: logins at 20 connections…");
    byImpl.hono!.login = await phase(
      "hono",
      OPERATIONS.me,
      (url) => logins(url, users, options.seconds),
    );
    console.error("graphql: how soon a change by another process is read…");
    byImpl.hono!.staleWindow = await phase(
      "hono",
      OPERATIONS.me,
      (url) => staleWindow(url, databaseUrl, users, 200),
    );
    for (const [name, query] of Object.entries(OPERATIONS)) {
      for (const impl of Object.keys(byImpl)) {
        byImpl[impl]!.throughput[name] = {};
        byImpl[impl]!.fixedRate[name] = {};
      }
      for (const connections of [50, 200]) {
        for (const impl of ["yoga", "hono-uncached", "hono"]) {
          console.error(`graphql: ${impl} ${name} at ${connections} connections…`);
          byImpl[impl]!.throughput[name]![connections] = await phase(
            impl,
            query,
            (url) => closedLoop(url, query, users, connections, options.seconds),
          );
        }
      }
      const yogaBest = Math.max(
        ...Object.values(byImpl.yoga!.throughput[name]!).map((t) => t.rps),
      );
      const rates = [Math.floor(yogaBest / 2), ...options.rates];
      for (const rate of rates) {
        // Cache off too at half of yoga's rate: the latency of reads that find nothing kept.
        const impls = rate === rates[0] ? ["yoga", "hono-uncached", "hono"] : ["yoga", "hono"];
        for (const impl of impls) {
          console.error(`graphql: ${impl} ${name} at ${rate} req/s open loop…`);
          byImpl[impl]!.fixedRate[name]![rate] = await phase(
            impl,
            query,
            (url) => fixedRate(url, query, users, rate, options.seconds),
          );
        }
      }
    }
  });
  return [byImpl.hono!, byImpl["hono-uncached"]!, byImpl.yoga!];
}

/** Development aid: 5 s of `me` at 50 connections against one implementation, with per-process CPU. */
export async function measureGraphqlQuick(
  impl: string,
  operation: keyof typeof OPERATIONS = "me",
  openLoopRate?: number,
) {
  const jwtSecret = crypto.randomUUID() + crypto.randomUUID();
  return await withBenchDatabase(async (databaseUrl, log) => {
    const db = connectDatabase({ url: databaseUrl, poolMax: 4, log });
    const users = await seedBenchUsers({
      db,
      users: 200,
      requestsPerUser: 25,
      passwordHash: "x",
      jwtSecret,
      issuer: ISSUER,
    });
    await db.end();
    const server = await startServer(impl, databaseUrl, jwtSecret);
    try {
      await warmUp(server.url, OPERATIONS[operation], users);
      const top = new Deno.Command("sh", {
        args: ["-c", "sleep 2; top -b -n 1 | head -20"],
        stdout: "piped",
      }).output();
      if (Deno.env.get("BENCH_PRELOAD_200")) {
        await closedLoop(server.url, OPERATIONS[operation], users, 200, 5);
        const probe = await fetch(server.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            authorization: `Bearer ${users[0]!.accessToken}`,
          },
          body: JSON.stringify({ query: OPERATIONS.me }),
          signal: AbortSignal.timeout(5000),
        }).then(async (r) => `${r.status} ${(await r.text()).slice(0, 300)}`, (e) => String(e));
        console.error("after the burst:", probe);
        const { default: postgres } = await import("postgres");
        const owner = postgres(databaseUrl, { max: 1 });
        const activity =
          await owner`select state, wait_event_type, wait_event, xact_start, left(query, 90) as query
          from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()`;
        console.error(
          activity.map((a) => `${a.state} | ${a.wait_event_type}/${a.wait_event} | ${a.query}`)
            .join("\n"),
        );
        await owner.end();
      }
      const result = openLoopRate
        ? await fixedRate(server.url, OPERATIONS[operation], users, openLoopRate, 5)
        : await closedLoop(server.url, OPERATIONS[operation], users, 50, 5);
      console.error(new TextDecoder().decode((await top).stdout));
      if (impl === "hono") console.error("answers:", await answerCounts(server.url));
      return result;
    } finally {
      await server.stop();
    }
  });
}
