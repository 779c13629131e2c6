import assert from "node:assert/strict";
import { SignJWT, UnsecuredJWT } from "jose";
import { SessionTokenError, verifySessionToken } from "./session_tokens.ts";

const APP = { apiKey: "alatar-app", apiSecret: "app-secret-of-thirty-two-bytes!!" };
const SHOP = "alatar-demo.myshopify.com";
const NOW = new Date("2026-12-07T12:00:00Z");
const at = (offset: number) => Math.floor(NOW.getTime() / 1000) + offset;

/** A token as the Shopify admin signs one, with `change` applied to its claims. */
function token(
  change: Record<string, unknown> = {},
  options: { secret?: string; alg?: string } = {},
) {
  const claims: Record<string, unknown> = {
    iss: `https://${SHOP}/admin`,
    dest: `https://${SHOP}`,
    aud: APP.apiKey,
    sub: "42",
    exp: at(60),
    nbf: at(0),
    iat: at(0),
    jti: crypto.randomUUID(),
    sid: "s1",
    ...change,
  };
  for (const [key, value] of Object.entries(claims)) if (value === undefined) delete claims[key];
  return new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? "HS256" })
    .sign(new TextEncoder().encode(options.secret ?? APP.apiSecret));
}

async function refused(jwt: string | Promise<string>, reason: RegExp, now = NOW) {
  await assert.rejects(
    verifySessionToken(await jwt, APP, now),
    (error: Error) => error instanceof SessionTokenError && reason.test(error.message),
  );
}

Deno.test("a session token from the shop's admin names the shop and the staff member", async () => {
  assert.deepEqual(await verifySessionToken(await token(), APP, NOW), {
    shop: SHOP,
    shopifyUserId: "42",
  });
  // Ten seconds of leeway either side, as Shopify's libraries allow.
  assert.equal(
    (await verifySessionToken(await token(), APP, new Date(NOW.getTime() + 69_000))).shop,
    SHOP,
  );
});

Deno.test("a forged, expired, early, foreign or other-shop session token is refused", async () => {
  await refused(token({}, { secret: "another app's secret, 32 bytes.." }), /signature/);
  await refused(token(), /expired/, new Date(NOW.getTime() + 71_000));
  await refused(token({ nbf: at(30) }), /not valid yet/);
  await refused(token({ aud: "another-app" }), /another app/);
  await refused(token({ dest: "https://other-shop.myshopify.com" }), /different shops/);
  await refused(
    token({ iss: "https://evil.example.com/admin", dest: "https://evil.example.com" }),
    /issuer/,
  );
  await refused(token({ dest: undefined }), /lacks iss or dest/);
  await refused(token({ exp: undefined }), /exp claim/);
  await refused(token({}, { alg: "HS512" }), /HS256/);
  await refused(
    new UnsecuredJWT({ iss: `https://${SHOP}/admin`, dest: `https://${SHOP}`, aud: APP.apiKey })
      .encode(),
    /HS256|malformed/,
  );
  await refused("not a token", /malformed/);
});
