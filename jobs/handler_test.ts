import assert from "node:assert/strict";
import type { Job } from "pg-boss";
import { createLogger } from "../log/logger.ts";
import { loggedHandler } from "./handler.ts";

const job = (data: unknown, name = "maintenance.purge") =>
  ({ id: crypto.randomUUID(), name, data, retryCount: 0 }) as unknown as Job<object>;

Deno.test("a scheduled job, whose data pg-boss leaves null, runs like any other", async () => {
  const seen: unknown[] = [];
  const handler = loggedHandler(createLogger({ level: "error" }), (j) => {
    seen.push(j.data);
    return Promise.resolve("done");
  });
  const results = await handler([job(null), job({ requestId: "r1", userId: "u1" }, "analysis")]);
  assert.deepEqual(results.map((r) => r.status), ["completed", "completed"]);
  assert.deepEqual(seen, [null, { requestId: "r1", userId: "u1" }]);
});

Deno.test("one job failing fails only itself", async () => {
  const handler = loggedHandler(
    createLogger({ level: "error", write: () => {} }),
    (j) =>
      (j.data as { fail?: boolean } | null)?.fail
        ? Promise.reject(new Error("boom"))
        : Promise.resolve("ok"),
  );
  const results = await handler([job({ fail: true }), job({})]);
  assert.deepEqual(results.map((r) => r.status), ["failed", "completed"]);
  assert.deepEqual(results[0]!.output, { message: "boom" });
});

Deno.test("a job that says 'not yet' is a warning, not an error; a fault is an error", async () => {
  const lines: Array<{ level: string; msg: string }> = [];
  const log = createLogger({ level: "info", write: (line) => lines.push(JSON.parse(line)) });
  const notYet = Object.assign(new Error("The store's data is still being imported"), {
    retryLater: true as const,
  });
  const handler = loggedHandler(
    log,
    (j) => Promise.reject((j.data as { fault?: boolean }).fault ? new Error("boom") : notYet),
  );
  await handler([job({}), job({ fault: true })]);
  const outcomes = lines.filter((l) => l.msg !== "job finished").map((l) => `${l.level} ${l.msg}`);
  assert.deepEqual(outcomes, ["warn job deferred; it will be retried", "error job failed"]);
});
