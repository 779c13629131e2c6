/**
 * Issue #7's figures, on real parts: an API process started as
 * `main.ts api` on embedded PostgreSQL, a worker process, the dev store.
 *
 * - Subscribers: 1,000 SSE streams of `analysisRequestUpdates` (ten users,
 *   one request each) held open on the one API process. Changes are
 *   committed by the owner connection, so the clock starts before the
 *   commit is sent; the event is timed when its bytes reach the subscriber
 *   (this process, which also parses all 1,000 streams on the same 2 cores).
 *   Steady: changes to single requests at a fixed rate. Burst: one commit
 *   changing all 1,000 requests at once. RSS and CPU are the API process's,
 *   read from /proc.
 * - Siri: `POST /siri/ask` when the answer is already there (the same
 *   question, answered minutes ago) and when it must be analysed.
 * - Polling: `GET /graphql` with `If-None-Match` on an unchanged list (304).
 */
import postgres from "postgres";
import { createAccessTokens } from "../auth/access_tokens.ts";
import { createDeviceToken } from "../auth/device_tokens.ts";
import { issueTokens } from "../auth/sessions.ts";
import { devStoreBaseUrl } from "../devstore/server.ts";
import { startApiProcess } from "../tests/helpers/api_process.ts";
import { TEST_ISSUER, TEST_JWT_SECRET } from "../tests/helpers/api.ts";
import { spawnBenchWorker, startAnalysisStack } from "./analysis_bench.ts";

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface LiveFigures {
  subscribers: number;
  steady: { events: number; perSecond: number; p50: number; p95: number; max: number };
  burst: { events: number; p50: number; p95: number; max: number };
  rssMb: { idle: number; subscribed: number; peak: number };
  cpuMsPer1000Events: number;
  siri: {
    cached: { p50: number; p95: number; runs: number };
    fresh: { p50: number; p95: number; runs: number };
  };
  poll304: { p50: number; p95: number; runs: number };
}

/** Resident and peak memory (MB) and CPU time (ms) of a process, from /proc. */
async function processUsage(pid: number) {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)![1]);
  const stat = (await Deno.readTextFile(`/proc/${pid}/stat`)).split(") ")[1]!.split(" ");
  const ticks = Number(stat[11]) + Number(stat[12]); // utime + stime, in clock ticks (100/s)
  return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024, cpuMs: ticks * 10 };
}

/** One SSE subscriber: records when each `percent` of its request arrives. */
function subscribe(url: string, token: string, requestId: string, arrivals: Map<string, number>) {
  let opened = () => {};
  const open = new Promise<void>((resolve) => (opened = resolve));
  const aborter = new AbortController();
  const done = (async () => {
    const response = await fetch(`${url}/graphql/stream`, {
      method: "POST",
      signal: aborter.signal,
      headers: {
        accept: "text/event-stream",
        "content-type": "application/json",
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({
        query: `subscription($id: ID!) { analysisRequestUpdates(requestId: $id) {
          status progress { percent } } }`,
        variables: { id: requestId },
      }),
    });
    if (!response.ok) throw new Error(`subscribe answered ${response.status}`);
    let buffer = "";
    for await (const chunk of response.body!.pipeThrough(new TextDecoderStream())) {
      const at = now();
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(message)?.[1];
        if (!message.includes("event: next") || !data) continue;
        const percent = JSON.parse(data).data.analysisRequestUpdates.progress.percent;
        arrivals.set(`${requestId}:${percent}`, at);
        opened();
      }
    }
  })().catch((error) => {
    if (!aborter.signal.aborted) throw error;
  });
  return { open, done, close: () => aborter.abort() };
}

