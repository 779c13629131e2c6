/**
 * OpenTelemetry traces (log/tracing.ts) from real processes: an API process and a worker
 * process, each with Deno's built-in exporter on (`OTEL_DENO=true`), export to a local OTLP
 * receiver. One analysis must arrive as one trace, whole and linked, and its spans must carry
 * ids, never the merchant's e-mail, question or tokens. An OTLP endpoint that is down must not
 * fail a request.
 */
import assert from "node:assert/strict";
import { createClient, type ExecutionResult } from "graphql-sse";
import { linkedStoreTest, TEST_TODAY } from "./helpers/linked_store.ts";
import { startApiProcess } from "./helpers/api_process.ts";
import { spawnWorker } from "./helpers/spawn_worker.ts";
import { type ReceivedSpan, startOtlpReceiver } from "./helpers/otlp_receiver.ts";
import { purposeOf, startOpenAiServer } from "./helpers/openai_server.ts";
import { dbTest } from "./helpers/test_db.ts";
import { freePort } from "../db/embedded.ts";
import { userHash } from "../log/tracing.ts";

const QUESTION = "Which products should I discount?";

function scriptedModel() {
  return startOpenAiServer((request) => {
    if (purposeOf(request) === "plan") {
      const to = TEST_TODAY.toISOString().slice(0, 10);
      const from = new Date(TEST_TODAY.getTime() - 29 * 86_400_000).toISOString().slice(0, 10);
      return JSON.stringify({
        intent: "discount_candidates",
        range: { from, to },
        comparisonRange: null,
      });
    }
    return JSON.stringify({
      summary: "Some products are moving slowly.",
      speech: "Some products are moving slowly.",
    });
  });
}

const otelEnv = (endpoint: string, service: string) => ({
  OTEL_DENO: "true",
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
  OTEL_SERVICE_NAME: service,
  // Our logs go to stdout; only traces are under test.
  OTEL_DENO_CONSOLE: "ignore",
});

async function graphql(url: string, token: string, query: string, variables = {}) {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: await res.json() };
}

/** Waits, through the real SSE client, until the request's updates end; returns the last status. */
function untilFinished(url: string, token: string, requestId: string): Promise<string> {
  const client = createClient({
    url: `${url}/graphql/stream`,
    headers: { authorization: `Bearer ${token}` },
  });
  let status = "";
  return new Promise((resolve, reject) => {
    client.subscribe<{ analysisRequestUpdates: { status: string } }>(
      {
        query: `subscription($id: ID!) { analysisRequestUpdates(requestId: $id) { status } }`,
        variables: { id: requestId },
      },
      {
        next: (result: ExecutionResult<{ analysisRequestUpdates: { status: string } }>) => {
          status = result.data?.analysisRequestUpdates.status ?? status;
        },
        complete: () => {
          client.dispose();
          resolve(status);
        },
        error: (error) => {
          client.dispose();
          reject(error);
        },
      },
    );
  });
}

