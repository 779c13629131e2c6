/**
 * Restores an archive of db/backup.ts into an empty database:
 *
 *  1. refuses a database that holds data, or one migrated past the backup;
 *  2. applies our migrations up to the backup's version, then pg-boss's schema
 *     and our queues (`installJobSchema`, from queues.ts);
 *  3. loads every table in one transaction, with our triggers off (the rows
 *     already carry what they would have written: events, conversations),
 *     checks row counts against the archive's trailer, sets the sequences and
 *     runs the caller's `verify` (decrypting a sample of credentials), and
 *     commits only when all of that holds;
 *  4. applies the migrations newer than the backup, so they convert its rows.
 *
 * pg-boss's own bookkeeping (its version, queue list, statistics) is rebuilt
 * rather than restored; its jobs and schedules are restored for the queues
 * the code still has, and the report counts any left out.
 */
import postgres from "postgres";
import { finished } from "node:stream/promises";
import type { Writable } from "node:stream";
import type { Logger } from "../log/logger.ts";
import { loadMigrations, migrate, type Migration } from "./migrate.ts";
import {
  BackupHeader,
  BackupTrailer,
  END_PREFIX,
  ident,
  isEndOfData,
  MAGIC,
  qualified,
  quoted,
  readLines,
  TABLE_PREFIX,
  TableName,
} from "./backup_format.ts";

export interface RestoreOptions {
  /** Owner URL of the target database; the role must bypass row-level security. */
  ownerUrl: string;
  log: Logger;
  migrations?: Migration[];
  /** Creates pg-boss's schema and our queues (queues.ts `installJobSchema`). */
  installJobSchema(ownerUrl: string): Promise<void>;
  /**
   * Runs inside the restore's transaction, before it commits: throw to roll the
   * restore back. Returns a line for the report (e.g. "12 of 12 credentials decrypt").
   */
  verify?(tx: postgres.TransactionSql): Promise<string>;
}

export interface RestoreReport {
  database: string;
  backupCreatedAt: string;
  tables: number;
  rows: number;
  /** Rows of the archive deliberately not loaded, per table, with why. */
  skipped: Array<{ table: string; rows: number; reason: string }>;
  /** Migrations newer than the backup, applied after its rows were loaded. */
  migratedAfter: string[];
  checks: string[];
  ms: number;
}

export class RestoreError extends Error {
  override name = "RestoreError";
}

/** Rows that migrations write (reference data), rebuilt by them rather than restored. */
const BUILT_BY_MIGRATIONS = new Set(["public.status_transitions"]);
/** pg-boss's bookkeeping, rebuilt by `installJobSchema` and the workers. */
const BUILT_BY_JOB_SCHEMA = new Set([
  "pgboss.version",
  "pgboss.queue",
  "pgboss.queue_stats",
  "pgboss.bam",
  "pgboss.warning",
]);
/** pg-boss tables restored through a filter on their queue, which must still exist. */
const QUEUE_COLUMN: Record<string, string> = {
  "pgboss.job": "name",
  "pgboss.job_dependency": "child_name",
  "pgboss.schedule": "name",
  "pgboss.subscription": "name",
};
/** Written by a fresh start (schedules): the archive's rows replace them. */
const REPLACED = new Set(["pgboss.schedule", "pgboss.subscription"]);
const BATCH_BYTES = 256 * 1024;