export async function measureLive(options: { subscribers: number; steadyEvents: number }) {
  const stack = await startAnalysisStack();
  const owner = postgres(stack.pg.url, { max: 2, onnotice: () => {} });
  const accessTokens = createAccessTokens({ secret: TEST_JWT_SECRET, issuer: TEST_ISSUER });
  const api = await startApiProcess(stack.pg.url, devStoreBaseUrl(stack.storePort));
  const worker = await spawnBenchWorker(stack);
  const streams: ReturnType<typeof subscribe>[] = [];
  try {
    // Ten users, each watching its own requests (the per-user request limit is 1,200 a minute).
    const users = Array.from({ length: 10 }, () => crypto.randomUUID());
    const sessions = new Map<string, string>();
    const requests: Array<{ userId: string; id: string }> = [];
    for (const userId of users) {
      await stack.db.withTenant(userId, async (tx) => {
        await tx`insert into users (id, email) values (${userId}, ${`${userId}@bench.alatar.dev`})`;
        sessions.set(userId, (await issueTokens({ accessTokens }, tx, userId)).accessToken);
        const rows = await tx<{ id: string }[]>`
          insert into analysis_requests (user_id, prompt)
          select ${userId}, 'How were sales last week?'
          from generate_series(1, ${options.subscribers / users.length})
          returning id`;
        for (const row of rows) requests.push({ userId, id: row.id });
      });
    }
    const idle = await processUsage(api.pid);
    const arrivals = new Map<string, number>();
    // Phones connect over time, not in one instant: 50 at a time, all held open together.
    for (let i = 0; i < requests.length; i += 50) {
      const batch = requests.slice(i, i + 50).map(({ userId, id }) =>
        subscribe(api.url, sessions.get(userId)!, id, arrivals)
      );
      streams.push(...batch);
      await Promise.all(batch.map((s) => s.open));
    }
    const subscribed = await processUsage(api.pid);

    // Steady: single changes at a fixed rate, each request moving to the next percent.
    const perSecond = 50;
    const steadyLatencies: number[] = [];
    const sent: Array<[string, number]> = [];
    await owner`update analysis_requests set status = 'processing' where status = 'pending'`;
    await sleep(2000);
    const cpuBefore = (await processUsage(api.pid)).cpuMs;
    const started = now();
    for (let i = 0; i < options.steadyEvents; i++) {
      const { id } = requests[i % requests.length]!;
      const percent = 1 + Math.floor(i / requests.length);
      const wait = started + (i * 1000) / perSecond - now();
      if (wait > 0) await sleep(wait);
      const at = now();
      await owner`update analysis_requests
        set progress = ${owner.json({ stage: "analysing", percent })} where id = ${id}`;
      sent.push([`${id}:${percent}`, at]);
    }
    await sleep(2000);
    const cpuAfter = (await processUsage(api.pid)).cpuMs;
    for (const [key, at] of sent) {
      const arrived = arrivals.get(key);
      if (arrived !== undefined) steadyLatencies.push(arrived - at);
    }

    // Burst: one commit changes every request.
    const burstAt = now();
    await owner`update analysis_requests
      set progress = ${owner.json({ stage: "writing", percent: 90 })}`;
    const until = Date.now() + 60_000;
    while (Date.now() < until && requests.some(({ id }) => !arrivals.has(`${id}:90`))) {
      await sleep(50);
    }
    const burstLatencies = requests.map(({ id }) => arrivals.get(`${id}:90`))
      .filter((at): at is number => at !== undefined).map((at) => at - burstAt);
    const peak = await processUsage(api.pid);
    for (const stream of streams) stream.close();

    // Polling: an unchanged list, revalidated.
    const pollToken = sessions.get(users[0]!)!;
    const list = `${api.url}/graphql?query=${
      encodeURIComponent(
        "{ listAnalysisRequests(first: 20) { edges { node { id status updatedAt } } } }",
      )
    }`;
    const first = await fetch(list, { headers: { authorization: `Bearer ${pollToken}` } });
    await first.body?.cancel();
    const etag = first.headers.get("etag")!;
    const polls: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t0 = performance.now();
      const res = await fetch(list, {
        headers: { authorization: `Bearer ${pollToken}`, "if-none-match": etag },
      });
      await res.body?.cancel();
      if (res.status !== 304) throw new Error(`poll answered ${res.status}`);
      polls.push(performance.now() - t0);
    }

    // Siri, on the demo shop: fresh questions, then one asked again.
    const devices: string[] = [];
    for (let i = 0; i < 10; i++) {
      const created = await createDeviceToken(
        stack.db,
        { userId: stack.userId, sessionId: "bench" },
        `Bench device ${i}`,
      );
      if (!created.ok) throw new Error(created.errors[0]!.message);
      devices.push(created.value.token);
    }
    const ask = async (question: string, i: number) => {
      const t0 = performance.now();
      const res = await fetch(`${api.url}/siri/ask`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${devices[i % devices.length]}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ question }),
      });
      const body = await res.json();
      if (body.status !== "completed") throw new Error(`Siri answered ${JSON.stringify(body)}`);
      return performance.now() - t0;
    };
    const fresh: number[] = [];
    for (let days = 2; days < 32; days++) {
      fresh.push(await ask(`How were sales in the last ${days} days?`, days));
    }
    const cached: number[] = [];
    for (let i = 0; i < 100; i++) cached.push(await ask("How were sales in the last 7 days?", i));

    const stat = (values: number[]) => ({
      p50: percentile(values, 50),
      p95: percentile(values, 95),
      runs: values.length,
    });
    return {
      subscribers: streams.length,
      steady: {
        events: steadyLatencies.length,
        perSecond,
        p50: percentile(steadyLatencies, 50),
        p95: percentile(steadyLatencies, 95),
        max: Math.max(...steadyLatencies),
      },
      burst: {
        events: burstLatencies.length,
        p50: percentile(burstLatencies, 50),
        p95: percentile(burstLatencies, 95),
        max: Math.max(...burstLatencies),
      },
      rssMb: { idle: idle.rssMb, subscribed: subscribed.rssMb, peak: peak.peakMb },
      cpuMsPer1000Events: ((cpuAfter - cpuBefore) / steadyLatencies.length) * 1000,
      siri: { cached: stat(cached), fresh: stat(fresh) },
      poll304: stat(polls),
    } satisfies LiveFigures;
  } finally {
    for (const stream of streams) stream.close();
    await api.stop();
    worker.kill("SIGKILL");
    await worker.status;
    await owner.end();
    await stack.close();
  }
}
