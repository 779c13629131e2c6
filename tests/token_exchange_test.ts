/**
 * Token exchange against the dev store over HTTP, as an embedded dashboard's first open of a
 * shop would run it: App Bridge's session token for an expiring offline access token that the
 * Admin API then accepts. A forged session token never reaches Shopify.
 */
import assert from "node:assert/strict";
import { DEFAULT_SHOPIFY_API_VERSION } from "../config/config.ts";
import { freePort } from "../db/embedded.ts";
import { createDevStore, devStoreBaseUrl } from "../devstore/server.ts";
import { SHOP_DOMAIN } from "../devstore/seed.ts";
import { mintSessionToken } from "../devstore/session_tokens.ts";
import { createLogger } from "../log/logger.ts";
import { exchangeSessionToken } from "../shopify/token_exchange.ts";
import { TEST_SHOPIFY_APP } from "./helpers/api.ts";

Deno.test("a session token of the shop's admin is exchanged for a working offline token", async () => {
  const store = createDevStore({ app: TEST_SHOPIFY_APP });
  const port = freePort();
  let calls = 0;
  const server = Deno.serve({ port, hostname: "127.0.0.1", onListen: () => {} }, (request) => {
    calls++;
    return store.fetch(request);
  });
  const deps = {
    shopify: {
      ...TEST_SHOPIFY_APP,
      adminBaseUrl: devStoreBaseUrl(port),
      scopes: [],
      apiVersion: DEFAULT_SHOPIFY_API_VERSION,
    },
    log: createLogger({ level: "error" }),
  };
  try {
    const exchanged = await exchangeSessionToken(
      deps,
      await mintSessionToken(TEST_SHOPIFY_APP, SHOP_DOMAIN),
    );
    assert.ok(exchanged.ok, JSON.stringify(exchanged));
    assert.equal(exchanged.value.shop, SHOP_DOMAIN);
    assert.ok(exchanged.value.tokens.refresh_token, "an expiring token comes with a refresh token");
    assert.ok(exchanged.value.scopes.includes("read_orders"));

    // The Admin API takes it.
    const answer = await fetch(
      `${devStoreBaseUrl(port).replace("{shop}", SHOP_DOMAIN)}/admin/api/2026-10/graphql.json`,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-shopify-access-token": exchanged.value.tokens.access_token,
        },
        body: JSON.stringify({ query: "{ shop { myshopifyDomain } }" }),
      },
    );
    assert.equal((await answer.json()).data.shop.myshopifyDomain, SHOP_DOMAIN);

    // Forged (another app's secret): refused here, and Shopify is never asked.
    const before = calls;
    const forged = await exchangeSessionToken(
      deps,
      await mintSessionToken({ ...TEST_SHOPIFY_APP, apiSecret: "x".repeat(32) }, SHOP_DOMAIN),
    );
    assert.equal(forged.ok, false);
    assert.equal(!forged.ok && forged.errors[0]!.code, "AUTHENTICATION_REQUIRED");
    assert.equal(calls, before);

    // The stand-in refuses, as Shopify does, a session token of another shop.
    const other = await fetch(
      `${devStoreBaseUrl(port).replace("{shop}", SHOP_DOMAIN)}/admin/oauth/access_token`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          client_id: TEST_SHOPIFY_APP.apiKey,
          client_secret: TEST_SHOPIFY_APP.apiSecret,
          grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
          subject_token: await mintSessionToken(TEST_SHOPIFY_APP, "other-shop.myshopify.com"),
          subject_token_type: "urn:ietf:params:oauth:token-type:id_token",
          requested_token_type: "urn:shopify:params:oauth:token-type:offline-access-token",
        }),
      },
    );
    assert.equal(other.status, 400);
    assert.equal((await other.json()).error, "invalid_subject_token");
  } finally {
    await server.shutdown();
  }
});
