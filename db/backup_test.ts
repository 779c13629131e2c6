import assert from "node:assert/strict";
import { BackupError, inLoadOrder } from "./backup.ts";

const table = (name: string) => ({ schema: "public", name });

Deno.test("tables come after the tables their keys point to; self-references need no order", () => {
  const ordered = inLoadOrder(
    [table("events"), table("requests"), table("users"), table("accounts")],
    [
      { from: "public.events", to: "public.requests" },
      { from: "public.requests", to: "public.users" },
      { from: "public.requests", to: "public.accounts" },
      { from: "public.accounts", to: "public.users" },
      { from: "public.requests", to: "public.requests" },
      { from: "public.events", to: "public.elsewhere" },
    ],
  );
  assert.deepEqual(ordered.map((t) => t.name), ["users", "accounts", "requests", "events"]);
});

Deno.test("a cycle of foreign keys is named rather than ordered wrongly", () => {
  assert.throws(
    () =>
      inLoadOrder([table("a"), table("b"), table("c")], [
        { from: "public.a", to: "public.b" },
        { from: "public.b", to: "public.a" },
      ]),
    (error: Error) => error instanceof BackupError && /public\.a, public\.b/.test(error.message),
  );
});
