import assert from "node:assert/strict";
import { codeForStatus, errorBody } from "./error_body.ts";

Deno.test("each HTTP status a route raises gets the code a client branches on", () => {
  // Written out from the contract's codes (../shared/contract.md), not read from the module.
  const expected: Array<[number, string]> = [
    [400, "BAD_REQUEST"],
    [401, "AUTHENTICATION_REQUIRED"],
    [403, "PERMISSION_DENIED"],
    [404, "NOT_FOUND"],
    [405, "BAD_REQUEST"],
    [408, "REQUEST_TIMEOUT"],
    [413, "PAYLOAD_TOO_LARGE"],
    [429, "RATE_LIMIT_EXCEEDED"],
    [503, "INTERNAL_SERVER_ERROR"],
  ];
  for (const [status, code] of expected) assert.equal(codeForStatus(status), code, `${status}`);
  assert.deepEqual(errorBody("NOT_FOUND", "No such endpoint", "r1"), {
    error: { code: "NOT_FOUND", message: "No such endpoint", requestId: "r1" },
  });
});
