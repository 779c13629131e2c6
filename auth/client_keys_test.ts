import assert from "node:assert/strict";
import { clientKey } from "./client_keys.ts";

Deno.test("a client key is optional, and a malformed one is refused on clientMutationId", () => {
  assert.deepEqual(clientKey(undefined), { ok: true, value: null });
  assert.deepEqual(clientKey(null), { ok: true, value: null });
  assert.deepEqual(clientKey("phone-1:42"), { ok: true, value: "phone-1:42" });
  assert.deepEqual(clientKey("a".repeat(200)), { ok: true, value: "a".repeat(200) });
  for (const bad of ["", "a".repeat(201), "two words", "nul\u0000", "ünïcode"]) {
    const outcome = clientKey(bad);
    assert.equal(outcome.ok, false, JSON.stringify(bad));
    if (!outcome.ok) {
      assert.equal(outcome.errors[0]!.code, "INVALID_INPUT");
      assert.equal(outcome.errors[0]!.field, "clientMutationId");
    }
  }
});
