/** The HTTP skeleton through `app.request()`, with the real app and a real database. */
import assert from "node:assert/strict";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { connectDatabase } from "../db/database.ts";
import { createLogger } from "../log/logger.ts";
import { createTestApi } from "./helpers/api.ts";
import { dbTest, type TestDatabase } from "./helpers/test_db.ts";

async function build(t: TestDatabase, appEnv: "test" | "production" = "test") {
  const lines: string[] = [];
  const log = createLogger({ level: "debug", write: (l) => lines.push(l) });
  const api = await createTestApi(t, {
    log,
    production: appEnv === "production",
    corsOrigins: ["https://admin.example.com"],
  });
  api.app.get("/test/boom", () => {
    throw new Error("select password_hash from users where email = 'ann@example.com'");
  });
  api.app.post(
    "/test/echo",
    async (c) => c.json({ bytes: (await c.req.arrayBuffer()).byteLength }),
  );
  return { app: api.app, lines, close: api.close };
}

type Built = Awaited<ReturnType<typeof build>>;

/** A test with the app built before and closed after it. */
function httpTest(name: string, fn: (built: Built, t: TestDatabase) => Promise<void>) {
  dbTest(name, async (t) => {
    const built = await build(t);
    try {
      await fn(built, t);
    } finally {
      await built.close();
    }
  });
}

httpTest("healthz and readyz answer when the database does", async ({ app }) => {
  const health = await app.request("/healthz");
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: "ok" });
  const ready = await app.request("/readyz");
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: "ready" });
});

dbTest("readyz answers 503 when the database is unreachable", async (t) => {
  const log = createLogger({ level: "error" });
  const closed = new URL(t.url);
  closed.port = "1"; // nothing listens on port 1
  const db = connectDatabase({ url: closed.toString(), poolMax: 1, log });
  const api = await createTestApi(t, { db, log });
  try {
    const res = await api.app.request("/readyz");
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { status: "unavailable", reason: "database unreachable" });
  } finally {
    await api.close();
    await db.end();
  }
});

httpTest("a 2 MiB body is refused with 413 and a small one passes", async ({ app }) => {
  const big = await app.request("/test/echo", {
    method: "POST",
    body: new Uint8Array(2 * 1024 * 1024),
  });
  assert.equal(big.status, 413);
  assert.equal((await big.json()).error.code, "PAYLOAD_TOO_LARGE");
  // Without a Content-Length the limit still applies while streaming.
  const stream = new ReadableStream({
    start(controller) {
      for (let i = 0; i < 4; i++) controller.enqueue(new Uint8Array(512 * 1024));
      controller.close();
    },
  });
  const chunked = await app.request(
    "/test/echo",
    { method: "POST", body: stream, duplex: "half" } as RequestInit,
  );
  assert.equal(chunked.status, 413);
  const small = await app.request("/test/echo", { method: "POST", body: new Uint8Array(1000) });
  assert.deepEqual(await small.json(), { bytes: 1000 });
});

httpTest(
  "a thrown error gives a generic 500 and is logged, masked, with the request id",
  async ({ app, lines }) => {
    const res = await app.request("/test/boom", { headers: { "X-Request-Id": "req-123" } });
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.deepEqual(JSON.parse(text), {
      error: {
        code: "INTERNAL_SERVER_ERROR",
        message: "Internal server error",
        requestId: "req-123",
      },
    });
    assert.doesNotMatch(text, /select|password|stack|at /i);
    const logged = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "unhandled error");
    assert.equal(logged.request_id, "req-123");
    assert.match(logged.error.message, /a\*\*\*@example\.com/);
    assert.doesNotMatch(JSON.stringify(logged), /ann@example\.com/);
  },
);

