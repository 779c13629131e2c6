/**
 * The API role as production runs it (`main.ts api`, the V8 flags of `deno
 * task api`), in a child process over a bench stack's database and dev store,
 * resolved once `/readyz` answers 200.
 */
import { encodeBase64 } from "@oslojs/encoding";
import { freePort } from "../db/embedded.ts";
import { devStoreBaseUrl } from "../devstore/server.ts";
import { TEST_SHOPIFY_APP } from "../tests/helpers/api.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

export interface ApiProcess {
  url: string;
  jwtSecret: string;
  child: Deno.ChildProcess;
  /** The exit code once it has exited, else null. */
  exitCode(): number | null;
  /** SIGKILL, and its data directory removed. */
  kill(): Promise<void>;
}

export async function spawnApi(
  stack: { pg: { url: string }; key: Uint8Array; storePort: number },
): Promise<ApiProcess> {
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const jwtSecret = crypto.randomUUID().repeat(2);
  const dataDir = await Deno.makeTempDir({ prefix: "alatar-api-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--optimize-for-size", MAIN, "api"],
    env: {
      APP_ENV: "test",
      PORT: String(port),
      APP_URL: url,
      DATA_DIR: dataDir,
      DATABASE_URL: stack.pg.url,
      JWT_SECRET: jwtSecret,
      ALATAR_ENCRYPTION_KEYS: `test:${encodeBase64(stack.key)}`,
      SHOPIFY_API_KEY: TEST_SHOPIFY_APP.apiKey,
      SHOPIFY_API_SECRET: TEST_SHOPIFY_APP.apiSecret,
      SHOPIFY_ADMIN_BASE_URL: devStoreBaseUrl(stack.storePort),
      LOG_LEVEL: "error",
    },
    stdout: "null",
    stderr: "null",
  }).spawn();
  let exit: number | null = null;
  child.status.then((s) => (exit = s.code));
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`${url}/readyz`).then((r) => (r.body?.cancel(), r.ok), () => false);
    if (ok) break;
    if (exit !== null) throw new Error(`the API exited (${exit}) before it was ready`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    jwtSecret,
    child,
    exitCode: () => exit,
    async kill() {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
}
