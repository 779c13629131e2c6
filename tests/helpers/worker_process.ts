/**
 * A worker in its own process, for tests that kill one (SIGKILL) mid-job.
 * It is the real worker (worker.ts) with the test's keys, given through
 * the environment; with `PAUSE_AT` set it prints `PAUSED <node>` and hangs
 * when the orchestrator reaches that node, so the parent knows when to kill.
 * The analysis benchmark runs its workers with this too.
 */
import { DEFAULT_ANALYSIS_CONCURRENCY, DEFAULT_SHOPIFY_API_VERSION } from "../../config/config.ts";
import { decodeBase64 } from "@oslojs/encoding";
import { createFileEmailSender } from "../../auth/mail.ts";
import { createTokenCipher } from "../../auth/token_cipher.ts";
import { connectDatabase } from "../../db/database.ts";
import { createBoss } from "../../jobs/boss.ts";
import { startWorker } from "../../worker.ts";
import { chooseModel } from "../../agents/llm.ts";
import { createLogger } from "../../log/logger.ts";
import { createApnsClient } from "../../notifications/apns_client.ts";
import { createProviderTokens } from "../../notifications/apns_token.ts";
import { TEST_LOOKUP_KEY, TEST_SHOPIFY_APP } from "./api.ts";

const env = (name: string) => {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const url = env("TEST_DATABASE_URL");
const pauseAt = Deno.env.get("PAUSE_AT");
const openAiUrl = Deno.env.get("TEST_OPENAI_URL");
const reportPlanStarts = Deno.env.get("REPORT_PLAN_STARTS") === "1";
const log = createLogger({ level: "error" });
// Pools as a deployed worker has them (DATABASE_POOL_MAX's default, committing as main.ts's job
// pool does; pg-boss's own pool), unless a test asks for fewer.
const db = connectDatabase({
  url,
  poolMax: Number(Deno.env.get("POOL_MAX") ?? 10),
  log,
  asyncCommit: true,
});
const boss = createBoss({ url, log, superviseSeconds: 1 });
await boss.start();
// Pushes go to the test's local APNs server when it gives one (its URL, CA, key and topic).
const apnsUrl = Deno.env.get("TEST_APNS_URL");
const push = apnsUrl
  ? {
    environment: "any" as const,
    apns: createApnsClient({
      url: apnsUrl,
      topic: env("TEST_APNS_TOPIC"),
      tokens: await createProviderTokens({
        keyId: env("TEST_APNS_KEY_ID"),
        teamId: env("TEST_APNS_TEAM_ID"),
        privateKeyPem: env("TEST_APNS_PRIVATE_KEY"),
      }),
      caCerts: [env("TEST_APNS_CA")],
    }),
  }
  : undefined;
await startWorker({
  boss,
  db,
  log,
  ...(push ? { push } : {}),
  emailSender: createFileEmailSender(await Deno.makeTempDir(), log),
  mirror: {
    db,
    cipher: await createTokenCipher([{
      id: "test",
      key: decodeBase64(env("TEST_ENCRYPTION_KEY")),
    }]),
    shopify: {
      apiKey: TEST_SHOPIFY_APP.apiKey,
      apiSecret: TEST_SHOPIFY_APP.apiSecret,
      scopes: [],
      adminBaseUrl: env("TEST_SHOPIFY_ADMIN_BASE_URL"),
      apiVersion: DEFAULT_SHOPIFY_API_VERSION,
    },
    appUrl: env("TEST_APP_URL"),
    log,
    lookupKey: TEST_LOOKUP_KEY,
  },
  analysis: {
    // A local OpenAI-compatible server when the test gives one; offline otherwise.
    modelFor: () =>
      openAiUrl
        ? chooseModel({
          apiKey: "sk-test",
          model: "test/default",
          baseUrl: openAiUrl,
          maxRetries: 0,
        }, null)
        : null,
    // As ANALYSIS_CONCURRENCY does for main.ts (the analysis benchmark compares settings).
    concurrency: Number(Deno.env.get("ANALYSIS_CONCURRENCY") ?? DEFAULT_ANALYSIS_CONCURRENCY),
    onNode: async (node, requestId) => {
      // The benchmark reads when each request's graph starts (a wall-clock instant, in ms): the
      // first `load` of a request (later runs load again; the benchmark keeps the first).
      if (reportPlanStarts && node === "load") {
        console.log(`PLAN ${requestId} ${performance.timeOrigin + performance.now()}`);
      }
      if (node !== pauseAt) return;
      console.log(`PAUSED ${node}`);
      await new Promise(() => {});
    },
  },
});
console.log("READY");
