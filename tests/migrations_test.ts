import assert from "node:assert/strict";
import postgres from "postgres";
import { loadMigrations, migrate } from "../db/migrate.ts";
import { createLogger } from "../log/logger.ts";
import { databaseUrl, migratedTemplate, serverUrl } from "./helpers/test_db.ts";

const log = createLogger({ level: "error" });

async function withEmptyDatabase(fn: (url: string) => Promise<void>) {
  // The roles are the cluster's, not the database's: let the template create them first.
  await migratedTemplate();
  const name = `alatar_empty_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = postgres(serverUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  try {
    await fn(databaseUrl(name));
  } finally {
    await admin.unsafe(`drop database "${name}" with (force)`);
    await admin.end();
  }
}

Deno.test("migrations apply from empty, once, in order", async () => {
  await withEmptyDatabase(async (url) => {
    const all = await loadMigrations();
    assert.ok(all.length >= 1);
    assert.deepEqual(
      all.map((m) => m.version),
      [...all.map((m) => m.version)].sort((a, b) => a - b),
    );
    const first = await migrate(url, log);
    assert.equal(first.applied.length, all.length);
    const second = await migrate(url, log);
    assert.deepEqual(second.applied, []);
    const sql = postgres(url, { max: 1 });
    const recorded = await sql`select version from schema_migrations order by version`;
    await sql.end();
    assert.deepEqual(recorded.map((r) => r.version), all.map((m) => m.version));
  });
});

Deno.test("concurrent migrators apply each migration exactly once", async () => {
  await withEmptyDatabase(async (url) => {
    const results = await Promise.all([migrate(url, log), migrate(url, log), migrate(url, log)]);
    const total = results.reduce((n, r) => n + r.applied.length, 0);
    assert.equal(total, (await loadMigrations()).length);
  });
});

Deno.test("an applied migration that was edited stops the run", async () => {
  await withEmptyDatabase(async (url) => {
    const all = await loadMigrations();
    await migrate(url, log, all);
    const edited = all.map((m, i) => i === 0 ? { ...m, checksum: "0".repeat(64) } : m);
    await assert.rejects(migrate(url, log, edited), /was changed after it was applied/);
  });
});

Deno.test("a failing migration leaves nothing half-applied", async () => {
  await withEmptyDatabase(async (url) => {
    const all = await loadMigrations();
    const broken = {
      version: 9999,
      name: "broken",
      checksum: "x",
      sql: "create table t1 (id int); select 1/0;",
    };
    await assert.rejects(migrate(url, log, [...all, broken]), /division by zero/);
    const sql = postgres(url, { max: 1 });
    const [t1] = await sql`select to_regclass('public.t1') as t`;
    const [row] = await sql`select count(*)::int as n from schema_migrations where version = 9999`;
    await sql.end();
    assert.equal(t1!.t, null);
    assert.equal(row!.n, 0);
  });
});
