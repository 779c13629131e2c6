/**
 * Issue #17's figures: Postgres restarted and killed under load, with the API
 * (`main.ts api`) and a worker (worker.ts) as separate processes. A
 * steady 20 requests a second (reads, and an analysis submitted every
 * second) run while the server is restarted with `pg_ctl restart -m fast`
 * three times and killed with SIGKILL twice. It records every answer's status
 * and latency, whether either process exited, how soon after the server was
 * back the first request succeeded, and whether every analysis that got an
 * id completed exactly once.
 */
import { createAccessTokens } from "../auth/access_tokens.ts";
import { issueTokens } from "../auth/sessions.ts";
import { spawnBenchWorker, startAnalysisStack } from "./analysis_bench.ts";
import { spawnApi } from "./api_process.ts";

interface Sample {
  sentAt: number;
  ms: number;
  status: number;
  kind: "read" | "submit";
}

export interface ChaosFigures {
  events: Array<{ kind: "restart" | "kill"; downMs: number; firstSuccessMs: number | null }>;
  requests: number;
  byStatus: Record<string, number>;
  /** Requests sent while the server was away or coming back. */
  duringOutage: { total: number; byStatus: Record<string, number>; maxMs: number; p95Ms: number };
  exits: { api: number | null; worker: number | null };
  analyses: { submitted: number; completed: number; notCompleted: number; rows: number };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

export async function measureChaos(options: { ratePerSecond: number }): Promise<ChaosFigures> {
  const stack = await startAnalysisStack();
  const { pg, userId, db } = stack;
  const api = await spawnApi(stack);
  const appUrl = api.url;
  const jwtSecret = api.jwtSecret;
  const worker = await spawnBenchWorker(stack);
  let workerExit: number | null = null;
  worker.status.then((s) => (workerExit = s.code));

  try {
    const { accessToken } = await db.withTenant(
      userId,
      (tx) =>
        issueTokens(
          { accessTokens: createAccessTokens({ secret: jwtSecret, issuer: appUrl }) },
          tx,
          userId,
        ),
    );

    const samples: Sample[] = [];
    const submitted: string[] = [];
    const send = async (kind: Sample["kind"], n: number) => {
      const body = kind === "submit"
        ? {
          query: `mutation($p: String!) { submitAnalysisRequest(prompt: $p) {
            analysisRequest { id } userErrors { code } } }`,
          variables: { p: ["orders last week", "net sales by channel last month"][n % 2] },
        }
        : {
          query: n % 3
            ? "{ me { id email } }"
            : "{ listAnalysisRequests(first: 5) { edges { node { id status } } } }",
        };
      const sentAt = performance.now();
      let status = 0;
      try {
        const res = await fetch(`${appUrl}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${accessToken}` },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        status = res.status;
        const json = await res.json().catch(() => null);
        const id = json?.data?.submitAnalysisRequest?.analysisRequest?.id;
        if (id) submitted.push(id);
      } catch {
        status = 0; // no answer within 10 s, or the connection failed
      }
      samples.push({ sentAt, ms: performance.now() - sentAt, status, kind });
    };

    const started = performance.now();
    const outages: Array<{ kind: "restart" | "kill"; from: number; to: number }> = [];
    let running = true;
    const load = (async () => {
      const inFlight: Promise<void>[] = [];
      for (let n = 0; running; n++) {
        inFlight.push(send(n % options.ratePerSecond === 0 ? "submit" : "read", n));
        await new Promise((resolve) => setTimeout(resolve, 1000 / options.ratePerSecond));
      }
      await Promise.all(inFlight);
    })();
    const plan: Array<"restart" | "kill"> = ["restart", "kill", "restart", "kill", "restart"];
    for (const kind of plan) {
      await new Promise((resolve) => setTimeout(resolve, 8000));
      const from = performance.now();
      await (kind === "restart" ? pg.restart!() : pg.crash!());
      outages.push({ kind, from, to: performance.now() });
    }
    await new Promise((resolve) => setTimeout(resolve, 8000));
    running = false;
    await load;
    const elapsed = performance.now() - started;

    // Every analysis that got an id finishes: wait for the last one (the worker keeps going).
    const until = Date.now() + 120_000;
    let rows: Array<{ status: string }> = [];
    while (Date.now() < until) {
      rows = await db.withTenant(
        userId,
        (tx) =>
          tx<
            { status: string }[]
          >`select status from analysis_requests where id = any(${submitted})`,
      );
      if (rows.every((r) => r.status !== "pending" && r.status !== "processing")) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const [all] = await db.withTenant(
      userId,
      (tx) =>
        tx<{ n: number }[]>`select count(*)::int as n from analysis_requests
        where created_at > now() - make_interval(secs => ${elapsed / 1000 + 150})`,
    );

    const tally = (list: Sample[]) =>
      list.reduce<Record<string, number>>(
        (t, s) => ({ ...t, [s.status]: (t[s.status] ?? 0) + 1 }),
        {},
      );
    // Sent while the server was away or reconnecting: from the event until a second after it is back.
    const outage = samples.filter((s) =>
      outages.some((o) => s.sentAt >= o.from && s.sentAt <= o.to + 1000)
    );
    return {
      events: outages.map((o) => {
        const first = samples.filter((s) => s.status === 200 && s.sentAt >= o.to)
          .map((s) => s.sentAt + s.ms - o.to).sort((a, b) => a - b)[0];
        return {
          kind: o.kind,
          downMs: Math.round(o.to - o.from),
          firstSuccessMs: first === undefined ? null : Math.round(first),
        };
      }),
      requests: samples.length,
      byStatus: tally(samples),
      duringOutage: {
        total: outage.length,
        byStatus: tally(outage),
        maxMs: Math.round(Math.max(0, ...outage.map((s) => s.ms))),
        p95Ms: Math.round(percentile(outage.map((s) => s.ms), 95)),
      },
      exits: { api: api.exitCode(), worker: workerExit },
      analyses: {
        submitted: submitted.length,
        completed: rows.filter((r) => r.status === "completed").length,
        notCompleted: rows.filter((r) => r.status !== "completed").length,
        rows: all!.n,
      },
    };
  } finally {
    await api.kill();
    try {
      worker.kill("SIGKILL");
    } catch { /* already gone */ }
    await worker.status;
    await stack.close();
  }
}
