/**
 * Each test gets its own database, cloned from a template that was migrated
 * once per run. Cloning takes tens of milliseconds, so tests are independent
 * without paying for migrations each time. The template's name carries the
 * migrations' checksum, so an edited schema never reuses a stale template.
 */
import postgres from "postgres";
import { connectDatabase, type Database, type Sql } from "../../db/database.ts";
import { loadMigrations, migrate } from "../../db/migrate.ts";
import { installJobSchema } from "../../queues.ts";
import { createLogger, type Logger } from "../../log/logger.ts";

export interface TestDatabase {
  /** Owner URL of this test's own database (migrations, spawned processes). */
  url: string;
  /** The runtime handle, exactly as the app uses it. */
  db: Database;
  /** An owner connection, for setting up fixtures and inspecting the catalog. */
  owner: Sql;
  log: Logger;
}

const quiet = createLogger({ level: "error" });
let template: Promise<string> | undefined;

export function serverUrl(): string {
  const url = Deno.env.get("DATABASE_URL");
  if (!url) throw new Error("DATABASE_URL is unset: run the suite with `deno task test`");
  return url;
}

export function databaseUrl(name: string): string {
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

async function ensureTemplate(): Promise<string> {
  const migrations = await loadMigrations();
  const digest = migrations.map((m) => m.checksum.slice(0, 8)).join("").slice(-24);
  const name = `alatar_template_${digest}`;
  const admin = postgres(serverUrl(), { max: 1, onnotice: () => {} });
  try {
    await admin`select pg_advisory_lock(4242)`;
    const [found] = await admin`select 1 from pg_database where datname = ${name}`;
    if (!found) {
      await admin.unsafe(`create database "${name}_building"`);
      const building = databaseUrl(`${name}_building`);
      await migrate(building, quiet, migrations);
      // pg-boss's schema and our queues too, as every process sets them up at start.
      await installJobSchema(building, quiet);
      await admin.unsafe(`alter database "${name}_building" rename to "${name}"`);
    }
    await admin`select pg_advisory_unlock(4242)`;
  } finally {
    await admin.end();
  }
  return name;
}

/**
 * The migrated template's name, built once per cluster. Besides a template, it guarantees the
 * cluster-wide roles exist: a test that migrates an empty database of its own waits for it,
 * or two migrations creating the same role on a fresh cluster would race.
 */
export function migratedTemplate(): Promise<string> {
  template ??= ensureTemplate();
  return template;
}

/** A fresh, migrated database for one test; `close()` drops it. */
export async function createTestDatabase(): Promise<TestDatabase & { close(): Promise<void> }> {
  template ??= ensureTemplate();
  const source = await template;
  const name = `alatar_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = postgres(serverUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}" template "${source}" strategy file_copy`);
  const url = databaseUrl(name);
  const db = connectDatabase({ url, poolMax: 4, log: quiet });
  const owner = postgres(url, { max: 2, onnotice: () => {} });
  return {
    url,
    db,
    owner,
    log: quiet,
    async close() {
      await Promise.all([db.end(), owner.end()]);
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

/**
 * `Deno.test` with a fresh database. `close()` in `finally` frees its pools, so
 * Deno's op and resource sanitizers stay on (their default): a test that leaves
 * a timer, a socket or a response body behind fails.
 */
export function dbTest(name: string, fn: (t: TestDatabase) => Promise<void>): void {
  Deno.test({
    name,
    async fn() {
      const t = await createTestDatabase();
      try {
        await fn(t);
      } finally {
        await t.close();
      }
    },
  });
}

/** Creates a user as that user (through the tenant helper) and returns its id. */
export async function createUser(db: Database, email?: string): Promise<string> {
  const id = crypto.randomUUID();
  await db.withTenant(
    id,
    (tx) => tx`insert into users (id, email) values (${id}, ${email ?? `${id}@example.test`})`,
  );
  return id;
}