httpTest("request ids are echoed, or generated when absent or malformed", async ({ app }) => {
  const echoed = await app.request("/healthz", { headers: { "X-Request-Id": "abc-123" } });
  assert.equal(echoed.headers.get("x-request-id"), "abc-123");
  const fresh = await app.request("/healthz");
  assert.match(fresh.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  const hostile = await app.request("/healthz", { headers: { "X-Request-Id": 'a"b<script>' } });
  assert.notEqual(hostile.headers.get("x-request-id"), 'a"b<script>');
});

httpTest("unknown paths get a JSON 404", async ({ app }) => {
  const res = await app.request("/nope");
  assert.equal(res.status, 404);
  assert.equal((await res.json()).error.code, "NOT_FOUND");
});

httpTest("security headers are set; HSTS only in production", async ({ app }, t) => {
  const dev = await app.request("/healthz");
  assert.equal(dev.headers.get("x-content-type-options"), "nosniff");
  assert.equal(dev.headers.get("referrer-policy"), "no-referrer");
  assert.match(dev.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
  assert.equal(dev.headers.get("strict-transport-security"), null);
  const production = await build(t, "production");
  try {
    const prod = await production.app.request("/healthz");
    assert.match(prod.headers.get("strict-transport-security") ?? "", /max-age=\d+/);
  } finally {
    await production.close();
  }
});

httpTest("CORS allows only the configured origins", async ({ app }) => {
  const allowed = await app.request("/healthz", {
    headers: { Origin: "https://admin.example.com" },
  });
  assert.equal(allowed.headers.get("access-control-allow-origin"), "https://admin.example.com");
  const other = await app.request("/healthz", { headers: { Origin: "https://evil.example" } });
  assert.equal(other.headers.get("access-control-allow-origin"), null);
});

httpTest("/metrics is Prometheus text with request counts by route and status", async ({ app }) => {
  await app.request("/healthz");
  await app.request("/healthz");
  await app.request("/nope");
  const res = await app.request("/metrics");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
  const families = parsePrometheusTextFormat(await res.text()) as Array<{
    name: string;
    type: string;
    metrics: Array<{ labels?: Record<string, string>; value?: string }>;
  }>;
  const requests = families.find((f) => f.name === "alatar_http_requests_total");
  assert.equal(requests?.type, "COUNTER");
  const health = requests!.metrics.find((m) =>
    m.labels?.route === "/healthz" && m.labels?.status === "200"
  );
  assert.equal(health?.value, "2");
  const unmatched = requests!.metrics.find((m) => m.labels?.route === "unmatched");
  assert.equal(unmatched?.labels?.status, "404");
  const latency = families.find((f) => f.name === "alatar_http_request_duration_seconds");
  assert.equal(latency?.type, "HISTOGRAM");
  assert.ok(families.some((f) => f.name === "alatar_process_resident_memory_bytes"));
});

dbTest(
  "a body that trickles in past the deadline gets 408, and its handler is let go",
  async (t) => {
    const api = await createTestApi(t, { bodyReadTimeoutMs: 300 });
    api.app.post(
      "/test/echo",
      async (c) => c.json({ bytes: (await c.req.arrayBuffer()).byteLength }),
    );
    const server = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen: () => {} },
      api.app.fetch,
    );
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
    try {
      // A slowloris: the headers promise 100 bytes, two arrive, the rest never do.
      await conn.write(new TextEncoder().encode(
        "POST /test/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
          'Content-Length: 100\r\n\r\n{"',
      ));
      // The answer comes although the body never ends. (Deno keeps the socket until the client
      // or the proxy in front closes it: connection deadlines are the proxy's; see the README.)
      let answer = "";
      const buffer = new Uint8Array(4096);
      while (!answer.includes("REQUEST_TIMEOUT")) {
        const n = await conn.read(buffer);
        if (n === null) break;
        answer += new TextDecoder().decode(buffer.subarray(0, n));
      }
      assert.match(answer, /^HTTP\/1\.1 408 /);
      assert.match(answer, /\r\nconnection: close\r\n/i);
      assert.match(answer, /"code":"REQUEST_TIMEOUT"/);

      // A body that arrives is read as before, through the same middleware.
      const res = await fetch(`http://127.0.0.1:${server.addr.port}/test/echo`, {
        method: "POST",
        body: "x".repeat(5000),
      });
      assert.deepEqual(await res.json(), { bytes: 5000 });
    } finally {
      conn.close();
      await server.shutdown();
      await api.close();
    }
  },
);
