import assert from "node:assert/strict";
import { createLogger } from "./logger.ts";

Deno.test("one JSON line per event with bound context, masked", () => {
  const lines: string[] = [];
  const log = createLogger({ level: "info", write: (l) => lines.push(l) })
    .child({ request_id: "r1", user_id: "u1" });
  log.info("login failed for ann@example.com", { password: "pw123456789", attempt: 2 });
  log.debug("not written below the level");
  assert.equal(lines.length, 1);
  const entry = JSON.parse(lines[0]!);
  assert.equal(entry.level, "info");
  assert.equal(entry.msg, "login failed for a***@example.com");
  assert.equal(entry.request_id, "r1");
  assert.equal(entry.user_id, "u1");
  assert.equal(entry.password, "[REDACTED]");
  assert.equal(entry.attempt, 2);
  assert.ok(!Number.isNaN(Date.parse(entry.ts)));
});

Deno.test("a field that cannot be serialised does not lose the event", () => {
  const lines: string[] = [];
  const log = createLogger({ level: "info", write: (l) => lines.push(l) });
  log.error("odd", { big: 10n });
  assert.equal(JSON.parse(lines[0]!).msg, "odd");
});