export async function restoreBackup(
  input: ReadableStream<Uint8Array>,
  options: RestoreOptions,
): Promise<RestoreReport> {
  const started = performance.now();
  const lines = readLinesOf(input);
  const decoder = new TextDecoder();
  const text = async (what: string) => {
    const next = await lines.next();
    if (next.done) throw new RestoreError(`The archive ends before ${what}: it is truncated.`);
    return decoder.decode(next.value);
  };

  if ((await text("its first line").catch(notAnArchive)) !== MAGIC) notAnArchive();
  const header = parseJson(BackupHeader, await text("its header"), "header");
  const migrations = options.migrations ?? await loadMigrations();
  const upTo = checkMigrations(header, migrations);

  const sql = postgres(options.ownerUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const [{ database }] = await sql<[{ database: string }]>`select current_database() as database`;
    await refuseUnlessEmpty(sql, database, header, upTo);
    await migrate(options.ownerUrl, options.log, migrations.filter((m) => m.version <= upTo));
    if (header.jobSchemaVersion !== null) await options.installJobSchema(options.ownerUrl);

    const loaded = await sql.begin(async (tx) => {
      await tx`set local row_security = off`;
      const skipped: RestoreReport["skipped"] = [];
      const read: Record<string, number> = {};
      const counts: Record<string, number> = {};
      const ours = header.tables.filter((t) => t.schema === "public");
      for (const t of ours) await tx.unsafe(`alter table ${quoted(t)} disable trigger user`);

      for (;;) {
        const line = await text("its end marker");
        if (line.startsWith(END_PREFIX)) {
          const trailer = parseJson(BackupTrailer, line.slice(END_PREFIX.length), "trailer");
          checkCounts(trailer, read, counts, skipped);
          await setSequences(tx, trailer);
          for (const t of ours) await tx.unsafe(`alter table ${quoted(t)} enable trigger user`);
          const checks = options.verify ? [await options.verify(tx)] : [];
          return { skipped, counts, checks };
        }
        if (!line.startsWith(TABLE_PREFIX)) {
          throw new RestoreError(
            `The archive is damaged: expected a table, found "${line.slice(0, 40)}".`,
          );
        }
        const name = parseJson(TableName, line.slice(TABLE_PREFIX.length), "table name");
        const table = header.tables.find((t) => qualified(t) === qualified(name));
        if (!table) {
          throw new RestoreError(`The archive's header does not list ${qualified(name)}.`);
        }
        const key = qualified(table);
        if (BUILT_BY_MIGRATIONS.has(key) || BUILT_BY_JOB_SCHEMA.has(key)) {
          read[key] = await skipRows(lines);
          skipped.push({
            table: key,
            rows: read[key]!,
            reason: BUILT_BY_MIGRATIONS.has(key) ? "written by migrations" : "rebuilt by pg-boss",
          });
          continue;
        }
        const column = QUEUE_COLUMN[key];
        if (column) {
          const result = await loadJobTable(tx, table, column, lines);
          read[key] = result.read;
          counts[key] = result.loaded;
          if (result.read > result.loaded) {
            skipped.push({
              table: key,
              rows: result.read - result.loaded,
              reason: "their queue no longer exists",
            });
          }
          continue;
        }
        read[key] = await copyIn(tx, quoted(table), table.columns, lines);
        const [{ n }] = await tx.unsafe<[{ n: number }]>(
          `select count(*)::int as n from ${quoted(table)}`,
        );
        counts[key] = n;
      }
    }).catch((error: Error & { code?: string }) => {
      if (error.code === "42501" && /row-level security/i.test(error.message)) {
        throw new RestoreError(
          `The database role is subject to row-level security (${error.message}). Restore as ` +
            `a superuser or a role exempt from row-level security.`,
        );
      }
      throw error;
    });

    const after = await migrate(options.ownerUrl, options.log, migrations);
    return {
      database,
      backupCreatedAt: header.createdAt,
      tables: Object.keys(loaded.counts).length,
      rows: Object.values(loaded.counts).reduce((a, b) => a + b, 0),
      skipped: loaded.skipped,
      migratedAfter: after.applied,
      checks: loaded.checks,
      ms: Math.round(performance.now() - started),
    };
  } finally {
    await sql.end({ timeout: 5 });
    await lines.return(undefined);
  }
}

function notAnArchive(): never {
  throw new RestoreError("This file is not an Alatar backup (made by `deno task backup`).");
}

/** The archive's lines; a gzip stream that breaks off is reported as a damaged archive. */
async function* readLinesOf(input: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const gunzip = new DecompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>;
  try {
    yield* readLines(input.pipeThrough(gunzip));
  } catch (error) {
    throw new RestoreError(
      `The archive is damaged or truncated (${error instanceof Error ? error.message : error}).`,
    );
  }
}

function parseJson<T>(schema: { parse(value: unknown): T }, text: string, what: string): T {
  try {
    return schema.parse(JSON.parse(text));
  } catch {
    throw new RestoreError(`The archive's ${what} is damaged.`);
  }
}

/** The backup's last migration; every one it applied must be ours, unchanged. */
function checkMigrations(header: BackupHeader, migrations: Migration[]): number {
  const known = new Map(migrations.map((m) => [m.version, m]));
  for (const { version, checksum } of header.migrations) {
    const ours = known.get(version);
    if (!ours) {
      throw new RestoreError(
        `The backup was made by a newer Alatar (it has migration ${version}, this one does not): ` +
          `restore it with that version or newer.`,
      );
    }
    if (ours.checksum !== checksum) {
      throw new RestoreError(`Migration ${version} differs from the one the backup was made with.`);
    }
  }
  return Math.max(0, ...header.migrations.map((m) => m.version));
}

