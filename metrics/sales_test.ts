import assert from "node:assert/strict";
import { periods } from "./sales.ts";

Deno.test("the periods a range touches, each by its first day", () => {
  const range = { from: "2026-02-15", to: "2026-07-02" };
  assert.deepEqual(periods(range, "quarter"), ["2026-01-01", "2026-04-01", "2026-07-01"]);
  assert.deepEqual(periods(range, "year"), ["2026-01-01"]);
  assert.deepEqual(periods({ from: "2025-12-30", to: "2026-01-02" }, "year"), [
    "2025-01-01",
    "2026-01-01",
  ]);
  assert.deepEqual(periods({ from: "2026-03-31", to: "2026-04-01" }, "month"), [
    "2026-03-01",
    "2026-04-01",
  ]);
  // 2026-11-29 is a Sunday: its ISO week began Monday 23 November.
  assert.deepEqual(periods({ from: "2026-11-29", to: "2026-11-30" }, "week"), [
    "2026-11-23",
    "2026-11-30",
  ]);
});
