import assert from "node:assert/strict";
import { Hono } from "hono";
import { sseResponse, type SseStream } from "./sse_stream.ts";

/** An app whose one route hands its stream to `run`; errors are collected. */
function appWith(run: (stream: SseStream) => Promise<void>) {
  const errors: unknown[] = [];
  const app = new Hono().get("/", (c) => {
    c.header("X-Request-Id", "r1");
    return sseResponse(c, run, (error) => errors.push(error));
  });
  return { app, errors };
}

Deno.test("writes arrive in order, the headers are an event stream's, and the stream ends with run", async () => {
  const { app, errors } = appWith(async (stream) => {
    await stream.write("retry: 3000\n\n");
    await stream.write("event: next\ndata: {}\n\n");
  });
  const response = await app.request("/");
  assert.equal(response.headers.get("content-type"), "text/event-stream");
  assert.equal(response.headers.get("cache-control"), "no-cache");
  assert.equal(response.headers.get("x-request-id"), "r1", "headers set before are kept");
  assert.equal(await response.text(), "retry: 3000\n\nevent: next\ndata: {}\n\n");
  assert.deepEqual(errors, []);
});

Deno.test("a run that throws is reported and its stream still ends", async () => {
  const { app, errors } = appWith(async (stream) => {
    await stream.write(": hello\n\n");
    throw new Error("boom");
  });
  assert.equal(await (await app.request("/")).text(), ": hello\n\n");
  assert.equal((errors[0] as Error).message, "boom");
});

Deno.test("a slow reader makes writers wait; a client that goes away frees them and aborts the signal", async () => {
  let written = 0;
  let signal: AbortSignal | undefined;
  const finished = Promise.withResolvers<void>();
  const { app } = appWith(async (stream) => {
    signal = stream.signal;
    for (let i = 0; i < 100 && !stream.signal.aborted; i++) {
      await stream.write(`data: ${i}\n\n`);
      written++;
    }
    finished.resolve();
  });
  const response = await app.request("/");
  const reader = response.body!.getReader();
  await reader.read();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(written < 20, `the writer waited for the reader (wrote ${written} of 100)`);
  assert.equal(signal?.aborted, false);
  await reader.cancel();
  await finished.promise;
  assert.equal(signal?.aborted, true);
  assert.ok(written < 100, "nothing more was queued for a client that left");
});

Deno.test("close ends the response at once, and later writes are ignored", async () => {
  const { app, errors } = appWith(async (stream) => {
    await stream.write("data: 1\n\n");
    stream.close();
    await stream.write("data: 2\n\n");
  });
  assert.equal(await (await app.request("/")).text(), "data: 1\n\n");
  assert.deepEqual(errors, []);
});
