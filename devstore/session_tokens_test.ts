import assert from "node:assert/strict";
import { decodeJwt } from "jose";
import { verifySessionToken } from "../shopify/session_tokens.ts";
import { mintSessionToken } from "./session_tokens.ts";

const APP = { apiKey: "alatar-app", apiSecret: "app-secret-of-thirty-two-bytes!!" };

Deno.test("the dev store's session tokens carry Shopify's claims and pass our check", async () => {
  const jwt = await mintSessionToken(APP, "alatar-demo.myshopify.com", { staffUserId: "7" });
  const claims = decodeJwt(jwt);
  assert.equal(claims.iss, "https://alatar-demo.myshopify.com/admin");
  assert.equal(claims.dest, "https://alatar-demo.myshopify.com");
  assert.equal(claims.exp! - claims.nbf!, 60);
  assert.ok(claims.jti && claims.sid);
  assert.deepEqual(await verifySessionToken(jwt, APP), {
    shop: "alatar-demo.myshopify.com",
    shopifyUserId: "7",
  });
});
