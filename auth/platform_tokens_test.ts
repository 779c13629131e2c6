/**
 * ID-token verification against the local provider stand-in, which signs as
 * Apple and Google do: the tokens a real app sends pass, and every forgery the
 * issue names is refused with a reason (rotated keys pass after one refetch).
 */
import assert from "node:assert/strict";
import { base64url, importJWK, SignJWT } from "jose";
import { createLogger } from "../log/logger.ts";
import { createKeySet } from "./key_set.ts";
import { startLocalIdProvider } from "./local_id_provider.ts";
import { createIdTokenVerifier, type LoginProvider } from "./platform_tokens.ts";

const log = createLogger({ level: "error" });
const APPLE_ID = "com.alatar.app";
const GOOGLE_ID = "1234-alatar.apps.googleusercontent.com";

async function withProvider(
  provider: LoginProvider,
  fn: (
    p: Awaited<ReturnType<typeof startLocalIdProvider>>,
    verifier: ReturnType<typeof createIdTokenVerifier>,
    keySet: ReturnType<typeof createKeySet>,
  ) => Promise<void>,
) {
  const p = await startLocalIdProvider(provider);
  const keySet = createKeySet({ url: p.jwksUrl, log, cooldownMs: 0 });
  const verifier = createIdTokenVerifier({
    provider,
    clientIds: provider === "apple" ? [APPLE_ID] : ["other-client", GOOGLE_ID],
    keySet,
  });
  try {
    await fn(p, verifier, keySet);
  } finally {
    await p.close();
  }
}

const codeOf = (outcome: { ok: boolean; errors?: Array<{ code: string; message: string }> }) =>
  outcome.ok ? "ok" : `${outcome.errors![0]!.code}: ${outcome.errors![0]!.message}`;

Deno.test("Apple: a real-shaped token passes; its identity is the subject, nonce checked", async () => {
  await withProvider("apple", async (apple, verifier) => {
    const token = await apple.sign({
      audience: APPLE_ID,
      subject: "001234.abcdef0123456789.1234",
      email: "x7k2p9@privaterelay.appleid.com",
      nonce: "raw-nonce-1",
    });
    const outcome = await verifier.verify(token, "raw-nonce-1");
    assert.ok(outcome.ok, codeOf(outcome));
    assert.equal(outcome.value.subject, "001234.abcdef0123456789.1234");
    assert.equal(outcome.value.email, "x7k2p9@privaterelay.appleid.com");
    assert.equal(outcome.value.emailVerified, true);
    assert.equal(outcome.value.privateEmail, true);
    // SHA-256("raw-nonce-1"), computed apart from the code under test.
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode("raw-nonce-1")),
    );
    assert.equal(
      outcome.value.nonceHash,
      [...digest].map((b) => b.toString(16).padStart(2, "0")).join(""),
    );
    assert.match(codeOf(await verifier.verify(token, "another-nonce")), /nonce does not match/);
    assert.match(codeOf(await verifier.verify(token, null)), /^INVALID_INPUT: Send the nonce/);
  });
});

Deno.test("Google: a real-shaped token passes with any configured client id", async () => {
  await withProvider("google", async (google, verifier) => {
    const token = await google.sign({
      audience: GOOGLE_ID,
      subject: "109876543210987654321",
      email: "merchant@example.com",
    });
    const outcome = await verifier.verify(token);
    assert.ok(outcome.ok, codeOf(outcome));
    assert.deepEqual(
      [outcome.value.subject, outcome.value.email, outcome.value.emailVerified],
      ["109876543210987654321", "merchant@example.com", true],
    );
    // Google also writes its issuer without the scheme.
    const bare = await google.sign({
      audience: GOOGLE_ID,
      subject: "1",
      claims: { iss: "accounts.google.com" },
    });
    assert.equal(codeOf(await verifier.verify(bare)), "ok");
  });
});

