import assert from "node:assert/strict";
import { SignJWT, UnsecuredJWT } from "jose";
import { ACCESS_TOKEN_AUDIENCE, createAccessTokens, keyId } from "./access_tokens.ts";

const secret = "s".repeat(48);
const issuer = "https://alatar.example.com";
const viewer = { userId: crypto.randomUUID(), sessionId: crypto.randomUUID() };
const tokens = createAccessTokens({ secret, issuer });
const key = new TextEncoder().encode(secret);

function forge(
  overrides: { alg?: string; kid?: string; iss?: string; aud?: string; exp?: number },
) {
  return new SignJWT({ sid: viewer.sessionId })
    .setProtectedHeader({ alg: overrides.alg ?? "HS256", kid: overrides.kid ?? keyId(secret) })
    .setSubject(viewer.userId)
    .setIssuer(overrides.iss ?? issuer)
    .setAudience(overrides.aud ?? ACCESS_TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(overrides.exp ?? Math.floor(Date.now() / 1000) + 60);
}

Deno.test("a signed token verifies to its viewer and lives at most 15 minutes", async () => {
  const { token, expiresAt } = await tokens.sign(viewer);
  assert.deepEqual(await tokens.verify(token), viewer);
  const ttl = (expiresAt.getTime() - Date.now()) / 1000;
  assert.ok(ttl > 880 && ttl <= 900, `ttl ${ttl}`);
  const header = JSON.parse(atob(token.split(".")[0]!));
  assert.deepEqual(header, { alg: "HS256", typ: "JWT", kid: keyId(secret) });
});

Deno.test("forged and stale tokens are all rejected", async () => {
  const cases: Record<string, string> = {
    "alg none": new UnsecuredJWT({ sid: viewer.sessionId }).setSubject(viewer.userId)
      .setIssuer(issuer).setAudience(ACCESS_TOKEN_AUDIENCE).setExpirationTime("1m").encode(),
    "wrong key": await forge({}).sign(new TextEncoder().encode("x".repeat(48))),
    "expired": await forge({ exp: Math.floor(Date.now() / 1000) - 10 }).sign(key),
    "wrong audience": await forge({ aud: "someone-else" }).sign(key),
    "wrong issuer": await forge({ iss: "https://evil.example" }).sign(key),
    "unknown key id": await forge({ kid: "0000000000000000" }).sign(key),
    "HS512 with the same secret": await forge({ alg: "HS512" }).sign(key),
    "garbage": "not.a.token",
  };
  const good = (await tokens.sign(viewer)).token;
  const [h, p, s] = good.split(".");
  const claims = JSON.parse(atob(p!.replace(/-/g, "+").replace(/_/g, "/")));
  const tampered = btoa(JSON.stringify({ ...claims, sub: crypto.randomUUID() }))
    .replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  cases["tampered payload"] = `${h}.${tampered}.${s}`;

  for (const [name, token] of Object.entries(cases)) {
    await assert.rejects(tokens.verify(token), /./, `${name} was accepted`);
  }
});
