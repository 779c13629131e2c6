/** The real entry point as a child process: configuration errors, readiness, graceful shutdown. */
import assert from "node:assert/strict";
import { freePort } from "../db/embedded.ts";
import { dbTest } from "./helpers/test_db.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

function spawnMain(role: string, env: Record<string, string>) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, role],
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

const baseEnv = () => ({ PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "/tmp" });

Deno.test("production with a missing secret exits non-zero, naming the variable", async () => {
  const child = spawnMain("api", {
    ...baseEnv(),
    APP_ENV: "production",
    DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
    APP_URL: "https://alatar.example.com",
    EMAIL_API_URL: "https://api.mail.example/email",
    EMAIL_API_KEY: "key",
    SHOPIFY_API_KEY: "key",
    SHOPIFY_API_SECRET: "secret",
    ALATAR_ENCRYPTION_KEYS: `k1:${btoa(String.fromCharCode(...new Uint8Array(32)))}`,
  });
  const { code, stderr } = await child.output();
  const text = new TextDecoder().decode(stderr);
  assert.equal(code, 2);
  assert.match(text, /JWT_SECRET: is required/);
  assert.doesNotMatch(text, /ALATAR_ENCRYPTION_KEYS/);
});

Deno.test("an unknown role is refused with the list of roles", async () => {
  const { code, stderr } = await spawnMain("serve", baseEnv()).output();
  assert.equal(code, 2);
  assert.match(new TextDecoder().decode(stderr), /start, api, worker, migrate, keys:rotate/);
});

dbTest("start serves /readyz, then drains and exits 0 on SIGTERM", async (t) => {
  const port = freePort();
  const dataDir = await Deno.makeTempDir();
  const child = spawnMain("start", {
    ...baseEnv(),
    APP_ENV: "test",
    DATABASE_URL: t.url,
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: "debug",
    DEVSTORE_PORT: String(freePort()),
  });
  const lines: Array<Record<string, unknown>> = [];
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const readUntil = async (predicate: (l: Record<string, unknown>) => boolean) => {
    while (!lines.some(predicate)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`process ended early: ${JSON.stringify(lines.slice(-3))}`);
      buffered += value;
      const parts = buffered.split("\n");
      buffered = parts.pop()!;
      for (const part of parts) if (part.startsWith("{")) lines.push(JSON.parse(part));
    }
  };
  try {
    await readUntil((l) => l.msg === "ready");
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: "ready" });

    child.kill("SIGTERM");
    await readUntil((l) => l.msg === "closed" && l.step === "postgres");
    const status = await child.status;
    assert.equal(status.code, 0);
    const closed = lines.filter((l) => l.msg === "closed").map((l) => l.step);
    assert.deepEqual(closed, [
      // Open event streams end first, or the server would wait on them.
      "live updates",
      "http server",
      // No request is left to check, count or authenticate: the document checker's thread stops,
      // unused leases go back, the LISTEN ends.
      "graphql document checker",
      "request counts",
      "answer cache",
      "session cache",
      "password hasher",
      // The dev store, the APNs client and the job handlers' pool outlive pg-boss, so jobs in
      // flight can finish.
      "pg-boss",
      "apns client",
      "local apns",
      "job handler pools",
      "dev store",
      "database pools",
      "postgres",
    ]);
    assert.deepEqual(lines.filter((l) => l.level === "error"), []);
  } finally {
    await reader.cancel().catch(() => {});
    await child.stderr.cancel().catch(() => {});
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test({
  name:
    "deno task devstore serves the demo shop's OAuth for the configured app, and refuses without keys",
  async fn() {
    const port = freePort();
    const script = new URL("../devstore/main.ts", import.meta.url).pathname;
    const withoutKeys = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script],
      env: { ...baseEnv(), DEVSTORE_PORT: String(port) },
      clearEnv: true,
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(withoutKeys.code, 2);
    assert.match(
      new TextDecoder().decode(withoutKeys.stderr),
      /SHOPIFY_API_KEY and SHOPIFY_API_SECRET/,
    );

    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script],
      env: {
        ...baseEnv(),
        DEVSTORE_PORT: String(port),
        SHOPIFY_API_KEY: "key",
        SHOPIFY_API_SECRET: "secret",
      },
      clearEnv: true,
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    try {
      let seen = "";
      while (!seen.includes("Dev store for")) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`devstore exited: ${seen}`);
        seen += value;
      }
      const authorize = await fetch(
        `http://127.0.0.1:${port}/alatar-demo.myshopify.com/admin/oauth/authorize?client_id=key&scope=read_orders` +
          `&redirect_uri=${
            encodeURIComponent("http://localhost:8000/auth/shopify/callback")
          }&state=s`,
        { redirect: "manual" },
      );
      await authorize.body?.cancel();
      assert.equal(authorize.status, 302);
      const location = new URL(authorize.headers.get("location")!);
      assert.equal(location.searchParams.get("shop"), "alatar-demo.myshopify.com");
      assert.match(location.searchParams.get("hmac") ?? "", /^[0-9a-f]{64}$/);
      const wrongApp = await fetch(
        `http://127.0.0.1:${port}/alatar-demo.myshopify.com/admin/oauth/authorize?client_id=other&redirect_uri=x`,
        { redirect: "manual" },
      );
      await wrongApp.body?.cancel();
      assert.equal(wrongApp.status, 400);
    } finally {
      child.kill("SIGTERM");
      await reader.cancel().catch(() => {});
      await child.status;
    }
  },
});

dbTest("migrate applies pending migrations and exits 0", async (t) => {
  // The test database is already migrated: the run must find nothing to do and still succeed.
  const { code, stdout } = await spawnMain("migrate", {
    ...baseEnv(),
    APP_ENV: "test",
    DATABASE_URL: t.url,
    DATA_DIR: await Deno.makeTempDir(),
  }).output();
  assert.equal(code, 0);
  assert.doesNotMatch(new TextDecoder().decode(stdout), /"level":"error"/);
  const [row] = await t.owner`select count(*)::int as n from schema_migrations`;
  assert.ok(row!.n >= 6);
});
