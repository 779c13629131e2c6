import assert from "node:assert/strict";
import { isDatabaseUnavailable } from "./unavailable.ts";

const withCode = (code: string) => Object.assign(new Error(code), { code });

Deno.test("connection and server-availability errors are unavailability, query faults are not", () => {
  for (const code of ["CONNECTION_CLOSED", "ECONNREFUSED", "57P01", "57P03", "08006", "53300"]) {
    assert.equal(isDatabaseUnavailable(withCode(code)), true, code);
  }
  for (const code of ["23505", "42P01", "22P02", "57014"]) {
    assert.equal(isDatabaseUnavailable(withCode(code)), false, code);
  }
  assert.equal(isDatabaseUnavailable(new Error("x", { cause: withCode("ECONNRESET") })), true);
  assert.equal(isDatabaseUnavailable("CONNECTION_CLOSED"), false);
  assert.equal(isDatabaseUnavailable(null), false);
});
