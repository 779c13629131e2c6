/** The worker against a real pg-boss on the test database. */
import { DEFAULT_SHOPIFY_API_VERSION } from "../config/config.ts";
import assert from "node:assert/strict";
import { createBoss } from "../jobs/boss.ts";
import type { JobRun } from "../jobs/handler.ts";
import { PURGE_QUEUE } from "../jobs/purge.ts";
import { createFileEmailSender } from "../auth/mail.ts";
import { startWorker } from "../worker.ts";
import { createTokenCipher } from "../auth/token_cipher.ts";
import { TEST_ENCRYPTION_KEY, TEST_LOOKUP_KEY } from "./helpers/api.ts";
import { createUser, dbTest } from "./helpers/test_db.ts";
import { waitUntil } from "./helpers/wait.ts";

dbTest(
  "the scheduled cache purge deletes expired rows of every tenant and keeps fresh ones",
  async (t) => {
    const users = [await createUser(t.db), await createUser(t.db)];
    for (const user of users) {
      await t.db.withTenant(user, async (tx) => {
        const [account] = await tx`
        insert into linked_accounts (user_id, provider, account_identifier, encrypted_access_token)
        values (${user}, 'shopify', ${`${user}.myshopify.com`}, '\\x01') returning id`;
        await tx`insert into cached_shopify_data (user_id, linked_account_id, data_key, data_value, expires_at)
               values (${user}, ${account!.id}, 'stale', '{}', now() - interval '1 second'),
                      (${user}, ${account!.id}, 'fresh', '{}', now() + interval '1 hour')`;
      });
    }

    const runs: JobRun[] = [];
    let jobId: string | null = null;
    const finished = waitUntil(() => runs.some((r) => r.jobId === jobId));
    const boss = createBoss({ url: t.url, log: t.log, max: 2 });
    await boss.start();
    try {
      await startWorker({
        boss,
        db: t.db,
        log: t.log,
        emailSender: createFileEmailSender(await Deno.makeTempDir(), t.log),
        analysis: { modelFor: () => null },
        mirror: {
          db: t.db,
          cipher: await createTokenCipher([{ id: "test", key: TEST_ENCRYPTION_KEY }]),
          shopify: {
            apiKey: "test",
            apiSecret: "test",
            scopes: [],
            adminBaseUrl: "http://127.0.0.1:1/{shop}",
            apiVersion: DEFAULT_SHOPIFY_API_VERSION,
          },
          appUrl: "http://alatar.test",
          log: t.log,
          lookupKey: TEST_LOOKUP_KEY,
        },
        observe: (run) => {
          runs.push(run);
          finished.notify();
        },
      });
      jobId = await boss.send(PURGE_QUEUE, {});
      assert.ok(jobId, "the job was not queued");
      await finished.done();
    } finally {
      await boss.stop({ graceful: true, timeout: 2000 });
    }

    const run = runs.find((r) => r.jobId === jobId)!;
    assert.equal(run.outcome, "completed");
    assert.deepEqual(run.result, { cacheRows: 2, rateLimitCounters: 0, oauthStates: 0 });
    for (const user of users) {
      const keys = await t.db.withTenant(
        user,
        (tx) => tx`select data_key from cached_shopify_data`,
      );
      assert.deepEqual(
        keys.map((k) => k.data_key),
        ["fresh"],
      );
    }
    const [schedule] = await t
      .owner`select cron from pgboss.schedule where name = ${PURGE_QUEUE}`;
    assert.equal(schedule?.cron, "*/10 * * * *");
  },
);
