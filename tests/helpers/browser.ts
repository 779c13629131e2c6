/**
 * A real Chromium (Debian's package) driven by puppeteer-core, for the dashboard's tests. The
 * browser is found on the PATH or at CHROMIUM_PATH; `.ci/run` installs it when missing.
 */
import puppeteer, { type Browser, type Page } from "puppeteer-core";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

export function chromiumPath(): string {
  const configured = Deno.env.get("CHROMIUM_PATH");
  if (configured) return configured;
  for (const path of CANDIDATES) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not here
    }
  }
  throw new Error(
    "Chromium is needed for the dashboard's tests: apt-get install -y chromium (or set CHROMIUM_PATH)",
  );
}

export async function launchBrowser(): Promise<Browser> {
  return await puppeteer.launch({
    executablePath: chromiumPath(),
    // The sandbox needs user namespaces, which containers (and root) often lack.
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
    headless: true,
    protocolTimeout: 60_000,
  });
}

/** A phone-sized page (an iPhone 15's viewport) that fails the test on any script error. */
export async function phonePage(
  browser: Browser,
  errors: string[],
  options: { window?: boolean } = {},
): Promise<Page> {
  // A page in a window of its own is shown beside the others; tabs of one window are shown one at
  // a time, and Chromium holds back a hidden tab's work.
  const page = await browser.newPage(options.window ? { type: "window" } : {});
  await page.setViewport({
    width: 393,
    height: 852,
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("console", (message) => {
    // App Bridge's CDN cannot be reached from here: its load failing is expected.
    if (message.location().url?.startsWith("https://cdn.shopify.com/")) return;
    if (message.type() === "error") errors.push(message.text());
  });
  return page;
}

/**
 * Records the page's Web Vitals as Chrome reports them (installed before any of the page runs):
 * first paint, LCP, CLS (the sum of shifts without recent input: an upper bound of the session
 * window the metric takes) and INP (the slowest interaction; the metric's own with fewer than 50).
 */
export const VITALS_OBSERVER = `
window.__vitals = { firstPaint: null, lcp: null, cls: 0, inp: 0 };
const observe = (type, each, extra = {}) =>
  new PerformanceObserver((list) => list.getEntries().forEach(each))
    .observe({ type, buffered: true, ...extra });
observe("paint", (e) => { if (e.name === "first-paint") window.__vitals.firstPaint = e.startTime; });
observe("largest-contentful-paint", (e) => { window.__vitals.lcp = e.startTime; });
observe("layout-shift", (e) => { if (!e.hadRecentInput) window.__vitals.cls += e.value; });
observe("event", (e) => {
  if (e.interactionId) window.__vitals.inp = Math.max(window.__vitals.inp, e.duration);
}, { durationThreshold: 16 });
`;

export interface Vitals {
  firstPaint: number | null;
  lcp: number | null;
  cls: number;
  inp: number;
}

export async function readVitals(page: Page): Promise<Vitals> {
  return await page.evaluate(() => (globalThis as unknown as { __vitals: Vitals }).__vitals);
}

const AXE_SOURCE = Deno.readTextFileSync(
  new URL("../../node_modules/axe-core/axe.min.js", import.meta.url),
);

/** axe-core's serious and critical violations on what the page shows now. */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(AXE_SOURCE);
  // In-page code is a string: the tests are type-checked without the DOM's types.
  return await page.evaluate(`(async () => {
    const { violations } = await axe.run(document, { resultTypes: ["violations"] });
    return violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => v.id + ": " + v.help + " (" + v.nodes.map((n) => n.target.join(" ")).join(", ") + ")");
  })()`) as string[];
}

/** How many of the canvas's pixels are painted (not transparent): a drawn chart has thousands. */
export async function inkedPixels(page: Page, selector: string): Promise<number> {
  return await page.evaluate(`(() => {
    const canvas = document.querySelector(${JSON.stringify(selector)});
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let inked = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) inked++;
    return inked;
  })()`) as number;
}
