/**
 * A consistent backup of the whole database (our tables and pg-boss's jobs)
 * while it runs: every table is read in one repeatable-read snapshot, with
 * ACCESS SHARE locks that keep a migration from changing a table meanwhile
 * (writes go on), the way `pg_dump` does it. The archive's format is in
 * db/backup_format.ts.
 *
 * Row-level security is switched off for the session (`row_security = off`),
 * so the role must be exempt from it (a superuser, or a role created exempt):
 * Postgres then refuses rather than silently writing a backup that policies
 * filtered. The app's roles never are (db/migrations/0001).
 *
 * @example
 * ```ts
 * const file = await Deno.open("alatar.backup.gz", { write: true, create: true });
 * const report = await writeBackup(ownerUrl, file.writable);
 * ```
 */
import postgres from "postgres";
import {
  BackupHeader,
  BackupTrailer,
  countRows,
  END_OF_DATA,
  END_PREFIX,
  ident,
  MAGIC,
  qualified,
  quoted,
  TABLE_PREFIX,
  type TableName,
} from "./backup_format.ts";

/** The schemas a backup holds: ours and pg-boss's. */
export const BACKED_UP_SCHEMAS = ["public", "pgboss"];

export interface BackupReport {
  tables: number;
  rows: number;
  /** Compressed bytes written. */
  bytes: number;
  ms: number;
}

export class BackupError extends Error {
  override name = "BackupError";
}

