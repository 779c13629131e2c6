/**
 * The database driver survives its server going away. postgres.js 3.4.9 crashes
 * the whole process with `Cannot read properties of null (reading 'write')`
 * when a connection closes while a transaction still has a statement to send
 * (porsager/postgres#1154, #1208): the transaction's own ROLLBACK is written to
 * the nulled socket from a `setImmediate`, where no caller can catch it. We run
 * a patched copy (vendor/postgres, see its PATCHES.md); these tests reproduce
 * the crash, and fail with the unpatched driver.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { finished } from "node:stream/promises";
import { dbTest } from "./helpers/test_db.ts";

/** Runs `body` in a transaction and resolves with its backend pid once it has one. */
function transactionOnBackend(
  sql: postgres.Sql,
  body: (tx: postgres.TransactionSql) => Promise<unknown>,
) {
  let started!: (pid: number) => void;
  const pid = new Promise<number>((resolve) => (started = resolve));
  const done = sql.begin(async (tx) => {
    const [row] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
    started(row!.pid);
    await body(tx);
  });
  // Settled into a value at once, so its rejection is never unhandled while the test awaits.
  return { pid, outcome: done.then(() => undefined, (e: Error & { code?: string }) => e) };
}

dbTest(
  "a transaction whose backend is terminated rejects, and the pool goes on",
  async ({ url, owner }) => {
    const sql = postgres(url, { max: 2, onnotice: () => {} });
    try {
      const { pid, outcome } = transactionOnBackend(sql, (tx) => tx`select pg_sleep(30)`);
      await owner`select pg_terminate_backend(${await pid})`;
      const error = await outcome;
      // 57P01 is the server's "terminating connection due to administrator command".
      assert.ok(error && ["57P01", "CONNECTION_CLOSED"].includes(error.code ?? ""), `got ${error}`);
      // The next statement reconnects; a ROLLBACK left in the write buffer would have been sent
      // ahead of the new connection's startup message and broken it.
      const rows = await Promise.all(
        [1, 2, 3].map((n) => sql<{ n: number }[]>`select ${n}::int as n`),
      );
      assert.deepEqual(rows.map(([row]) => row!.n), [1, 2, 3]);
    } finally {
      await sql.end({ timeout: 1 });
    }
  },
);

dbTest(
  "a reserved connection whose backend is terminated rejects its next query",
  async ({ url, owner }) => {
    const sql = postgres(url, { max: 2, onnotice: () => {} });
    try {
      const reserved = await sql.reserve();
      const [row] = await reserved<{ pid: number }[]>`select pg_backend_pid() as pid`;
      const sleeping = reserved`select pg_sleep(30)`.then(() => "finished", () => "rejected");
      await owner`select pg_terminate_backend(${row!.pid})`;
      assert.equal(await sleeping, "rejected");
      // Before the patch this write went to the nulled socket and crashed the process.
      await assert.rejects(reserved`select 1`, { code: "CONNECTION_CLOSED" });
      reserved.release();
      const [again] = await sql<{ one: number }[]>`select 1 as one`;
      assert.equal(again!.one, 1);
    } finally {
      await sql.end({ timeout: 1 });
    }
  },
);

dbTest(
  "a COPY FROM that fails at its end rejects, rolls back, and the connection goes on",
  async ({ url }) => {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await sql`create table copy_target (id int primary key)`;
      const failed = await sql.begin(async (tx) => {
        const stream = await tx`copy copy_target (id) from stdin`.writable();
        // Two equal keys: the unique check fails only once the rows are in, after the client ended.
        stream.write("1\n1\n");
        stream.end();
        await finished(stream);
      }).then(() => null, (error: Error & { code?: string }) => error);
      assert.equal(failed?.code, "23505", `got ${failed}`);
      // Unpatched, `finished` never settled: the transaction neither committed nor rolled back.
      const [row] = await sql`select count(*)::int as n from copy_target`;
      assert.equal(row!.n, 0);
    } finally {
      await sql.end();
    }
  },
);

dbTest("a COPY TO read slowly leaves its connection usable", async ({ url }) => {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql.begin(async (tx) => {
      const stream = await tx`copy (select g, repeat('x', 100) from generate_series(1, 20000) g)
        to stdout`.readable();
      let lines = 0;
      for await (const chunk of stream as AsyncIterable<Uint8Array>) {
        for (const byte of chunk) if (byte === 10) lines++;
        // A slow reader lets the stream fill and pause the socket.
        if (lines % 5000 < 2) await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const [after] = await tx`select 1 as one`;
      assert.equal(after!.one, 1);
      return lines;
    });
    assert.equal(rows, 20000);
  } finally {
    await sql.end();
  }
});
