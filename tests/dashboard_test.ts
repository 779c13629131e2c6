/**
 * `GET /app` over HTTP: its headers (the Shopify admin of the shop may frame it, nobody else,
 * and every other route keeps `frame-ancestors 'none'`), an embedded shop's first open linking
 * it by token exchange, refusals that serve no dashboard, and the script (gzipped, cached, within
 * its 150 KB budget). The browser test (dashboard_browser_test.ts) drives the page itself.
 */
import assert from "node:assert/strict";
import { unlinkedStoreTest } from "./helpers/linked_store.ts";
import { createDevStore } from "../devstore/server.ts";
import { SHOP_DOMAIN } from "../devstore/seed.ts";
import { mintSessionToken } from "../devstore/session_tokens.ts";
import { SYNC_QUEUE } from "../mirror/sync_queue.ts";
import { verifySessionToken } from "../shopify/session_tokens.ts";
import { decodeBase64urlIgnorePadding } from "@oslojs/encoding";
import { apiTest, TEST_SHOPIFY_APP } from "./helpers/api.ts";

const SCRIPT_BUDGET_GZIP_BYTES = 150 * 1024;
const scriptPathOf = (html: string) => /<script type="module" src="([^"]+)"/.exec(html)?.[1];

apiTest(
  "standalone, the page may be framed by nobody; its script is gzipped, cached and small",
  async ({ app }) => {
    const page = await app.request("/app");
    assert.equal(page.status, 200);
    const csp = page.headers.get("content-security-policy")!;
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, /style-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
    assert.equal(page.headers.get("cache-control"), "no-store");
    const html = await page.text();
    assert.match(html, /<form id="sign-in-form"/);
    assert.doesNotMatch(html, /app-bridge\.js/, "App Bridge only when embedded");

    const path = scriptPathOf(html)!;
    assert.match(path, /^\/app\/assets\/app-[0-9a-f]{16}\.js$/);
    const zipped = await app.request(path, { headers: { "accept-encoding": "gzip, br" } });
    assert.equal(zipped.headers.get("content-encoding"), "gzip");
    assert.equal(zipped.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.match(zipped.headers.get("content-type")!, /^text\/javascript/);
    const gzipBytes = (await zipped.arrayBuffer()).byteLength;
    assert.ok(gzipBytes <= SCRIPT_BUDGET_GZIP_BYTES, `${gzipBytes} bytes gzipped`);
    const plain = await app.request(path);
    assert.equal(plain.headers.get("content-encoding"), null);
    const script = await plain.text();
    assert.ok(script.length > gzipBytes, "the plain script is the larger");
    assert.match(script, /graphql\/stream/, "it is our bundle");

    assert.equal((await app.request("/app/assets/app-0000000000000000.js")).status, 404);
    // The API's routes are never framed.
    const api = await app.request("/healthz");
    assert.match(api.headers.get("content-security-policy")!, /frame-ancestors 'none'/);
    assert.equal(api.headers.get("x-frame-options"), "DENY");
  },
);

apiTest(
  "an embedded open with a bad shop or token is refused with no dashboard",
  async ({ app }) => {
    const shop = "refused-shop.myshopify.com";
    const open = (query: string) => app.request(`/app?embedded=1&host=aG9zdA&${query}`);
    const token = await mintSessionToken(TEST_SHOPIFY_APP, shop);

    const badShop = await open(`shop=evil.example.com&id_token=${token}`);
    assert.equal(badShop.status, 400);
    assert.match(badShop.headers.get("content-security-policy")!, /frame-ancestors 'none'/);

    const forged = await open(
      `shop=${shop}&id_token=${await mintSessionToken({
        ...TEST_SHOPIFY_APP,
        apiSecret: "z".repeat(32),
      }, shop)}`,
    );
    assert.equal(forged.status, 401);
    const body = await forged.text();
    assert.match(body, /could not confirm this session/);
    assert.doesNotMatch(body, /<script/, "no dashboard, no script");

    const otherShop = await open(
      `shop=${shop}&id_token=${await mintSessionToken(TEST_SHOPIFY_APP, "other.myshopify.com")}`,
    );
    assert.equal(otherShop.status, 401);
    assert.match(await otherShop.text(), /another shop/);
    // Even refused, the page is the shop's admin's to frame (it shows the message there).
    assert.match(
      otherShop.headers.get("content-security-policy")!,
      new RegExp(`frame-ancestors https://${shop} https://admin\\.shopify\\.com`),
    );
  },
);

unlinkedStoreTest(
  "a shop's first open from its admin links it by token exchange and starts its import",
  async ({ t, api }) => {
    const token = await mintSessionToken(TEST_SHOPIFY_APP, SHOP_DOMAIN);
    const page = await api.app.request(
      `/app?embedded=1&shop=${SHOP_DOMAIN}&host=aG9zdA&id_token=${token}`,
    );
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<meta name="shopify-api-key" content="test-app">/);
    assert.match(
      html,
      /<script src="https:\/\/cdn\.shopify\.com\/shopifycloud\/app-bridge\.js">/,
    );
    assert.equal(page.headers.get("x-frame-options"), null);
    assert.match(
      page.headers.get("content-security-policy")!,
      new RegExp(`frame-ancestors https://${SHOP_DOMAIN} https://admin\\.shopify\\.com$`),
    );

    const linked = await t.owner<{ user_id: string; status: string }[]>`
    select user_id, status from linked_accounts where account_identifier = ${SHOP_DOMAIN}`;
    assert.equal(linked.length, 1);
    assert.equal(linked[0]!.status, "active");
    const [job] = await t.owner<{ n: number }[]>`
    select count(*)::int as n from pgboss.job where name = ${SYNC_QUEUE}`;
    assert.equal(job?.n, 1, "the import is queued");

    // The next open finds the link: nothing is exchanged or queued again.
    const again = await api.app.request(
      `/app?embedded=1&shop=${SHOP_DOMAIN}&host=aG9zdA&id_token=${await mintSessionToken(
        TEST_SHOPIFY_APP,
        SHOP_DOMAIN,
      )}`,
    );
    assert.equal(again.status, 200);
    await again.body?.cancel();
    const [after] = await t.owner<{ n: number }[]>`
    select count(*)::int as n from pgboss.job where name = ${SYNC_QUEUE}`;
    assert.equal(after?.n, 1);
  },
);

Deno.test("the dev store's admin opens the embedded dashboard with a fresh session token", async () => {
  const store = createDevStore({ app: TEST_SHOPIFY_APP, appUrl: "http://alatar.test" });
  const opened = await store.fetch(
    new Request(`http://devstore/${SHOP_DOMAIN}/admin/apps/${TEST_SHOPIFY_APP.apiKey}`),
  );
  assert.equal(opened.status, 302);
  const target = new URL(opened.headers.get("location")!);
  assert.equal(target.origin + target.pathname, "http://alatar.test/app");
  assert.equal(target.searchParams.get("shop"), SHOP_DOMAIN);
  assert.equal(
    new TextDecoder().decode(decodeBase64urlIgnorePadding(target.searchParams.get("host")!)),
    "admin.shopify.com/store/alatar-demo",
  );
  const claims = await verifySessionToken(target.searchParams.get("id_token")!, TEST_SHOPIFY_APP);
  assert.equal(claims.shop, SHOP_DOMAIN);
  const unknown = await store.fetch(
    new Request(`http://devstore/${SHOP_DOMAIN}/admin/apps/other-app`),
  );
  assert.equal(unknown.status, 404);
  await unknown.body?.cancel();
});
