/**
 * Applies the numbered SQL files of `db/migrations/` in order, once each,
 * under an advisory lock so concurrent starters do not race. Each file runs
 * in its own transaction and is recorded with a checksum; an applied file
 * that was edited afterwards stops the run (fix forward with a new file).
 *
 * @example
 * ```ts
 * const { applied } = await migrate(ownerUrl, log);
 * ```
 */
import postgres from "postgres";
import { encodeHexLowerCase } from "@oslojs/encoding";
import type { Logger } from "../log/logger.ts";

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const LOCK_KEY = 7_418_291_001; // arbitrary, constant: one lock for every migrator
const DEFAULT_DIR = new URL("./migrations/", import.meta.url);

export async function loadMigrations(dir: URL = DEFAULT_DIR): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const match = entry.isFile ? FILE.exec(entry.name) : null;
    if (!match) continue;
    const sql = await Deno.readTextFile(new URL(entry.name, dir));
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(sql));
    migrations.push({
      version: Number(match[1]),
      name: match[2]!,
      sql,
      checksum: encodeHexLowerCase(new Uint8Array(digest)),
    });
  }
  migrations.sort((a, b) => a.version - b.version);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      throw new Error(`Two migrations share version ${migrations[i]!.version}`);
    }
  }
  return migrations;
}

/** Applies pending migrations as the database owner; returns the names applied. */
export async function migrate(
  ownerUrl: string,
  log: Logger,
  migrations?: Migration[],
): Promise<{ applied: string[] }> {
  const all = migrations ?? await loadMigrations();
  const sql = postgres(ownerUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  const applied: string[] = [];
  try {
    await sql`select pg_advisory_lock(${LOCK_KEY})`;
    await sql`
      create table if not exists schema_migrations (
        version integer primary key,
        name text not null,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`;
    const done = new Map(
      (await sql<{ version: number; name: string; checksum: string }[]>`
        select version, name, checksum from schema_migrations`).map((r) => [r.version, r]),
    );
    for (const m of all) {
      const previous = done.get(m.version);
      if (previous) {
        if (previous.checksum !== m.checksum) {
          throw new Error(
            `Migration ${label(m)} was changed after it was applied (checksum differs). ` +
              `Restore it and add a new migration instead.`,
          );
        }
        continue;
      }
      const started = performance.now();
      await sql.begin(async (tx) => {
        await tx.unsafe(m.sql);
        await tx`insert into schema_migrations (version, name, checksum)
                 values (${m.version}, ${m.name}, ${m.checksum})`;
      });
      applied.push(label(m));
      log.info("migration applied", {
        migration: label(m),
        ms: Math.round(performance.now() - started),
      });
    }
    await sql`select pg_advisory_unlock(${LOCK_KEY})`;
  } finally {
    await sql.end({ timeout: 5 });
  }
  return { applied };
}

function label(m: Migration): string {
  return `${String(m.version).padStart(4, "0")}_${m.name}`;
}
