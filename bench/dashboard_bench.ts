/**
 * The dashboard's figures as the browser test measures them (tests/dashboard_browser_test.ts):
 * Chromium's own first paint, LCP, CLS and INP on a phone-sized page that signs in, asks two
 * questions, draws their charts and approves an action; and the script's gzipped size. Each run is
 * the whole test in its own process (real API, database, worker and dev store); the last one saves
 * the screens into docs/dashboard/ for docs/dashboard.md.
 */
import type { Vitals } from "../tests/helpers/browser.ts";

export interface DashboardRun extends Vitals {
  scriptGzipBytes: number;
}

export async function measureDashboard(runs: number): Promise<DashboardRun[]> {
  const screenshots = new URL("../docs/dashboard/", import.meta.url).pathname;
  await Deno.mkdir(screenshots, { recursive: true });
  const results: DashboardRun[] = [];
  for (let run = 1; run <= runs; run++) {
    const figures = await Deno.makeTempFile({ suffix: ".json" });
    // Through the test runner, which starts the embedded PostgreSQL the test needs.
    const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../tests/run.ts", import.meta.url).pathname,
        // The last run also opens the page embedded, for its screenshot.
        ...(run === runs ? [] : ["--filter", "the dashboard in a browser"]),
        new URL("../tests/dashboard_browser_test.ts", import.meta.url).pathname,
      ],
      env: {
        DASHBOARD_FIGURES: figures,
        ...(run === runs ? { DASHBOARD_SCREENSHOTS: screenshots } : {}),
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!success) {
      const output = new TextDecoder().decode(new Uint8Array([...stdout, ...stderr]));
      throw new Error(`the dashboard's browser test failed:\n${output.slice(-4000)}`);
    }
    const measured = JSON.parse(await Deno.readTextFile(figures));
    await Deno.remove(figures);
    results.push({ ...measured.vitals, scriptGzipBytes: measured.scriptGzipBytes });
    console.error(`dashboard run ${run}/${runs}: ${JSON.stringify(results.at(-1))}`);
  }
  return results;
}
