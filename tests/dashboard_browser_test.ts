/**
 * The dashboard in a real browser (Debian's Chromium, driven by puppeteer-core) against the real
 * API, database, worker and dev store: a merchant signs in, asks, watches the progress reach the
 * answer, sees every kind of chart drawn, approves one action (in two tabs at once: it runs once)
 * and rejects another, finds the history after a reload, signs in again when the session ends
 * without losing the question typed, and opens the page embedded with a session token. axe-core
 * checks every screen.
 *
 * With DASHBOARD_FIGURES=<file> the test writes what it measured (Web Vitals, first paint, the
 * script's size) there, and with DASHBOARD_SCREENSHOTS=<dir> saves the screens:
 * `deno task bench dashboard` runs it so, for docs/benchmarks.md and docs/dashboard.md.
 */
import assert from "node:assert/strict";
import type { Page } from "puppeteer-core";
import { clientBundle } from "../dashboard/bundle.ts";
import { mintSessionToken } from "../devstore/session_tokens.ts";
import { SYNC_QUEUE } from "../mirror/sync_queue.ts";
import { gql, TEST_SHOPIFY_APP } from "./helpers/api.ts";
import {
  inkedPixels,
  launchBrowser,
  phonePage,
  readVitals,
  seriousViolations,
  type Vitals,
  VITALS_OBSERVER,
} from "./helpers/browser.ts";
import { linkedStoreTest } from "./helpers/linked_store.ts";
import { nodeGate } from "./helpers/analysis.ts";

const SCREENSHOTS = Deno.env.get("DASHBOARD_SCREENSHOTS");
const FIGURES = Deno.env.get("DASHBOARD_FIGURES");

/** In-page reads are strings: the tests are type-checked without the DOM's types. */
const text = (page: Page, selector: string) =>
  page.evaluate(
    `document.querySelector(${JSON.stringify(selector)})?.textContent ?? null`,
  ) as Promise<
    string | null
  >;
const count = (page: Page, selector: string) =>
  page.evaluate(`document.querySelectorAll(${JSON.stringify(selector)}).length`) as Promise<number>;

async function signIn(page: Page, credentials: { email: string; password: string }) {
  await page.waitForSelector("#sign-in[open]");
  await page.evaluate(`document.getElementById("email").value = ""`);
  await page.type("#email", credentials.email);
  await page.type("#password", credentials.password);
  await page.click("#sign-in-form button[type=submit]");
  await page.waitForSelector("#sign-in:not([open])");
  await page.waitForSelector("body[data-ready=true]");
}

/** Asks on the Ask screen and waits for the answer; the statuses the card went through. */
async function askOnPage(page: Page, question: string): Promise<string[]> {
  await page.evaluate(`window.__statuses = [];
    new MutationObserver(() => {
      for (const card of document.querySelectorAll("article.request")) {
        const seen = card.dataset.status + " " + (card.querySelector("progress")?.value ?? "");
        if (window.__statuses.at(-1) !== seen) window.__statuses.push(seen);
      }
    }).observe(document.getElementById("answer"), { childList: true, subtree: true });`);
  await page.type("#question", question);
  await page.click("#ask-form button[type=submit]");
  await page.waitForFunction(
    `[...document.querySelectorAll("article.request")].some((a) =>
      a.querySelector("h3")?.textContent === ${JSON.stringify(question)} &&
      a.dataset.status === "COMPLETED")`,
    { timeout: 30_000 },
  );
  return await page.evaluate("window.__statuses") as string[];
}

async function screenshot(page: Page, name: string) {
  if (SCREENSHOTS) {
    await page.screenshot({ path: `${SCREENSHOTS}/${name}.webp`, fullPage: true, quality: 80 });
  }
}

async function show(page: Page, screen: string) {
  // A tab in the background gets no animation frames, which puppeteer's clicks wait for.
  await page.bringToFront();
  await page.click(`nav a[href="#${screen}"]`);
  await page.waitForSelector(`#${screen}:not([hidden])`);
}

/** Holds the worker's pipeline at a node, so a request is seen while it runs. */
const hold = nodeGate();

