/**
 * Starts tests/helpers/worker_process.ts (the real worker) as its own process, for tests that
 * kill one (SIGKILL) mid-job, and reads what it prints (`READY`, `PAUSED <node>`).
 */
import { encodeBase64 } from "@oslojs/encoding";
import { TEST_ENCRYPTION_KEY } from "./api.ts";

export interface WorkerProcessOptions {
  databaseUrl: string;
  /** The dev store's Admin API base and our public URL (for a sync the worker may run). */
  shopifyAdminBaseUrl: string;
  appUrl: string;
  /** The orchestrator node at which the worker prints `PAUSED <node>` and hangs. */
  pauseAt?: string;
  /** More environment for worker_process.ts (a local APNs server's address and key). */
  env?: Record<string, string>;
}

export interface WorkerProcess {
  /** Resolves once the process has printed `marker`. */
  waitFor(marker: string): Promise<void>;
  /** SIGKILL: no cleanup, no goodbye, as a crashed machine. */
  stop(): Promise<void>;
}

export function spawnWorker(options: WorkerProcessOptions): WorkerProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./worker_process.ts", import.meta.url).pathname],
    env: {
      TEST_DATABASE_URL: options.databaseUrl,
      TEST_ENCRYPTION_KEY: encodeBase64(TEST_ENCRYPTION_KEY),
      TEST_SHOPIFY_ADMIN_BASE_URL: options.shopifyAdminBaseUrl,
      TEST_APP_URL: options.appUrl,
      ...(options.pauseAt ? { PAUSE_AT: options.pauseAt } : {}),
      ...options.env,
    },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  return {
    async waitFor(marker: string) {
      while (!seen.includes(marker)) {
        const { value, done } = await lines.read();
        if (done) throw new Error(`worker exited before printing ${marker}`);
        seen += value;
      }
    },
    async stop() {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
      await lines.cancel().catch(() => {});
    },
  };
}
