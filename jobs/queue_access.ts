/**
 * pg-boss creates and migrates its own schema at `start()`, after our
 * migrations; this grants the app role just enough of it to enqueue in a
 * tenant transaction: read queue settings, insert a job, read back its id.
 * Runs as the owner after every start, so pg-boss upgrades keep the grants.
 */
import postgres from "postgres";
import { APP_ROLE } from "../db/database.ts";

export async function grantEnqueue(ownerUrl: string): Promise<void> {
  const sql = postgres(ownerUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`grant usage on schema pgboss to ${APP_ROLE}`);
    await sql.unsafe(`grant select on pgboss.queue to ${APP_ROLE}`);
    // Queues share job_common unless created with their own partition table.
    const tables = await sql<{ name: string }[]>`
      select distinct table_name as name from pgboss.queue union select 'job_common'`;
    for (const { name } of tables) {
      if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`Unexpected pg-boss table name "${name}"`);
      await sql.unsafe(`grant insert, select (id, start_after) on pgboss.${name} to ${APP_ROLE}`);
    }
  } finally {
    await sql.end();
  }
}