linkedStoreTest(
  "the dashboard in a browser: ask, see every chart, decide actions, history, an ended session",
  async ({ api, credentials, token, t, userId, store, waitForJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    const appUrl = api.services.appUrl;
    /** The user's requests as the API has them. */
    const listed = async () => {
      const res = await gql(
        api.app,
        `{ listAnalysisRequests(first: 5) { edges { node { prompt
           result { visualizations { type data } } proposedActions { id parameters } } } } }`,
        {},
        { token },
      );
      return res.body.data.listAnalysisRequests.edges.map((e: { node: unknown }) =>
        e.node
      ) as Array<
        {
          prompt: string;
          result: { visualizations: Array<{ type: string; data: { items: [{ value: number }] } }> };
          proposedActions: Array<{ id: string; parameters: { code: string } }>;
        }
      >;
    };
    const browser = await launchBrowser();
    const errors: string[] = [];
    const figures: { vitals?: Vitals; scriptGzipBytes?: number } = {};
    try {
      // Bundled before the first visit, as `main.ts` does at start: a first paint measures serving.
      await clientBundle({ prebuilt: false });
      const page = await phonePage(browser, errors);
      await page.evaluateOnNewDocument(VITALS_OBSERVER);
      const opened = await page.goto(`${appUrl}/app`);
      assert.equal(opened?.status(), 200);
      assert.match(opened!.headers()["content-security-policy"]!, /frame-ancestors 'none'/);
      await screenshot(page, "sign-in");
      assert.deepEqual(await seriousViolations(page), [], "sign-in");
      await signIn(page, credentials);

      // Ask, and watch the progress reach the answer over the subscription.
      const streamsBefore = api.updates.watched;
      const statuses = await askOnPage(page, "Why did sales drop last week?");
      assert.match(statuses[0]!, /^(PENDING|PROCESSING) \d+$/, statuses.join(" → "));
      assert.equal(statuses.at(-1), "COMPLETED ");
      assert.ok(api.updates.watched > streamsBefore, "it followed the request live");
      // "Why" answers with tiles, a line and a bar chart; "Which" with a bar chart and a table.
      const drawn = async (type: string) => {
        const selector = `figure[data-type=${type}] canvas`;
        assert.ok(await count(page, selector) > 0, `${type} shown`);
        const inked = await inkedPixels(page, selector);
        assert.ok(inked > 2000, `${type} drawn (${inked} pixels painted)`);
      };
      await drawn("LINE_CHART");
      const tile = await text(page, "figure[data-type=KPI] .tile .value");
      assert.match(tile ?? "", /^-?\$[\d,]+(\.\d\d)?$/, `KPI tile "${tile}"`);
      // The tile shows the API's figure, to the cent (or the unit, from 1,000 up).
      const why = (await listed()).find((r) => r.prompt.startsWith("Why"))!;
      const kpi = why.result.visualizations.find((v) => v.type === "KPI")!.data.items[0].value;
      const shown = Number(tile!.replace(/[$,]/g, ""));
      assert.ok(
        Math.abs(shown - kpi) <= (Math.abs(kpi) >= 1000 ? 0.5 : 0.005),
        `${tile} vs ${kpi}`,
      );
      await screenshot(page, "ask");
      assert.deepEqual(await seriousViolations(page), [], "ask with an answer");
      await page.click("#new-thread");
      await askOnPage(page, "Which products should I discount?");
      await drawn("BAR_CHART");
      assert.ok(await count(page, "figure[data-type=TABLE] tbody tr") > 0, "table rows");
      await screenshot(page, "ask-table");

      // Approve one action in two tabs at once (it runs once), reject the other.
      const [approve] = (await listed()).find((r) => r.prompt.startsWith("Which"))!.proposedActions;
      const [reject] = why.proposedActions;
      assert.ok(approve && reject, "two proposals");
      // Its own window, as a merchant's second tab beside the first: both are shown, so both run.
      const second = await phonePage(browser, errors, { window: true });
      await second.goto(`${appUrl}/app#actions`);
      await signIn(second, credentials);
      await show(page, "actions");
      const card = (id: string) => `#actions li.action[data-action-id="${id}"]`;
      for (const tab of [page, second]) {
        await tab.bringToFront();
        await tab.waitForSelector(`${card(approve.id)}[data-status=PROPOSED] button.primary`);
        await tab.click(`${card(approve.id)} button.primary`);
        await tab.waitForSelector("#confirm[open]");
      }
      await screenshot(page, "approve");
      // Both confirmed in the same instant (a click event in each page, without waiting on frames).
      const confirmOk = `document.getElementById("confirm-ok").click()`;
      await Promise.all([page.evaluate(confirmOk), second.evaluate(confirmOk)]);
      for (const tab of [page, second]) {
        await tab.bringToFront();
        await tab.waitForSelector(`${card(approve.id)}[data-status=EXECUTED]`, { timeout: 15_000 });
      }
      assert.equal(
        store.shop.discounts.filter((d) => d.code === approve.parameters.code).length,
        1,
        "the discount was created once",
      );
      await second.close();
      await page.bringToFront();
      await page.click(`${card(reject.id)} button:not(.primary)`);
      await page.waitForSelector("#confirm[open]");
      await page.click("#confirm-ok");
      await page.waitForSelector(`${card(reject.id)}[data-status=REJECTED]`);
      assert.equal(store.shop.discounts.some((d) => d.code === reject.parameters.code), false);
      await show(page, "actions"); // re-read: the audit log has the decisions
      await page.waitForFunction(
        `document.querySelector("#audit-list")?.textContent.includes("action.executed")`,
      );
      await screenshot(page, "actions");
      assert.deepEqual(await seriousViolations(page), [], "actions");
      figures.vitals = await readVitals(page);

      // After a reload (tokens were in memory only): sign in, and the history is there, threaded.
      await page.reload();
      await signIn(page, credentials);
      const polled = page.waitForResponse((r) =>
        r.url().includes("/graphql?") && r.request().method() === "GET" && r.status() === 200
      );
      await show(page, "history");
      await polled;
      // The next poll, nothing having changed: 304 with no body.
      const unchanged = await page.waitForResponse(
        (r) => r.url().includes("/graphql?") && r.status() === 304,
        { timeout: 15_000 },
      );
      assert.equal(unchanged.headers()["content-length"] ?? "0", "0");
      assert.equal(await count(page, "#history-list li.thread"), 2);
      assert.equal(await count(page, "#history-list li[data-request-id]"), 2);
      await screenshot(page, "history");
      assert.deepEqual(await seriousViolations(page), [], "history");

      // A thread continues from the history: the follow-up is read against its last question.
      await page.evaluate(`[...document.querySelectorAll("#history-list button.link")]
        .find((b) => b.textContent.startsWith("Why")).click()`);
      await page.waitForSelector("#ask:not([hidden]) article.request[data-status=COMPLETED]");
      assert.match(await text(page, "#thread-note") ?? "", /continue “Why did sales drop/);
      await askOnPage(page, "and the week before?");
      const threads = await t.owner<{ prompt: string; conversation_id: string }[]>`
        select prompt, conversation_id from analysis_requests
        where user_id = ${userId} and (prompt like 'Why%' or prompt = 'and the week before?')`;
      assert.equal(threads.length, 2);
      assert.equal(threads[0]!.conversation_id, threads[1]!.conversation_id, "one thread");
      assert.match(
        await text(page, "#answer article.request .interpretation") ?? "",
        /\d/,
        "the follow-up is answered",
      );

      await show(page, "store");
      await page.waitForSelector(`li[data-store="${store.shop.domain}"]`);
      // The returns policy, changed and saved from the page, is what refunds are checked against.
      const days = `li[data-store="${store.shop.domain}"] form.return-policy input[type=number]`;
      await page.click(days, { count: 3 });
      await page.type(days, "45");
      await page.click(`li[data-store="${store.shop.domain}"] form.return-policy button`);
      await page.waitForFunction(
        `document.querySelector("form.return-policy [role=status]").textContent === "Saved."`,
      );
      const [policy] = await t.owner<{ return_window_days: number }[]>`
        select return_window_days from store_return_policies where user_id = ${userId}`;
      assert.equal(policy?.return_window_days, 45);
      await screenshot(page, "store");
      assert.deepEqual(await seriousViolations(page), [], "store");

      // The session ends while a question is typed: sign in again, and it is asked (once).
      await show(page, "ask");
      const question = "How many orders did I get in October?";
      await page.type("#question", question);
      await t.owner`update refresh_tokens set revoked_at = now() where user_id = ${userId}`;
      api.services.sessions.forgetUser(userId);
      await page.click("#ask-form button[type=submit]");
      await page.waitForSelector("#sign-in[open]");
      assert.match(await text(page, "#sign-in-reason") ?? "", /session has ended/);
      assert.equal(await page.evaluate(`document.getElementById("question").value`), question);
      // The address is kept from the last sign-in; only the password is asked for.
      assert.equal(
        await page.evaluate(`document.getElementById("email").value`),
        credentials.email,
      );
      assert.equal(await page.evaluate(`document.activeElement.id`), "password");
      await page.type("#password", credentials.password);
      await page.click("#sign-in-form button[type=submit]");
      await page.waitForFunction(
        `[...document.querySelectorAll("article.request h3")].some((h) => h.textContent === ${
          JSON.stringify(question)
        })`,
      );
      assert.equal(await page.evaluate(`document.getElementById("question").value`), "");
      const [askedOnce] = await t.owner<{ n: number }[]>`
        select count(*)::int as n from analysis_requests where user_id = ${userId} and prompt = ${question}`;
      assert.equal(askedOnce?.n, 1, "asked once");

      // A request still running is followed live on the History screen, not only by its poll.
      const arrived = hold.arm("plan");
      const running = "How many orders did I get last week?";
      await page.type("#question", running);
      await page.click("#ask-form button[type=submit]");
      await arrived;
      const historyStream = page.waitForRequest((r) =>
        r.url().endsWith("/graphql/stream") &&
        (r.postData() ?? "").includes("analysisRequestUpdates") &&
        !(r.postData() ?? "").includes("visualizations")
      );
      await show(page, "history");
      await historyStream;
      void hold.open();
      await page.waitForFunction(
        `[...document.querySelectorAll("#history-list li[data-request-id]")].some((li) =>
          li.querySelector("button").textContent === ${JSON.stringify(running)} &&
          li.querySelector(".status").textContent === "COMPLETED")`,
      );

      // Signed in all along, the page stored no token anywhere a script could read it later.
      assert.equal(
        await page.evaluate(`localStorage.length + sessionStorage.length + document.cookie.length`),
        0,
      );
      figures.scriptGzipBytes = (await clientBundle({ prebuilt: false })).gzip.length;
      assert.deepEqual(errors, [], "no script errors");
    } finally {
      await browser.close();
    }
    if (FIGURES) await Deno.writeTextFile(FIGURES, JSON.stringify(figures));
  },
  { worker: true, analysis: { onNode: (node) => hold.onNode(node), onNodeEnd: hold.onNodeEnd } },
);

linkedStoreTest(
  "the dashboard embedded in the Shopify admin: opened with a session token; forged, expired and other-shop tokens are refused",
  async ({ api, store, waitForJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    const appUrl = api.services.appUrl;
    const shop = store.shop.domain;
    const host = btoa(`admin.shopify.com/store/${shop.split(".")[0]}`).replace(/=+$/, "");
    const open = (idToken: string, forShop = shop) =>
      `${appUrl}/app?embedded=1&shop=${forShop}&host=${host}&id_token=${idToken}`;
    const browser = await launchBrowser();
    const errors: string[] = [];
    try {
      const page = await phonePage(browser, errors);
      // Shopify's CDN is out of reach here: App Bridge fails to load, as it would offline.
      await page.setRequestInterception(true);
      page.on("request", (request) => {
        if (request.url().startsWith("https://cdn.shopify.com/")) {
          void request.abort("internetdisconnected");
        } else void request.continue();
      });
      const opened = await page.goto(open(await mintSessionToken(TEST_SHOPIFY_APP, shop)));
      assert.equal(opened?.status(), 200);
      assert.match(
        opened!.headers()["content-security-policy"]!,
        new RegExp(`frame-ancestors https://${shop} https://admin\\.shopify\\.com(;|$)`),
      );
      assert.equal(opened!.headers()["x-frame-options"], undefined);
      await page.waitForSelector("body[data-ready=true]");
      assert.equal(await page.evaluate(`document.getElementById("sign-in").open`), false);
      assert.equal(await text(page, "#who"), shop);
      assert.equal(new URL(page.url()).searchParams.has("id_token"), false, "token left the URL");
      await show(page, "store");
      await page.waitForSelector(`li[data-store="${shop}"]`);
      await screenshot(page, "embedded-store");
      assert.deepEqual(await seriousViolations(page), [], "embedded store");

      assert.deepEqual(errors, [], "no script errors");

      const wrongSecret = { ...TEST_SHOPIFY_APP, apiSecret: "not-the-app-secret" };
      const refusals: Array<[string, string]> = [
        ["forged", open(await mintSessionToken(wrongSecret, shop))],
        [
          "expired",
          open(
            await mintSessionToken(TEST_SHOPIFY_APP, shop, {
              now: new Date(Date.now() - 5 * 60_000),
            }),
          ),
        ],
        ["other shop", open(await mintSessionToken(TEST_SHOPIFY_APP, "other-shop.myshopify.com"))],
      ];
      for (const [what, url] of refusals) {
        const refused = await page.goto(url);
        assert.equal(refused?.status(), 401, what);
        assert.match(
          await text(page, "[role=alert]") ?? "",
          /could not confirm this session/,
          what,
        );
        assert.equal(await count(page, "#ask-form"), 0, `${what}: no dashboard`);
      }
    } finally {
      await browser.close();
    }
  },
  { worker: true },
);
