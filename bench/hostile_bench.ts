/**
 * Issue #17's hostile-request figures: GraphQL documents built to make a
 * server work exponentially (fragment fan-outs), deeply, or widely, each up to
 * the 20 KB body limit, sent unauthenticated to a running `main.ts start`,
 * once the demo shop's import is done, while a second loop asks `/healthz`
 * every 10 ms to see whether the event loop stays free.
 */
import { MAX_QUERY_LENGTH } from "../routes/graphql.ts";
import { startAnalysisStack } from "./analysis_bench.ts";
import { spawnApi } from "./api_process.ts";
import { scratchDataDir, startProcess } from "./start_process.ts";

export interface HostileCase {
  name: string;
  bytes: number;
  statuses: Record<string, number>;
  p50: number;
  p95: number;
  max: number;
}

interface Latencies {
  requests: number;
  p50: number;
  p99: number;
  max: number;
}

export interface HostileFigures {
  cases: HostileCase[];
  /** `/healthz` while the documents were sent. */
  healthz: Latencies;
  /** `/healthz` alone for as long, before any document: what the process does anyway. */
  idleHealthz: Latencies;
}

const latencies = (values: number[]): Latencies => ({
  requests: values.length,
  p50: percentile(values, 50),
  p99: percentile(values, 99),
  max: Math.max(...values),
});

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

/** `fragment F0` spreads F1 `fan` times, F1 spreads F2 …: fan^n paths through n fragments. */
function fanOut(n: number, fan: number): string {
  const spreads = (i: number) => Array.from({ length: fan }, () => `...F${i + 1}`).join(" ");
  return `query{me{...F0}} ` +
    Array.from({ length: n }, (_, i) => `fragment F${i} on User{${spreads(i)}}`).join(" ") +
    ` fragment F${n} on User{id}`;
}

/** The largest `n` whose document still fits the body limit. */
function largest(build: (n: number) => string): string {
  let n = 1;
  while (build(n + 1).length <= MAX_QUERY_LENGTH - 100) n++;
  return build(n);
}

export function hostileDocuments(): Array<{ name: string; query: string }> {
  return [
    { name: "the issue's 24-fragment doubling chain (2^24 paths)", query: fanOut(24, 2) },
    { name: "a doubling chain to the body limit", query: largest((n) => fanOut(n, 2)) },
    {
      name: "each fragment spreading the next 8 times, to the limit",
      query: largest((n) => fanOut(n, 8)),
    },
    {
      name: "selections nested to the limit of 64",
      query: `query{${"me{".repeat(63)}id${"}".repeat(63)}}`,
    },
    {
      name: "selections nested 3,000 deep",
      query: `query{${"me{".repeat(3000)}id${"}".repeat(3000)}}`,
    },
    {
      name: "aliases to the limit (`a1: me { id }` …)",
      query: largest((n) =>
        `query{${Array.from({ length: n }, (_, i) => `a${i}:me{id}`).join(" ")}}`
      ),
    },
  ];
}

/** A server to aim at: `main.ts start` (API and worker in one process) or `main.ts api` alone. */
async function target(role: "start" | "api"): Promise<{ url: string; close(): Promise<void> }> {
  if (role === "api") {
    const stack = await startAnalysisStack();
    const api = await spawnApi(stack);
    return {
      url: api.url,
      async close() {
        await api.kill();
        await stack.close();
      },
    };
  }
  const scratch = await scratchDataDir("alatar-hostile-");
  const server = await startProcess(scratch.dir);
  // `start` runs the worker too: the demo shop's first import would share the event loop.
  await server.waitFor(/"msg":"store imported"/);
  return {
    url: server.url,
    async close() {
      await server.interrupt();
      await scratch.remove();
    },
  };
}

export async function measureHostile(
  options: { runs: number; role: "start" | "api" },
): Promise<HostileFigures> {
  const server = await target(options.role);
  const probe = startProbe(server.url);
  await new Promise((r) => setTimeout(r, 5000));
  const idleHealthz = latencies(await probe.window());
  let health: number[] = [];
  const cases: HostileCase[] = [];
  try {
    for (const { name, query } of hostileDocuments()) {
      const times: number[] = [];
      const statuses: Record<string, number> = {};
      let bytes = 0;
      for (let i = 0; i < options.runs; i++) {
        // Each send differs by a trailing comment, as an attacker would vary it: none is answered
        // from the parsed-document cache, every one is parsed and checked again.
        const body = JSON.stringify({ query: `${query} #${i}` });
        bytes = body.length;
        const sent = performance.now();
        const res = await fetch(`${server.url}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        await res.arrayBuffer();
        times.push(performance.now() - sent);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
      cases.push({
        name,
        bytes,
        statuses,
        p50: percentile(times, 50),
        p95: percentile(times, 95),
        max: Math.max(...times),
      });
    }
    health = await probe.window();
  } finally {
    await probe.stop();
    await server.close();
  }
  return { cases, healthz: latencies(health), idleHealthz };
}

/** bench/healthz_probe.ts in a process of its own; `window()` returns what it saw since the last. */
function startProbe(url: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./healthz_probe.ts", import.meta.url).pathname, url],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const nextLine = async (): Promise<string> => {
    while (!buffered.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) throw new Error("the /healthz probe ended early");
      buffered += value;
    }
    const at = buffered.indexOf("\n");
    const line = buffered.slice(0, at);
    buffered = buffered.slice(at + 1);
    return line;
  };
  return {
    async window(): Promise<number[]> {
      await writer.write(new TextEncoder().encode("\n"));
      return JSON.parse(await nextLine()) as number[];
    },
    async stop() {
      await writer.close();
      await lines.cancel();
      await child.status;
    },
  };
}