Deno.test("forgeries and stale tokens are refused, each with its reason", async () => {
  await withProvider("google", async (google, verifier) => {
    const sign = (claims: Record<string, unknown>, issuedAt = 0) =>
      google.sign({ audience: GOOGLE_ID, subject: "42", email: "a@example.com", claims, issuedAt });
    const cases: Array<[string, Promise<string>, RegExp]> = [
      ["wrong audience", sign({ aud: "someone-else" }), /issued for another app/],
      ["wrong issuer", sign({ iss: "https://evil.example" }), /not issued by the provider/],
      ["expired", sign({}, -7200), /expired/],
      ["issued in the future", sign({}, 3600), /too long ago, or in the future/],
      ["garbage", Promise.resolve("not.a.jwt"), /not a valid ID token/],
    ];
    // alg: none, with claims that would otherwise pass.
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: "https://accounts.google.com",
      aud: GOOGLE_ID,
      sub: "42",
      iat: now,
      exp: now + 600,
    };
    const unsigned = `${base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }))}.${
      base64url.encode(JSON.stringify(claims))
    }.`;
    cases.push(["alg none", Promise.resolve(unsigned), /not allowed|not a valid/]);
    // HS256 with the provider's public key as the HMAC secret (the classic key confusion).
    const publicJwk = google.publicJwk();
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    const confused = new SignJWT(claims).setProtectedHeader({ alg: "HS256", kid: publicJwk.kid })
      .sign(secret);
    cases.push(["HS256 with the public key", confused, /algorithm not allowed/]);
    // A key of our own, under the provider's key id.
    const { privateKey } = await crypto.subtle.generateKey(
      {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      },
      true,
      ["sign", "verify"],
    ) as CryptoKeyPair;
    const forged = new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: publicJwk.kid })
      .sign(privateKey);
    cases.push(["signed by another key", forged, /signature is not valid/]);
    for (const [name, token, reason] of cases) {
      const outcome = await verifier.verify(await token);
      assert.match(codeOf(outcome), /^INVALID_INPUT: /, name);
      assert.match(codeOf(outcome), reason, name);
    }
    // The public key itself imports as RS256 only: nothing above slipped through jose.
    assert.ok(await importJWK(publicJwk, "RS256"));
  });
});

Deno.test("a rotated key is fetched once; an outage keeps the keys held", async () => {
  await withProvider("apple", async (apple, verifier, keySet) => {
    const signIn = async (nonce: string) =>
      await verifier.verify(
        await apple.sign({ audience: APPLE_ID, subject: "s", email: "a@example.com", nonce }),
        nonce,
      );
    assert.equal(codeOf(await signIn("n1")), "ok");
    assert.equal(codeOf(await signIn("n2")), "ok");
    assert.equal(keySet.fetches, 1);
    await apple.rotate({ dropOld: true });
    assert.equal(codeOf(await signIn("n3")), "ok");
    assert.equal(keySet.fetches, 2);
    // The provider goes down: keys held keep working.
    apple.setDown(true);
    assert.equal(codeOf(await signIn("n4")), "ok");
    assert.equal(keySet.fetches, 2);
  });
});

Deno.test("no keys held and the provider down: EXTERNAL_SERVICE_ERROR, not a fault", async () => {
  await withProvider("google", async (google, verifier) => {
    google.setDown(true);
    const token = await google.sign({ audience: GOOGLE_ID, subject: "1" });
    assert.match(codeOf(await verifier.verify(token)), /^EXTERNAL_SERVICE_ERROR: /);
    google.setDown(false);
    assert.equal(codeOf(await verifier.verify(token)), "ok");
  });
});

Deno.test("a made-up key id refetches at most once per cooldown", async () => {
  const google = await startLocalIdProvider("google");
  let clock = 0;
  const keySet = createKeySet({ url: google.jwksUrl, log, cooldownMs: 30_000, now: () => clock });
  const verifier = createIdTokenVerifier({ provider: "google", clientIds: [GOOGLE_ID], keySet });
  try {
    const good = await google.sign({ audience: GOOGLE_ID, subject: "1" });
    assert.equal(codeOf(await verifier.verify(good)), "ok");
    const [header, body, signature] = good.split(".");
    const decoded = JSON.parse(new TextDecoder().decode(base64url.decode(header!)));
    for (let i = 0; i < 20; i++) {
      const unknown = `${
        base64url.encode(JSON.stringify({ ...decoded, kid: `made-up-${i}` }))
      }.${body}.${signature}`;
      assert.match(codeOf(await verifier.verify(unknown)), /unknown key/);
    }
    assert.equal(keySet.fetches, 1, "all within the first fetch's cooldown");
    clock += 30_000;
    await verifier.verify(
      `${base64url.encode(JSON.stringify({ ...decoded, kid: "x" }))}.${body}.${signature}`,
    );
    assert.equal(keySet.fetches, 2);
  } finally {
    await google.close();
  }
});

Deno.test("a provider with no client ids configured is off", async () => {
  await withProvider("google", async (google, _verifier, keySet) => {
    const off = createIdTokenVerifier({ provider: "google", clientIds: [], keySet });
    const token = await google.sign({ audience: GOOGLE_ID, subject: "1" });
    assert.match(
      codeOf(await off.verify(token)),
      /^PERMISSION_DENIED: Sign in with Google is not set up/,
    );
  });
});
