import assert from "node:assert/strict";
import { quietUntil } from "./quiet_hours.ts";

// New York is UTC−5 in December: 03:00 UTC is 22:00 there.
const NY = "America/New_York";

Deno.test("inside the default 22–08 the push waits for 08:00 shop time", () => {
  assert.equal(
    quietUntil(new Date("2026-12-08T03:30:00Z"), NY, 22, 8)?.toISOString(),
    "2026-12-08T13:00:00.000Z",
  );
  // 07:59:30 in New York: thirty seconds to wait.
  assert.equal(
    quietUntil(new Date("2026-12-08T12:59:30Z"), NY, 22, 8)?.toISOString(),
    "2026-12-08T13:00:00.000Z",
  );
});

Deno.test("outside quiet hours, or with none, nothing waits", () => {
  assert.equal(quietUntil(new Date("2026-12-08T13:00:00Z"), NY, 22, 8), null); // 08:00
  assert.equal(quietUntil(new Date("2026-12-08T02:59:59Z"), NY, 22, 8), null); // 21:59:59
  assert.equal(quietUntil(new Date("2026-12-08T03:30:00Z"), NY, 9, 9), null);
});

Deno.test("quiet hours within a day (13–15) and in another timezone", () => {
  // 14:00 in Berlin (UTC+1 in December) waits an hour.
  assert.equal(
    quietUntil(new Date("2026-12-08T13:00:00Z"), "Europe/Berlin", 13, 15)?.toISOString(),
    "2026-12-08T14:00:00.000Z",
  );
  assert.equal(quietUntil(new Date("2026-12-08T14:00:00Z"), "Europe/Berlin", 13, 15), null);
});
