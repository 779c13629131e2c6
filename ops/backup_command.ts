/**
 * `deno task backup [file]` and `deno task restore <file> [--database name]`:
 * the operator's side of db/backup.ts and db/restore.ts.
 *
 * A backup is written to `<file>.partial` and renamed when complete, so a
 * file under the final name is always a whole archive. A restore goes into
 * the configured database (DATABASE_URL, or the embedded one), or with
 * `--database` into a database of that name on the same server, created
 * when missing; either way it must be empty.
 */
import postgres from "postgres";
import { writeBackup } from "../db/backup.ts";
import { restoreBackup, RestoreError } from "../db/restore.ts";
import type { TokenCipher } from "../auth/token_cipher.ts";
import { checkStoredCredentials, CredentialCheckError } from "../shopify/credential_check.ts";
import type { Logger } from "../log/logger.ts";

export interface BackupCommandDeps {
  ownerUrl: string;
  log: Logger;
}

export async function runBackupCommand(
  deps: BackupCommandDeps,
  args: string[],
  print: (line: string) => void,
): Promise<number> {
  const file = args[0] ?? `alatar-${new Date().toISOString().replaceAll(":", "-")}.backup.gz`;
  const partial = `${file}.partial`;
  const out = await Deno.open(partial, { write: true, create: true, truncate: true, mode: 0o600 });
  try {
    const report = await writeBackup(deps.ownerUrl, out.writable);
    await Deno.rename(partial, file);
    print(
      `Backed up ${report.rows} rows of ${report.tables} tables to ${file} ` +
        `(${(report.bytes / 1024 / 1024).toFixed(1)} MB, ${(report.ms / 1000).toFixed(1)} s).`,
    );
    return 0;
  } catch (error) {
    await Deno.remove(partial).catch(() => {});
    print(`Backup failed: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
}

export interface RestoreCommandDeps extends BackupCommandDeps {
  cipher: TokenCipher;
  installJobSchema(ownerUrl: string): Promise<void>;
}

export async function runRestoreCommand(
  deps: RestoreCommandDeps,
  args: string[],
  print: (line: string) => void,
): Promise<number> {
  const file = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--database");
  const at = args.indexOf("--database");
  const database = at >= 0 ? args[at + 1] : undefined;
  if (!file || (at >= 0 && !database)) {
    print("Usage: deno task restore <file> [--database <name>]");
    return 2;
  }
  let input: Deno.FsFile;
  try {
    input = await Deno.open(file, { read: true });
  } catch {
    print(`Cannot read ${file}.`);
    return 2;
  }
  try {
    const ownerUrl = database ? await ensureDatabase(deps.ownerUrl, database) : deps.ownerUrl;
    const report = await restoreBackup(input.readable, {
      ownerUrl,
      log: deps.log,
      installJobSchema: deps.installJobSchema,
      verify: (tx) => checkStoredCredentials(tx, deps.cipher),
    });
    print(
      `Restored ${report.rows} rows of ${report.tables} tables into "${report.database}" ` +
        `from the backup of ${report.backupCreatedAt} (${(report.ms / 1000).toFixed(1)} s).`,
    );
    for (const check of report.checks) print(`  ${check}`);
    print("  row counts match the backup's");
    for (const s of report.skipped.filter((s) => s.rows > 0)) {
      print(`  not restored: ${s.table}, ${s.rows} row${s.rows === 1 ? "" : "s"} (${s.reason})`);
    }
    if (report.migratedAfter.length > 0) {
      print(`  then migrated: ${report.migratedAfter.join(", ")}`);
    }
    return 0;
  } catch (error) {
    const known = error instanceof RestoreError || error instanceof CredentialCheckError;
    if (!known) deps.log.error("restore failed", { error });
    print(`Restore failed: ${error instanceof Error ? error.message : error}`);
    return 1;
  } finally {
    // Reading the stream to its end closes the file already.
    try {
      input.close();
    } catch { /* closed */ }
  }
}

/** The URL of `name` on the server of `ownerUrl`, creating the database when it is missing. */
async function ensureDatabase(ownerUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new RestoreError(`"${name}" is not a database name (lower-case letters, digits, _).`);
  }
  const sql = postgres(ownerUrl, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    const [found] = await sql`select 1 from pg_database where datname = ${name}`;
    if (!found) await sql.unsafe(`create database "${name}"`);
  } finally {
    await sql.end({ timeout: 5 });
  }
  const url = new URL(ownerUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
