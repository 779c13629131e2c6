/**
 * `main.ts start` as a newcomer runs it, in a child process with a data
 * directory of its own, for benchmarks that need the whole system: it
 * resolves once the process logs `ready`, and keeps its log lines.
 */
import { freePort } from "../db/embedded.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

export interface StartedProcess {
  url: string;
  child: Deno.ChildProcess;
  /** Every log line so far. */
  lines: string[];
  /** Resolves with the first line that matches. */
  waitFor(pattern: RegExp): Promise<string>;
  /** SIGINT, then the ms until the process exited and its exit code. */
  interrupt(): Promise<{ ms: number; code: number }>;
}

/**
 * Starts `main.ts start` on `dataDir`. A second start of the same directory
 * should pass the same `devStorePort`: a resumed import reads the bulk result
 * at the address the first one was given, as with Shopify's fixed address.
 */
export async function startProcess(
  dataDir: string,
  devStorePort = freePort(),
): Promise<StartedProcess> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "start"],
    env: {
      PORT: String(port),
      DATA_DIR: dataDir,
      DEVSTORE_PORT: String(devStorePort),
      LOG_LEVEL: "info",
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  const read = async (stream: ReadableStream<Uint8Array<ArrayBuffer>>) => {
    let pending = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      pending += chunk;
      const parts = pending.split("\n");
      pending = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        for (const waiter of waiters.filter((w) => w.pattern.test(line))) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  };
  const drained = Promise.all([read(child.stdout), read(child.stderr)]);
  const waitFor = (pattern: RegExp) => {
    const seen = lines.find((l) => pattern.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      waiters.push({ pattern, resolve });
      child.status.then((s) =>
        reject(
          new Error(`start exited (${s.code}) before ${pattern}:\n${lines.slice(-20).join("\n")}`),
        )
      );
    });
  };
  await waitFor(/"msg":"ready"/);
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    lines,
    waitFor,
    async interrupt() {
      const sent = performance.now();
      child.kill("SIGINT");
      const { code } = await child.status;
      const ms = performance.now() - sent;
      await drained;
      return { ms, code };
    },
  };
}

/** A data directory the embedded server can use, also when run as root. */
export async function scratchDataDir(
  prefix: string,
): Promise<{ dir: string; remove(): Promise<void> }> {
  const root = await Deno.makeTempDir({ prefix });
  await Deno.chmod(root, 0o755);
  return {
    dir: `${root}/data`,
    remove: () => Deno.remove(root, { recursive: true }).catch(() => {}),
  };
}