async function refuseUnlessEmpty(
  sql: postgres.Sql,
  database: string,
  header: BackupHeader,
  upTo: number,
): Promise<void> {
  const [ledger] =
    await sql`select 1 from pg_tables where schemaname = 'public' and tablename = 'schema_migrations'`;
  if (ledger) {
    const [{ newest }] = await sql<[{ newest: number | null }]>`
      select max(version) as newest from schema_migrations`;
    if (newest !== null && newest > upTo) {
      throw new RestoreError(
        `Refusing to restore into "${database}": it is migrated past the backup (${newest} > ${upTo}). ` +
          `Restore into a new, empty database.`,
      );
    }
  }
  const existing = new Set(
    (await sql<{ name: string }[]>`
      select schemaname || '.' || tablename as name from pg_tables
      where schemaname in ('public', 'pgboss')`).map((r) => r.name),
  );
  const holding: string[] = [];
  for (const table of header.tables) {
    const key = qualified(table);
    if (!existing.has(key) || BUILT_BY_MIGRATIONS.has(key) || BUILT_BY_JOB_SCHEMA.has(key)) {
      continue;
    }
    if (REPLACED.has(key)) continue;
    const [row] = await sql.unsafe(`select 1 from ${quoted(table)} limit 1`);
    if (row) holding.push(key);
  }
  if (holding.length > 0) {
    throw new RestoreError(
      `Refusing to restore into "${database}": it holds data (${holding.slice(0, 5).join(", ")}` +
        `${holding.length > 5 ? ", …" : ""}). Restore into a new, empty database.`,
    );
  }
}

/** Streams one section's rows into `COPY target FROM STDIN`; returns how many it read. */
async function copyIn(
  tx: postgres.TransactionSql,
  target: string,
  columns: string[],
  lines: AsyncGenerator<Uint8Array>,
): Promise<number> {
  const stream = await tx.unsafe(`copy ${target} (${columns.map(ident).join(", ")}) from stdin`)
    .writable() as Writable;
  let rows = 0;
  let batch: Uint8Array[] = [];
  let size = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const joined = new Uint8Array(size);
    let at = 0;
    for (const part of batch) {
      joined.set(part, at);
      at += part.length;
    }
    batch = [];
    size = 0;
    if (!stream.write(joined)) await new Promise((resolve) => stream.once("drain", resolve));
  };
  for (;;) {
    const next = await lines.next();
    if (next.done) {
      stream.destroy(new RestoreError("The archive is truncated inside a table."));
      throw new RestoreError("The archive ends inside a table: it is truncated.");
    }
    const line = next.value;
    if (isEndOfData(line)) break;
    const withNewline = new Uint8Array(line.length + 1);
    withNewline.set(line);
    withNewline[line.length] = 10;
    batch.push(withNewline);
    size += withNewline.length;
    rows++;
    if (size >= BATCH_BYTES) await flush();
  }
  await flush();
  stream.end();
  await finished(stream);
  return rows;
}

async function skipRows(lines: AsyncGenerator<Uint8Array>): Promise<number> {
  let rows = 0;
  for (;;) {
    const next = await lines.next();
    if (next.done) throw new RestoreError("The archive ends inside a table: it is truncated.");
    if (isEndOfData(next.value)) return rows;
    rows++;
  }
}

/** pg-boss rows go through a scratch table, so those of queues the code dropped stay out. */
async function loadJobTable(
  tx: postgres.TransactionSql,
  table: TableName & { columns: string[] },
  queueColumn: string,
  lines: AsyncGenerator<Uint8Array>,
): Promise<{ read: number; loaded: number }> {
  const scratch = ident(`restore_${table.name}`);
  await tx.unsafe(`create temp table ${scratch} (like ${quoted(table)}) on commit drop`);
  const read = await copyIn(tx, scratch, table.columns, lines);
  if (REPLACED.has(qualified(table))) await tx.unsafe(`delete from ${quoted(table)}`);
  const columns = table.columns.map(ident).join(", ");
  const inserted = await tx.unsafe(
    `insert into ${quoted(table)} (${columns}) select ${columns} from ${scratch}
     where ${ident(queueColumn)} in (select name from pgboss.queue)`,
  );
  return { read, loaded: inserted.count };
}

function checkCounts(
  trailer: BackupTrailer,
  read: Record<string, number>,
  loaded: Record<string, number>,
  skipped: RestoreReport["skipped"],
): void {
  for (const [table, rows] of Object.entries(trailer.rows)) {
    if (read[table] !== rows) {
      throw new RestoreError(
        `The archive is damaged: ${table} should hold ${rows} rows, it holds ${read[table] ?? 0}.`,
      );
    }
    const left = skipped.filter((s) => s.table === table).reduce((n, s) => n + s.rows, 0);
    if (table in loaded && loaded[table] !== rows - left) {
      throw new RestoreError(
        `${table} has ${loaded[table]} rows after loading ${
          rows - left
        }: the restore is rolled back.`,
      );
    }
  }
}

async function setSequences(tx: postgres.TransactionSql, trailer: BackupTrailer): Promise<void> {
  for (const seq of trailer.sequences) {
    if (seq.value === null) continue;
    await tx`select setval(to_regclass(${quoted(seq)}), ${seq.value}::bigint, true)
             where to_regclass(${quoted(seq)}) is not null`;
  }
}
