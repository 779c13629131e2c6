/**
 * `deno task backup` and `restore` on real databases: a populated system restores
 * elsewhere and works there (sign-in, an analysis, a store's token); a backup taken
 * while writes run restores to one consistent moment; a database holding data, a
 * damaged archive and a wrong key ring are refused without losing anything.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { writeBackup } from "../db/backup.ts";
import { restoreBackup, RestoreError } from "../db/restore.ts";
import { connectDatabase } from "../db/database.ts";
import { installJobSchema } from "../queues.ts";
import { createTokenCipher } from "../auth/token_cipher.ts";
import { checkStoredCredentials } from "../shopify/credential_check.ts";
import { credentialsFor } from "../shopify/credentials.ts";
import { createLogger } from "../log/logger.ts";
import { SYNC_QUEUE } from "../mirror/sync_queue.ts";
import { createTestApi, gql, LOGIN, TEST_ENCRYPTION_KEY } from "./helpers/api.ts";
import { ask, readRequest, waitForRequest } from "./helpers/analysis.ts";
import { linkedStoreTest } from "./helpers/linked_store.ts";
import {
  createUser,
  databaseUrl,
  dbTest,
  migratedTemplate,
  serverUrl,
  type TestDatabase,
} from "./helpers/test_db.ts";

const log = createLogger({ level: "error" });

async function backupBytes(url: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  await writeBackup(url, new WritableStream({ write: (chunk) => void chunks.push(chunk) }));
  return new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer());
}

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new Blob([bytes as BlobPart]).stream();
}

/** An empty database on the test server (no migrations), dropped afterwards. */
async function withEmptyDatabase(fn: (t: TestDatabase) => Promise<void>) {
  await migratedTemplate(); // the cluster's roles exist once it does
  const name = `alatar_restore_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = postgres(serverUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = databaseUrl(name);
  const db = connectDatabase({ url, poolMax: 4, log });
  const owner = postgres(url, { max: 2, onnotice: () => {} });
  try {
    await fn({ url, db, owner, log });
  } finally {
    await Promise.all([db.end(), owner.end()]);
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}

async function restore(bytes: Uint8Array, url: string, keys = TEST_ENCRYPTION_KEY) {
  const cipher = await createTokenCipher([{ id: "test", key: keys }]);
  return await restoreBackup(streamOf(bytes), {
    ownerUrl: url,
    log,
    installJobSchema: (target) => installJobSchema(target, log),
    verify: (tx) => checkStoredCredentials(tx, cipher),
  });
}

async function counts(sql: postgres.Sql, tables: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of tables) {
    const [row] = await sql.unsafe(`select count(*)::int as n from ${table}`);
    out[table] = row!.n;
  }
  return out;
}

linkedStoreTest(
  "a restored copy signs in, reads an analysis and decrypts a store's token",
  async ({ t, api, token, credentials, userId, accountId, waitForJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    const id = await ask(api.app, token, "How many orders did I get last week?");
    const answered = await waitForRequest(t, api.app, token, id);
    assert.equal(answered.status, "COMPLETED");
    const original = await credentialsFor(api.services, userId, accountId);

    const archive = await backupBytes(t.url);
    await withEmptyDatabase(async (copy) => {
      const report = await restore(archive, copy.url);
      assert.match(report.checks.join(), /^1 of 1 stores' credentials decrypt/);
      assert.deepEqual(report.migratedAfter, []);
      const tables = ["users", "linked_accounts", "analysis_requests", "shop_orders", "audit_log"];
      assert.deepEqual(await counts(copy.owner, tables), await counts(t.owner, tables));

      const restoredApi = await createTestApi(copy);
      try {
        const login = await gql(restoredApi.app, LOGIN, credentials);
        const restoredToken = login.body.data.login.accessToken;
        assert.ok(restoredToken, JSON.stringify(login.body));
        const read = await readRequest(restoredApi.app, restoredToken, id);
        assert.equal(read.status, "COMPLETED");
        assert.equal(read.result.summary, answered.result.summary);
        const restored = await credentialsFor(restoredApi.services, userId, accountId);
        assert.equal(restored.accessToken, original.accessToken);
        assert.equal(restored.shop, original.shop);
      } finally {
        await restoredApi.close();
      }
    });
  },
  { worker: true },
);

dbTest("a backup taken while writes run restores one consistent moment", async (t) => {
  // Each write is one transaction: a user and a question, whose triggers add an event and
  // a conversation. A consistent copy has all four of a write or none.
  let stop = false;
  let written = 0;
  let twentyWritten: () => void = () => {};
  const started = new Promise<void>((resolve) => (twentyWritten = resolve));
  const writer = async () => {
    while (!stop) {
      const userId = crypto.randomUUID();
      await t.db.withTenant(userId, async (tx) => {
        await tx`insert into users (id, email) values (${userId}, ${`${userId}@example.test`})`;
        await tx`insert into analysis_requests (user_id, prompt) values (${userId}, 'How are sales?')`;
      });
      if (++written === 20) twentyWritten();
    }
  };
  const writers = [writer(), writer()];
  await started;
  const before = written;
  const archive = await backupBytes(t.url);
  const during = written - before;
  stop = true;
  await Promise.all(writers);
  assert.ok(during > 0, "the writers were running during the backup");

  await withEmptyDatabase(async (copy) => {
    await restore(archive, copy.url);
    const [row] = await copy.owner<
      { users: number; requests: number; events: number; chats: number }[]
    >`
      select (select count(*)::int from users) as users,
             (select count(*)::int from analysis_requests) as requests,
             (select count(*)::int from analysis_request_events) as events,
             (select count(*)::int from conversations) as chats`;
    assert.ok(row!.users >= before && row!.users < written, `${row!.users} of ${written}`);
    assert.equal(row!.requests, row!.users);
    // Our triggers were off while loading: no second event or conversation per question.
    assert.equal(row!.events, row!.requests);
    assert.equal(row!.chats, row!.requests);
    // Sequences continue past the restored rows: a new event gets a fresh id.
    const userId = await createUser(copy.db);
    await copy.db.withTenant(
      userId,
      (tx) => tx`insert into analysis_requests (user_id, prompt) values (${userId}, 'And now?')`,
    );
    const [after] = await copy.owner`select count(*)::int as n from analysis_request_events`;
    assert.equal(after!.n, row!.events + 1);
  });
});

dbTest("a restore into a database that holds data refuses and changes nothing", async (t) => {
  await createUser(t.db);
  const archive = await backupBytes(t.url);
  const before = await counts(t.owner, ["users", "schema_migrations"]);
  await assert.rejects(
    restore(archive, t.url),
    (error: Error) =>
      error instanceof RestoreError && /holds data \(public\.users\)/.test(error.message) &&
      /new, empty database/.test(error.message),
  );
  assert.deepEqual(await counts(t.owner, ["users", "schema_migrations"]), before);
});

dbTest(
  "a damaged archive or a wrong key ring rolls the restore back; a retry succeeds",
  async (t) => {
    const userId = await createUser(t.db);
    const cipher = await createTokenCipher([{ id: "test", key: TEST_ENCRYPTION_KEY }]);
    const accountId = crypto.randomUUID();
    await t.db.withTenant(
      userId,
      async (tx) =>
        tx`insert into linked_accounts (id, user_id, provider, account_identifier, encrypted_access_token)
       values (${accountId}, ${userId}, 'shopify', 'restore-test.myshopify.com',
               ${await cipher.encrypt("shpat_restore", { userId, accountId })})`,
    );
    const archive = await backupBytes(t.url);

    await withEmptyDatabase(async (copy) => {
      await assert.rejects(restore(archive.slice(0, archive.length - 40), copy.url), RestoreError);
      await assert.rejects(
        restore(archive, copy.url, new Uint8Array(32).fill(9)),
        /do not decrypt with ALATAR_ENCRYPTION_KEYS/,
      );
      const [left] = await copy.owner`select count(*)::int as n from users`;
      assert.equal(left!.n, 0);
      const report = await restore(archive, copy.url);
      assert.equal(report.checks[0], "1 of 1 stores' credentials decrypt (a random sample)");
      const [users] = await copy.owner`select count(*)::int as n from users`;
      assert.equal(users!.n, 1);
    });
    await assert.rejects(
      restore(new TextEncoder().encode("not a backup"), t.url),
      /not an Alatar backup/,
    );
  },
);

dbTest("deno task backup and restore: whole files, exit codes, messages", async (t) => {
  await createUser(t.db);
  const dir = await Deno.makeTempDir();
  const target = `alatar_cli_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const run = async (...args: string[]) => {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../main.ts", import.meta.url).pathname, ...args],
      env: {
        PATH: Deno.env.get("PATH") ?? "",
        HOME: Deno.env.get("HOME") ?? "/tmp",
        APP_ENV: "test",
        DATABASE_URL: t.url,
        DATA_DIR: dir,
        LOG_LEVEL: "error",
      },
      clearEnv: true,
      stdin: "null",
    }).output();
    return { code: output.code, out: new TextDecoder().decode(output.stdout) };
  };
  try {
    const file = `${dir}/nightly.backup.gz`;
    const backup = await run("backup", file);
    assert.equal(backup.code, 0, backup.out);
    assert.match(backup.out, /^Backed up \d+ rows of \d+ tables to .*nightly\.backup\.gz/m);
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.includes("backup")),
      [
        "nightly.backup.gz",
      ],
    );

    const restored = await run("restore", file, "--database", target);
    assert.equal(restored.code, 0, restored.out);
    assert.match(restored.out, new RegExp(`into "${target}"`));
    assert.match(restored.out, /row counts match the backup's/);

    const again = await run("restore", file, "--database", target);
    assert.equal(again.code, 1);
    assert.match(
      again.out,
      /Refusing to restore into "alatar_cli_\w+": it holds data \(public\.users/,
    );

    assert.equal((await run("restore")).code, 2);
    assert.match((await run("restore", `${dir}/missing.gz`)).out, /Cannot read .*missing\.gz/);
  } finally {
    const admin = postgres(serverUrl(), { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists "${target}" with (force)`);
    await admin.end();
    await Deno.remove(dir, { recursive: true });
  }
});