export async function writeBackup(
  ownerUrl: string,
  out: WritableStream<Uint8Array>,
): Promise<BackupReport> {
  const started = performance.now();
  const gzip = new CompressionStream("gzip") as TransformStream<Uint8Array, Uint8Array>;
  let bytes = 0;
  const counting = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      bytes += chunk.length;
      controller.enqueue(chunk);
    },
  });
  const piped = gzip.readable.pipeThrough(counting).pipeTo(out);
  const writer = gzip.writable.getWriter();
  const encoder = new TextEncoder();
  const line = async (text: string) => {
    await writer.ready;
    await writer.write(encoder.encode(`${text}\n`));
  };

  const sql = postgres(ownerUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const trailer = await sql.begin("isolation level repeatable read read only", async (tx) => {
      await tx`set local row_security = off`;
      const tables = await tablesOf(tx);
      // Taken before the first read, like pg_dump: a migration waits until the backup is done.
      if (tables.length > 0) {
        await tx.unsafe(`lock table ${tables.map(quoted).join(", ")} in access share mode`);
      }
      const header: BackupHeader = {
        createdAt: new Date().toISOString(),
        ...(await tx<{ serverVersion: string; database: string }[]>`
          select current_setting('server_version') as "serverVersion",
                 current_database() as database`)[0]!,
        migrations: await tx<{ version: number; checksum: string }[]>`
          select version, checksum from schema_migrations order by version`
          .then((rows) => rows.map((r) => ({ version: r.version, checksum: r.checksum }))),
        jobSchemaVersion: await jobSchemaVersion(tx),
        tables,
      };
      await line(MAGIC);
      await line(JSON.stringify(BackupHeader.parse(header)));
      const rows: Record<string, number> = {};
      for (const table of tables) {
        await line(TABLE_PREFIX + JSON.stringify({ schema: table.schema, name: table.name }));
        rows[qualified(table)] = await copyOut(tx, table, writer);
        await line(END_OF_DATA);
      }
      return { rows, sequences: await sequencesOf(tx) } satisfies BackupTrailer;
    }).catch((error: Error & { code?: string }) => {
      // 42501 with row_security off: a policy would have hidden rows from this role.
      if (error.code === "42501" && /row-level security/i.test(error.message)) {
        throw new BackupError(
          `The database role cannot read every row (${error.message}). Back up as a superuser ` +
            `or a role exempt from row-level security.`,
        );
      }
      throw error;
    });
    await line(END_PREFIX + JSON.stringify(trailer));
    await writer.close();
    await piped;
    const total = Object.values(trailer.rows).reduce((a, b) => a + b, 0);
    return {
      tables: Object.keys(trailer.rows).length,
      rows: total,
      bytes,
      ms: Math.round(performance.now() - started),
    };
  } catch (error) {
    await writer.abort(error).catch(() => {});
    await piped.catch(() => {});
    throw error;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

type Table = TableName & { columns: string[] };

/**
 * Every table of the backed-up schemas but the migration ledger (the header
 * carries it): partitions are read through their parent, and generated
 * columns are left out, as COPY FROM cannot write them.
 */
async function tablesOf(tx: postgres.TransactionSql): Promise<Table[]> {
  const rows = await tx<{ schema: string; name: string; columns: string[] }[]>`
    select n.nspname as schema, c.relname as name,
           array_agg(a.attname::text order by a.attnum) as columns
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      and a.attgenerated = ''
    where n.nspname = any(${BACKED_UP_SCHEMAS}) and c.relkind in ('r', 'p')
      and not c.relispartition
      and not (n.nspname = 'public' and c.relname = 'schema_migrations')
    group by n.nspname, c.relname
    order by n.nspname desc, c.relname`;
  const tables = rows.map((r) => ({ schema: r.schema, name: r.name, columns: r.columns }));
  const references = await tx<{ from: string; to: string }[]>`
    select format('%s.%s', fn.nspname, f.relname) as from, format('%s.%s', tn.nspname, t.relname) as to
    from pg_constraint k
    join pg_class f on f.oid = k.conrelid join pg_namespace fn on fn.oid = f.relnamespace
    join pg_class t on t.oid = k.confrelid join pg_namespace tn on tn.oid = t.relnamespace
    where k.contype = 'f' and k.conparentid = 0`;
  return inLoadOrder(tables, references);
}

/**
 * Orders tables so that each comes after the tables its foreign keys point to: the restore
 * loads them in archive order with every key checked. A table's references to itself are
 * checked at the end of its COPY, so they need no order.
 */
export function inLoadOrder<T extends TableName>(
  tables: T[],
  references: Array<{ from: string; to: string }>,
): T[] {
  const byName = new Map(tables.map((t) => [qualified(t), t]));
  const needs = new Map(tables.map((t) => [qualified(t), new Set<string>()]));
  for (const { from, to } of references) {
    if (from !== to && byName.has(to)) needs.get(from)?.add(to);
  }
  const ordered: T[] = [];
  const done = new Set<string>();
  while (ordered.length < tables.length) {
    const ready = tables.filter((t) =>
      !done.has(qualified(t)) && [...needs.get(qualified(t))!].every((n) => done.has(n))
    );
    if (ready.length === 0) {
      const left = tables.filter((t) => !done.has(qualified(t))).map(qualified);
      throw new BackupError(`Foreign keys form a cycle among ${left.join(", ")}`);
    }
    for (const t of ready) {
      ordered.push(t);
      done.add(qualified(t));
    }
  }
  return ordered;
}

async function jobSchemaVersion(tx: postgres.TransactionSql): Promise<number | null> {
  const [found] =
    await tx`select 1 from pg_tables where schemaname = 'pgboss' and tablename = 'version'`;
  if (!found) return null;
  const [row] = await tx<{ version: number }[]>`select version from pgboss.version`;
  return row?.version ?? null;
}

/** Sequences are not part of the snapshot: read last, each is at least what the rows used. */
async function sequencesOf(tx: postgres.TransactionSql): Promise<BackupTrailer["sequences"]> {
  const rows = await tx<{ schema: string; name: string; value: string | null }[]>`
    select schemaname as schema, sequencename as name, last_value::text as value
    from pg_sequences where schemaname = any(${BACKED_UP_SCHEMAS})
    order by schemaname, sequencename`;
  return rows.map((r) => ({ schema: r.schema, name: r.name, value: r.value }));
}

/** Streams one table's rows into the archive; returns how many. */
async function copyOut(
  tx: postgres.TransactionSql,
  table: Table,
  writer: WritableStreamDefaultWriter<Uint8Array>,
): Promise<number> {
  const columns = table.columns.map(ident).join(", ");
  // A partitioned parent cannot be COPYed directly; a query over it reads every partition.
  const stream = await tx.unsafe(`copy (select ${columns} from ${quoted(table)}) to stdout`)
    .readable();
  let rows = 0;
  for await (const chunk of stream as AsyncIterable<Uint8Array>) {
    rows += countRows(chunk);
    await writer.ready;
    await writer.write(chunk);
  }
  return rows;
}
