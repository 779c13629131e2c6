/**
 * The backup archive: one gzip stream of lines, written by db/backup.ts and
 * read by db/restore.ts.
 *
 *   ALATAR BACKUP 1
 *   {header: when, server version, migrations, tables and their columns}
 *   TABLE {"schema":"public","name":"users"}
 *   …rows in COPY's text format, one per line (COPY escapes newlines)…
 *   \.
 *   …one TABLE section per table…
 *   END {trailer: rows per table, sequence values}
 *
 * Why not `pg_dump`: the embedded server is PostgreSQL 18 and Debian's client
 * is 15, which refuses to dump a newer server; our own reader also restores
 * into the schema our migrations build, at the backup's migration version,
 * and checks the result before it commits. Column values are written as
 * Postgres prints them, so encrypted credentials stay encrypted.
 */
import { z } from "zod";

export const MAGIC = "ALATAR BACKUP 1";
export const TABLE_PREFIX = "TABLE ";
export const END_PREFIX = "END ";
/** COPY's end-of-data marker, alone on its line. */
export const END_OF_DATA = "\\.";

export const TableName = z.object({ schema: z.string().min(1), name: z.string().min(1) });
export type TableName = z.infer<typeof TableName>;

export const BackupHeader = z.object({
  createdAt: z.string(),
  serverVersion: z.string(),
  database: z.string(),
  migrations: z.array(z.object({ version: z.number().int(), checksum: z.string() })),
  /** pg-boss's schema version, or null when the database has no job schema. */
  jobSchemaVersion: z.number().int().nullable(),
  tables: z.array(TableName.extend({ columns: z.array(z.string()).min(1) })),
});
export type BackupHeader = z.infer<typeof BackupHeader>;

export const BackupTrailer = z.object({
  /** Rows written per table, keyed by {@link qualified} name. */
  rows: z.record(z.string(), z.number().int().nonnegative()),
  sequences: z.array(TableName.extend({ value: z.string().nullable() })),
});
export type BackupTrailer = z.infer<typeof BackupTrailer>;

/** `schema.name`, quoted for SQL. */
export function quoted(table: TableName): string {
  return `${ident(table.schema)}.${ident(table.name)}`;
}

export function qualified(table: TableName): string {
  return `${table.schema}.${table.name}`;
}

export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** True for the line that ends a table's rows (COPY escapes every backslash in data). */
export function isEndOfData(line: Uint8Array): boolean {
  return line.length === 2 && line[0] === 0x5c && line[1] === 0x2e;
}

/** Counts the rows in a chunk of COPY text output: one newline ends each row. */
export function countRows(chunk: Uint8Array): number {
  let rows = 0;
  for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
  return rows;
}

/**
 * Splits a byte stream into lines (without their newline). The bytes of a line are
 * kept as they are: rows go back to COPY untouched, whatever their encoding.
 */
export async function* readLines(input: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  let pending = new Uint8Array(0);
  for await (const chunk of input) {
    let data = chunk;
    if (pending.length > 0) {
      data = new Uint8Array(pending.length + chunk.length);
      data.set(pending);
      data.set(chunk, pending.length);
    }
    let start = 0;
    for (let end = data.indexOf(10); end !== -1; end = data.indexOf(10, start)) {
      yield data.subarray(start, end);
      start = end + 1;
    }
    pending = data.slice(start);
  }
  if (pending.length > 0) yield pending;
}