linkedStoreTest(
  "one analysis is one trace across the API and worker processes, whole, linked and without PII",
  async ({ t, api, token, userId, credentials }) => {
    const receiver = startOtlpReceiver();
    const model = scriptedModel();
    const shopifyBase = api.services.shopify.adminBaseUrl;
    const apiProcess = await startApiProcess(
      t.url,
      shopifyBase,
      otelEnv(receiver.url, "alatar-api"),
    );
    const worker = spawnWorker({
      databaseUrl: t.url,
      shopifyAdminBaseUrl: shopifyBase,
      appUrl: api.services.appUrl,
      env: { ...otelEnv(receiver.url, "alatar-worker"), TEST_OPENAI_URL: model.baseUrl },
    });
    try {
      await worker.waitFor("READY");
      // The worker process imports the linked store: its Shopify calls are traced with their cost.
      await receiver.until((spans) =>
        spans.some((s) => s.name === "job store.sync") &&
        spans.some((s) =>
          s.name.startsWith("shopify ") && "alatar.shopify.actual_cost" in s.attributes
        )
      );

      const submitted = await graphql(
        apiProcess.url,
        token,
        `mutation($p: String!) { submitAnalysisRequest(prompt: $p) {
           analysisRequest { id } userErrors { code message } } }`,
        { p: QUESTION },
      );
      const id: string = submitted.body.data.submitAnalysisRequest.analysisRequest.id;
      assert.equal(await untilFinished(apiProcess.url, token, id), "COMPLETED");

      const traceOf = (spans: ReceivedSpan[]) => {
        const final = spans.find((s) =>
          s.name === "sse final event" && s.attributes["alatar.request_id"] === id
        );
        return final ? spans.filter((s) => s.traceId === final.traceId) : [];
      };
      const names = (spans: ReceivedSpan[]) => new Set(traceOf(spans).map((s) => s.name));
      await receiver.until((spans) =>
        ["job analysis", "node load", "node plan", "node finalize", "llm plan", "llm write"]
          .every((n) => names(spans).has(n)) &&
        [...names(spans)].some((n) => n.startsWith("kpi ")) &&
        [...names(spans)].some((n) => n.startsWith("department "))
      );
      const trace = traceOf(receiver.spans);

      // Whole and linked: one root, the API's HTTP request; every other span's parent is in the trace.
      const ids = new Set(trace.map((s) => s.spanId));
      const roots = trace.filter((s) => !s.parentSpanId);
      assert.equal(roots.length, 1, JSON.stringify(roots.map((r) => r.name)));
      assert.equal(roots[0]!.service, "alatar-api");
      assert.equal(roots[0]!.kind, 2, "the root is the server span of submitAnalysisRequest");
      for (const span of trace) {
        if (span.parentSpanId) assert.ok(ids.has(span.parentSpanId), `${span.name} is orphaned`);
      }
      // Across both processes: the worker's job continues the API's trace.
      assert.deepEqual(
        new Set(trace.map((s) => s.service)),
        new Set(["alatar-api", "alatar-worker"]),
      );
      const job = trace.find((s) => s.name === "job analysis")!;
      assert.equal(job.attributes["alatar.request_id"], id);
      assert.equal(job.attributes["alatar.user_hash"], userHash(userId));

      const write = trace.find((s) => s.name === "llm write")!;
      assert.equal(write.attributes["gen_ai.request.model"], "test/default");
      assert.equal(write.attributes["gen_ai.usage.input_tokens"], 120);
      assert.equal(write.attributes["gen_ai.usage.output_tokens"], 40);

      // No e-mail, question, user id or token in any attribute of any span.
      const [account] = await t.owner<{ id: string }[]>`select id from linked_accounts`;
      const secrets = [credentials.email, QUESTION, userId, token, account!.id];
      for (const span of receiver.spans) {
        for (const [key, value] of Object.entries(span.attributes)) {
          for (const secret of secrets) {
            assert.ok(!String(value).includes(secret), `${span.name} ${key} leaks ${secret}`);
          }
        }
      }
    } finally {
      await worker.stop();
      await apiProcess.stop();
      await model.close();
      await receiver.close();
    }
  },
);

dbTest("an OTLP endpoint that is down fails no request", async (t) => {
  const down = `http://127.0.0.1:${freePort()}`; // nothing listens there
  const apiProcess = await startApiProcess(t.url, "http://127.0.0.1:1/{shop}", {
    ...otelEnv(down, "alatar-api"),
  });
  try {
    const email = `${crypto.randomUUID().slice(0, 8)}@example.com`;
    const res = await fetch(`${apiProcess.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: `mutation($e: String!, $p: String!) { register(email: $e, password: $p) {
          accessToken userErrors { code } } }`,
        variables: { e: email, p: "a long enough password 1" },
      }),
    });
    const body = await res.json();
    assert.equal(res.status, 200);
    const token = body.data.register.accessToken;
    assert.ok(token, JSON.stringify(body));
    for (let i = 0; i < 20; i++) {
      const me = await graphql(apiProcess.url, token, `{ me { email } }`);
      assert.equal(me.status, 200);
      assert.equal(me.body.data.me.email, email);
    }
    const health = await fetch(`${apiProcess.url}/healthz`);
    assert.equal(health.status, 200);
    await health.body?.cancel();
  } finally {
    assert.equal(await apiProcess.stop(), 0, "the API stops cleanly with its exporter failing");
  }
});
