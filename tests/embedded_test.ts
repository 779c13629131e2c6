/** Starting the embedded server: clear messages for the problems a newcomer meets. */
import assert from "node:assert/strict";
import postgres from "postgres";
import {
  DEFAULT_EMBEDDED_PORT,
  EmbeddedPostgresError,
  type EmbeddedPostgresOptions,
  freePort,
  type RunningPostgres,
  startEmbeddedPostgres,
} from "../db/embedded.ts";
import { createLogger } from "../log/logger.ts";

Deno.test({
  name: "a busy port gives a message that names the port and the ways out",
  async fn() {
    const dir = await Deno.makeTempDir();
    const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (taken.addr as Deno.NetAddr).port;
    try {
      const error = await startEmbeddedPostgres({
        dataDir: `${dir}/pg`,
        port,
        password: "pw",
        persistent: false,
        log: createLogger({ level: "error" }),
      }).then(() => null, (e) => e);
      assert.ok(error instanceof EmbeddedPostgresError, String(error));
      assert.match(error.message, new RegExp(`Port ${port} is already in use`));
      assert.match(error.message, /EMBEDDED_PG_PORT/);
      assert.match(error.message, /DATABASE_URL/);
    } finally {
      taken.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "a server left running by a killed process is stopped and the data kept",
  async fn() {
    const dir = await Deno.makeTempDir();
    const lines: string[] = [];
    const log = createLogger({ level: "warn", write: (l) => lines.push(l) });
    const options = {
      dataDir: `${dir}/pg`,
      port: freePort(),
      password: "pw",
      persistent: true,
      log,
    };
    const first = await startEmbeddedPostgres(options);
    const sql = postgres(first.url, { max: 1, onnotice: () => {} });
    await sql`create table kept (n int)`;
    await sql`insert into kept values (42)`;
    await sql.end();
    // No stop(): as if the owning process had been killed with SIGKILL.
    const second = await startEmbeddedPostgres({ ...options, port: freePort() });
    try {
      assert.ok(lines.some((l) => l.includes("leftover embedded postgres")));
      const again = postgres(second.url, { max: 1 });
      const [row] = await again`select n from kept`;
      await again.end();
      assert.equal(row!.n, 42);
    } finally {
      await second.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "as root, a data directory the postgres user cannot reach gives a clear message",
  ignore: Deno.uid() !== 0,
  async fn() {
    const hidden = await Deno.makeTempDir(); // mode 0700: private to root
    try {
      const error = await startEmbeddedPostgres({
        dataDir: `${hidden}/data/postgres`,
        port: freePort(),
        password: "pw",
        persistent: false,
        log: createLogger({ level: "error" }),
      }).then(() => null, (e) => e);
      assert.ok(error instanceof EmbeddedPostgresError, String(error));
      assert.match(error.message, /cannot reach/);
      assert.match(error.message, /DATA_DIR/);
    } finally {
      await Deno.remove(hidden, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "each data directory keeps a port of its own; a one-shot command finds the running server's",
  async fn() {
    const dir = await Deno.makeTempDir();
    const log = createLogger({ level: "error" });
    const at = (name: string, extra: Partial<EmbeddedPostgresOptions> = {}) =>
      startEmbeddedPostgres({
        dataDir: `${dir}/${name}`,
        password: "pw",
        persistent: true,
        log,
        ...extra,
      });
    const portOf = (url: string) => Number(new URL(url).port);
    // The default port is busy (another checkout's server, say): every start still succeeds.
    let squatter: Deno.Listener | undefined;
    try {
      squatter = Deno.listen({ hostname: "127.0.0.1", port: DEFAULT_EMBEDDED_PORT });
    } catch (error) {
      if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    }
    const servers: RunningPostgres[] = [];
    try {
      const a = await at("a");
      servers.push(a);
      const b = await at("b");
      servers.push(b);
      assert.notEqual(portOf(a.url), DEFAULT_EMBEDDED_PORT);
      assert.notEqual(portOf(a.url), portOf(b.url));
      for (const server of [a, b]) {
        const sql = postgres(server.url, { max: 1 });
        assert.deepEqual([...await sql`select 1 as one`], [{ one: 1 }]);
        await sql.end();
      }

      // `deno task sync` beside a running start: it reads the port the server really has.
      const attached = await at("a", { attachIfRunning: true });
      assert.equal(attached.url, a.url);
      await attached.stop(); // leaves the server running
      const sql = postgres(a.url, { max: 1 });
      assert.deepEqual([...await sql`select 1 as one`], [{ one: 1 }]);
      await sql.end();

      // Started again, a directory gets the port it had.
      await servers.shift()!.stop();
      const again = await at("a");
      servers.unshift(again);
      assert.equal(again.url, a.url);
    } finally {
      squatter?.close();
      for (const server of servers) await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
