/**
 * Issue #17's Ctrl-C figure: how long `deno task start` takes to exit after
 * SIGINT while the first import of the demo shop is running (the import is cut
 * short at its next batch; the next start resumes it), at several points of
 * the import, and, for comparison, once the import is done.
 */
import { freePort } from "../db/embedded.ts";
import { scratchDataDir, startProcess } from "./start_process.ts";

export interface StopRun {
  /** ms after the shop was linked (its import queued) that SIGINT was sent. */
  after: number;
  ms: number;
  code: number;
  /** Whether the import was still running and was cut short. */
  interrupted: boolean;
}

export interface StopFigures {
  duringImport: StopRun[];
  /** A start on the same data directory, stopped once its import has finished. */
  idle: Array<{ ms: number; code: number }>;
}

export async function measureStop(delaysMs: number[]): Promise<StopFigures> {
  const figures: StopFigures = { duringImport: [], idle: [] };
  for (const after of delaysMs) {
    const scratch = await scratchDataDir("alatar-stop-");
    try {
      const devStorePort = freePort();
      const first = await startProcess(scratch.dir, devStorePort);
      await first.waitFor(/"msg":"Shopify store linked"/);
      await new Promise((r) => setTimeout(r, after));
      const stopped = await first.interrupt();
      figures.duringImport.push({
        after,
        ...stopped,
        interrupted: first.lines.some((l) => l.includes("sync interrupted by shutdown")),
      });
      const second = await startProcess(scratch.dir, devStorePort);
      // Resumed, or (when the first start finished it) brought up to date.
      await second.waitFor(/"msg":"store (imported|changes synced)"/);
      figures.idle.push(await second.interrupt());
    } finally {
      await scratch.remove();
    }
  }
  return figures;
}
