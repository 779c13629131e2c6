import assert from "node:assert/strict";
import {
  oauthMessage,
  signOAuthQuery,
  signWebhook,
  verifyOAuthQuery,
  verifyWebhook,
} from "./signatures.ts";

const secret = "hush";
const now = Date.UTC(2026, 10, 22, 12, 0, 0);
const timestamp = String(now / 1000);

function signed(extra: Record<string, string> = {}) {
  const params = new URLSearchParams({
    code: "0907a61c0c8d55e99db179b68161bc00",
    shop: "alatar-demo.myshopify.com",
    state: "0.6784241404160823",
    timestamp,
    host: "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvYWxhdGFyLWRlbW8",
    ...extra,
  });
  params.set("hmac", signOAuthQuery(params, secret));
  return params;
}

Deno.test("the signed message is sorted k=v pairs without hmac and signature", () => {
  const params = new URLSearchParams("shop=a.myshopify.com&code=x&hmac=zz&timestamp=1&signature=s");
  assert.equal(oauthMessage(params), "code=x&shop=a.myshopify.com&timestamp=1");
  // Computed independently: printf 'code=x&shop=a.myshopify.com&timestamp=1' | openssl dgst -sha256 -hmac hush
  assert.equal(
    signOAuthQuery(params, secret),
    "07248a6436ce74fff4d0bf39adff3c71238257280cd0e49200f570c7eac365d8",
  );
  // Values holding & or % are escaped before signing, so they cannot forge extra pairs.
  const tricky = new URLSearchParams({
    shop: "a.myshopify.com",
    state: "x&timestamp=2",
    note: "50%",
  });
  assert.equal(oauthMessage(tricky), "note=50%25&shop=a.myshopify.com&state=x%26timestamp=2");
});

Deno.test("a correctly signed, fresh redirect verifies, with parameters in any order", () => {
  const params = signed();
  assert.deepEqual(verifyOAuthQuery(params, secret, { now }), { ok: true });
  const reordered = new URLSearchParams([...params.entries()].reverse());
  assert.deepEqual(verifyOAuthQuery(reordered, secret, { now }), { ok: true });
  const upper = new URLSearchParams(params);
  upper.set("hmac", params.get("hmac")!.toUpperCase());
  assert.deepEqual(verifyOAuthQuery(upper, secret, { now }), { ok: true });
});

Deno.test("tampered, missing, duplicated, stale and off-shop redirects are refused", () => {
  const tampered = signed();
  tampered.set("shop", "evil-store.myshopify.com");
  assert.deepEqual(verifyOAuthQuery(tampered, secret, { now }), {
    ok: false,
    reason: "signature mismatch",
  });

  const missing = signed();
  missing.delete("hmac");
  assert.deepEqual(verifyOAuthQuery(missing, secret, { now }), {
    ok: false,
    reason: "missing signature",
  });

  const doubled = signed();
  doubled.append("hmac", "00");
  assert.deepEqual(verifyOAuthQuery(doubled, secret, { now }), {
    ok: false,
    reason: "missing signature",
  });

  const added = signed();
  added.append("admin", "true");
  assert.equal(verifyOAuthQuery(added, secret, { now }).ok, false);

  assert.deepEqual(verifyOAuthQuery(signed(), "other secret", { now }), {
    ok: false,
    reason: "signature mismatch",
  });
  assert.deepEqual(verifyOAuthQuery(signed(), secret, { now: now + 301_000 }), {
    ok: false,
    reason: "stale timestamp",
  });

  const offShop = signed({ shop: "alatar-demo.example.com" });
  assert.deepEqual(verifyOAuthQuery(offShop, secret, { now }), {
    ok: false,
    reason: "invalid shop",
  });

  const garbage = signed();
  garbage.set("hmac", "not-hex!");
  assert.deepEqual(verifyOAuthQuery(garbage, secret, { now }), {
    ok: false,
    reason: "malformed signature",
  });
});

Deno.test("a webhook signature matches an independent computation", () => {
  // printf '{"id":1,"topic":"orders/create"}' | openssl dgst -sha256 -hmac hush -binary | base64
  const body = new TextEncoder().encode('{"id":1,"topic":"orders/create"}');
  assert.equal(signWebhook(body, secret), "rlYwtxSz64KhPygOLXbekmzsjq0OqrcotnlUzAe2yuQ=");
});

Deno.test("webhook bodies are verified over the raw bytes", () => {
  const body = new TextEncoder().encode(
    JSON.stringify({ id: 820982911946154500, email: "jon@example.com" }),
  );
  const header = signWebhook(body, secret);
  assert.equal(verifyWebhook(body, header, secret), true);
  const reserialised = new TextEncoder().encode(
    JSON.stringify(JSON.parse(new TextDecoder().decode(body)), null, 1),
  );
  assert.equal(verifyWebhook(reserialised, header, secret), false);
  assert.equal(verifyWebhook(body, header, "other"), false);
  assert.equal(verifyWebhook(body, null, secret), false);
  assert.equal(verifyWebhook(body, "%%%", secret), false);
});
