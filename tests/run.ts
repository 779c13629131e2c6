/**
 * `deno task test`: runs the whole suite against a real PostgreSQL server —
 * `DATABASE_URL` when set, otherwise a throwaway embedded server — and ends
 * with the line CI reads: `N passed, N failed`.
 *
 * Extra arguments go to `deno test` (e.g. `deno task test tests/tenancy_test.ts`).
 * Test files run in parallel, one per core: every test has its own database
 * (cloned from a migrated template), its own dev store and ports, so files
 * share nothing but the server. On 2 cores this halves the suite's time.
 */
import { freePort, startEmbeddedPostgres } from "../db/embedded.ts";
import { createLogger } from "../log/logger.ts";

const log = createLogger({ level: "warn" });
const scratch = await Deno.makeTempDir({ prefix: "alatar-test-" });
let databaseUrl = Deno.env.get("DATABASE_URL");
let stopServer = () => Promise.resolve();

if (!databaseUrl) {
  const server = await startEmbeddedPostgres({
    dataDir: `${scratch}/postgres`,
    port: freePort(),
    password: crypto.randomUUID(),
    persistent: false,
    log,
    // Durability buys nothing for a throwaway test cluster; speed does.
    settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off" },
  });
  databaseUrl = server.url;
  stopServer = server.stop;
}

const child = new Deno.Command(Deno.execPath(), {
  args: ["test", "-A", "--parallel", ...Deno.args],
  env: { DATABASE_URL: databaseUrl, APP_ENV: "test", DATA_DIR: `${scratch}/data`, NO_COLOR: "1" },
  stdout: "piped",
  stderr: "inherit",
}).spawn();

// Echo the runner's output while keeping its tail for the summary line.
let tail = "";
const decoder = new TextDecoder();
for await (const chunk of child.stdout) {
  await Deno.stdout.write(chunk);
  tail = (tail + decoder.decode(chunk, { stream: true })).slice(-4096);
}
const { code } = await child.status;
await stopServer();
await Deno.remove(scratch, { recursive: true }).catch(() => {});

const summary = /(\d+) passed.*?\|\s*(\d+) failed/.exec(tail);
if (summary) {
  console.log(`${summary[1]} passed, ${summary[2]} failed`);
} else {
  console.log("0 passed, 1 failed (the test runner printed no summary)");
}
Deno.exit(code !== 0 ? code : summary ? 0 : 1);
