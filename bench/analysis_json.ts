/**
 * Runs the analysis benchmark once and prints its figures as JSON on the last
 * line of stdout. `deno task bench analysis <rev>` runs this file in a clone
 * of `<rev>` (with this harness copied in) and in this tree, back to back, so
 * two pipelines are measured by the same code on the same machine.
 *
 * Environment: ANALYSIS_BENCH_COUNT (analyses per burst), ANALYSIS_BENCH_SETUPS
 * ("1x4,2x2": worker processes × jobs side by side per queue).
 */
import { measureAnalysis, type WorkerSetup } from "./analysis_bench.ts";

export function parseSetups(text: string | undefined): WorkerSetup[] | undefined {
  return text?.split(",").map((setup) => {
    const match = /^([1-9]\d?)x([1-9]\d?)$/.exec(setup.trim());
    if (!match) {
      throw new Error(
        `ANALYSIS_BENCH_SETUPS: expected workers x concurrency, like 2x4; got "${setup}"`,
      );
    }
    return { workers: Number(match[1]), concurrency: Number(match[2]) };
  });
}

if (import.meta.main) {
  const figures = await measureAnalysis({
    pickups: 50,
    analyses: Number(Deno.env.get("ANALYSIS_BENCH_COUNT") ?? 600),
    setups: parseSetups(Deno.env.get("ANALYSIS_BENCH_SETUPS")),
  });
  console.log(JSON.stringify(figures));
}
