/**
 * What the benchmarks and the evaluation run on: an embedded PostgreSQL with
 * the migrated schema (and pg-boss's, with `jobs`), the dev store over HTTP,
 * and one user whose account holds an encrypted token for the demo shop. The
 * mirror starts empty: callers import when they need it.
 */
import postgres from "postgres";
import { DEFAULT_SHOPIFY_API_VERSION } from "../config/config.ts";
import { createTokenCipher } from "../auth/token_cipher.ts";
import { connectDatabase } from "../db/database.ts";
import { freePort, startEmbeddedPostgres } from "../db/embedded.ts";
import { migrate } from "../db/migrate.ts";
import { SHOP_DOMAIN } from "../devstore/seed.ts";
import { createDevStore, devStoreBaseUrl } from "../devstore/server.ts";
import { installJobSchema } from "../queues.ts";
import { createLogger } from "../log/logger.ts";
import type { MirrorDeps } from "../mirror/deps.ts";
import { TEST_LOOKUP_KEY, TEST_SHOPIFY_APP } from "../tests/helpers/api.ts";

export async function startDemoStack(
  options: {
    jobs?: boolean;
    bucket?: { maximum: number; restoreRate: number };
    /** Loads pg_stat_statements, so a bench can count the statements a piece of work sends. */
    countStatements?: boolean;
  } = {},
) {
  const log = createLogger({ level: "error" });
  const scratch = await Deno.makeTempDir({ prefix: "alatar-bench-" });
  const pg = await startEmbeddedPostgres({
    dataDir: `${scratch}/postgres`,
    port: freePort(),
    password: crypto.randomUUID(),
    persistent: false,
    log,
    ...(options.countStatements
      ? { settings: { shared_preload_libraries: "pg_stat_statements" } }
      : {}),
  });
  const store = createDevStore({ app: TEST_SHOPIFY_APP, bucket: options.bucket });
  const storePort = freePort();
  const storeServer = Deno.serve(
    { port: storePort, hostname: "127.0.0.1", onListen: () => {} },
    store.fetch,
  );
  const db = connectDatabase({ url: pg.url, poolMax: 10, log });
  const close = async () => {
    await db.end();
    await storeServer.shutdown();
    await pg.stop();
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  };
  try {
    await migrate(pg.url, log);
    if (options.countStatements) {
      const owner = postgres(pg.url, { max: 1, onnotice: () => {} });
      await owner`create extension if not exists pg_stat_statements`;
      await owner.end();
    }
    if (options.jobs) await installJobSchema(pg.url, log);
    const key = crypto.getRandomValues(new Uint8Array(32));
    const cipher = await createTokenCipher([{ id: "test", key }]);
    const userId = crypto.randomUUID();
    const accountId = crypto.randomUUID();
    const token = "shpat_bench";
    store.tokens.accessTokens.set(token, {
      shop: SHOP_DOMAIN,
      scopes: [
        "read_orders",
        "read_all_orders",
        "read_products",
        "read_customers",
        "read_discounts",
      ],
      expiresAt: null,
    });
    await db.withTenant(userId, async (tx) => {
      await tx`insert into users (id, email) values (${userId}, 'bench@alatar.dev')`;
      await tx`insert into linked_accounts (id, user_id, provider, account_identifier,
                 encrypted_access_token, scopes)
               values (${accountId}, ${userId}, 'shopify', ${SHOP_DOMAIN},
                 ${await cipher.encrypt(token, { userId, accountId })}, '{read_orders}')`;
    });
    const mirror: MirrorDeps = {
      db,
      cipher,
      shopify: {
        ...TEST_SHOPIFY_APP,
        scopes: [],
        adminBaseUrl: devStoreBaseUrl(storePort),
        apiVersion: DEFAULT_SHOPIFY_API_VERSION,
      },
      appUrl: "http://127.0.0.1:1",
      log,
      lookupKey: TEST_LOOKUP_KEY,
    };
    return { log, pg, db, store, storePort, key, userId, accountId, mirror, close };
  } catch (error) {
    await close();
    throw error;
  }
}
