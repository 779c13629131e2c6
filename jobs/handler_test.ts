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
