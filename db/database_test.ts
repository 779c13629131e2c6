import assert from "node:assert/strict";
import { reconnectBackoff } from "./database.ts";

Deno.test("reconnect backoff grows from 10 ms, never waits more than 1 s, and is jittered", () => {
  // retries 0: 3^0/100 = 0.01 s scaled by 50–100 % → 5–10 ms.
  for (let i = 0; i < 50; i++) {
    const first = reconnectBackoff(0);
    assert.ok(first >= 0.005 && first <= 0.01, `retries 0 gave ${first}`);
  }
  // retries 3: 27/100 = 0.27 s → 135–270 ms; retries 5 and up: capped at 1 s → 0.5–1 s.
  const third = reconnectBackoff(3);
  assert.ok(third >= 0.135 && third <= 0.27, `retries 3 gave ${third}`);
  const late = Array.from({ length: 200 }, (_, i) => reconnectBackoff(5 + (i % 100)));
  assert.ok(late.every((s) => s >= 0.5 && s <= 1), "capped between 0.5 and 1 s");
  assert.ok(new Set(late).size > 100, "spread, not one fixed delay");
});
