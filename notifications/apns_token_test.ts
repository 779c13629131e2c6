import assert from "node:assert/strict";
import { decodeProtectedHeader, exportPKCS8, generateKeyPair, jwtVerify } from "jose";
import { createProviderTokens, PROVIDER_TOKEN_TTL_MS } from "./apns_token.ts";

Deno.test("the provider token is an ES256 JWT of the team, reused for 50 minutes, then renewed", async () => {
  const keys = await generateKeyPair("ES256", { extractable: true });
  let clock = Date.parse("2026-12-08T12:00:00Z");
  const tokens = await createProviderTokens(
    {
      keyId: "KEY1234567",
      teamId: "TEAM123456",
      privateKeyPem: await exportPKCS8(keys.privateKey),
    },
    () => clock,
  );
  const first = await tokens.current();
  assert.deepEqual(decodeProtectedHeader(first), { alg: "ES256", kid: "KEY1234567" });
  const { payload } = await jwtVerify(first, keys.publicKey, {
    algorithms: ["ES256"],
    issuer: "TEAM123456",
    currentDate: new Date(clock),
  });
  assert.equal(payload.iat, clock / 1000);

  clock += PROVIDER_TOKEN_TTL_MS - 1000;
  assert.equal(await tokens.current(), first);
  clock += 1000;
  const second = await tokens.current();
  assert.notEqual(second, first);
  assert.equal(
    (await jwtVerify(second, keys.publicKey, { currentDate: new Date(clock) })).payload.iat,
    clock / 1000,
  );

  // APNs said the token expired: the next send makes a new one at once.
  clock += 60_000;
  tokens.renew();
  assert.notEqual(await tokens.current(), second);
});
