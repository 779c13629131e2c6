import assert from "node:assert/strict";
import { hashToken, mintToken, parseToken } from "./opaque_tokens.ts";

Deno.test("a minted token names its owner and hashes the same way when parsed", () => {
  const userId = crypto.randomUUID();
  const { token, hash } = mintToken("rt", userId);
  assert.match(token, /^rt_[A-Za-z0-9_-]{64}$/);
  const parsed = parseToken("rt", token);
  assert.equal(parsed?.userId, userId);
  assert.deepEqual(parsed?.hash, hash);
  assert.deepEqual(hashToken(token), hash);
  assert.notEqual(mintToken("rt", userId).token, token);
});

Deno.test("tokens of another kind, truncated or garbled, do not parse", () => {
  const { token } = mintToken("rt", crypto.randomUUID());
  assert.equal(parseToken("pr", token), null);
  assert.equal(parseToken("rt", token.slice(0, -4)), null);
  assert.equal(parseToken("rt", "rt_!!!!"), null);
  assert.equal(parseToken("rt", ""), null);
  assert.equal(parseToken("rt", "rt_" + "A".repeat(500)), null);
});
