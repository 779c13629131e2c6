/**
 * A second API process: the real entry point (`main.ts api`, as
 * `deno task api` runs it) on the test's database, with the test's secrets,
 * so a token issued by the in-process API is accepted here too, as it is
 * across a deployment's processes behind a load balancer.
 */
import { encodeBase64 } from "@oslojs/encoding";
import { freePort } from "../../db/embedded.ts";
import { TEST_ENCRYPTION_KEY, TEST_ISSUER, TEST_JWT_SECRET, TEST_SHOPIFY_APP } from "./api.ts";

/** V8 flags of the API role: memory over peak speed, for processes holding many streams. */
export const API_V8_FLAGS = "--optimize-for-size";

export interface ApiProcess {
  url: string;
  /** For reading its memory and CPU from /proc. */
  pid: number;
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number>;
  /** SIGKILL: the process dies wherever it is, as in a crash. */
  kill(): Promise<void>;
}

export async function startApiProcess(
  databaseUrl: string,
  shopifyAdminBaseUrl: string,
  env: Record<string, string> = {},
) {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../main.ts", import.meta.url).pathname, "api"],
    env: {
      APP_ENV: "test",
      PORT: String(port),
      APP_URL: TEST_ISSUER,
      DATABASE_URL: databaseUrl,
      JWT_SECRET: TEST_JWT_SECRET,
      ALATAR_ENCRYPTION_KEYS: `test:${encodeBase64(TEST_ENCRYPTION_KEY)}`,
      SHOPIFY_API_KEY: TEST_SHOPIFY_APP.apiKey,
      SHOPIFY_API_SECRET: TEST_SHOPIFY_APP.apiSecret,
      SHOPIFY_ADMIN_BASE_URL: shopifyAdminBaseUrl,
      LOG_LEVEL: "error",
      // As `deno task api` and the compose file run it (see docs/live_updates.md, memory).
      DENO_V8_FLAGS: API_V8_FLAGS,
      ...env,
    },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 30_000;
  while (true) {
    const ready = await fetch(`${url}/readyz`).then((r) => r.body?.cancel().then(() => r.ok))
      .catch(() => false);
    if (ready) break;
    if (Date.now() > until) {
      child.kill("SIGKILL");
      await child.status;
      throw new Error("the API process did not become ready in 30 s");
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    pid: child.pid,
    async stop() {
      child.kill("SIGTERM");
      return (await child.status).code;
    },
    async kill() {
      child.kill("SIGKILL");
      await child.status;
    },
  } satisfies ApiProcess;
}
