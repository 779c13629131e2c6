/**
 * `deno task ask` against a running API: it signs in, submits, follows the
 * request over the `/graphql/stream` subscription to its end, and prints the
 * answer. Run as the merchant runs it, in its own process.
 */
import assert from "node:assert/strict";
import { monthBefore } from "../eval/expected.ts";
import { SYNC_QUEUE } from "../mirror/sync_queue.ts";
import { linkedStoreTest } from "./helpers/linked_store.ts";

/** `deno task ask` in its own process, as the merchant runs it, signed in as `credentials`. */
function runAsk(
  url: string,
  credentials: { email: string; password: string },
  args: string[],
  env: Record<string, string> = {},
) {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../cli/ask.ts", import.meta.url).pathname,
      "--url",
      url,
      "--email",
      credentials.email,
      "--password",
      credentials.password,
      ...args,
    ],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
}

linkedStoreTest(
  "deno task ask streams a question's progress and prints its answer",
  async ({ api, credentials, waitForJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    const streamsBefore = api.updates.watched;
    const { code, stdout, stderr } = await runAsk(api.services.appUrl, credentials, [
      "--json",
      "How many orders did I get last week?",
    ]);
    const out = new TextDecoder().decode(stdout);
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    // Progress lines, then the finished request as JSON.
    const lines = out.split("\n");
    assert.match(lines[0]!, /^\[[#-]+\]\s+\d+% \w+/);
    const request = JSON.parse(out.slice(out.indexOf("{")));
    assert.equal(request.status, "COMPLETED");
    assert.match(request.result.summary, /\d/);
    assert.match(request.result.interpretation.text, /orders/i);
    // It followed the request over the subscription, not by polling.
    assert.equal(api.updates.watched, streamsBefore + 1);
  },
  { worker: true },
);

linkedStoreTest(
  "deno task ask keeps a conversation open: a follow-up leans on the last question; --new starts over",
  async ({ api, credentials, waitForJob, store }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    const dataDir = await Deno.makeTempDir();
    const askCli = async (...args: string[]) => {
      const { code, stdout, stderr } = await runAsk(api.services.appUrl, credentials, args, {
        DATA_DIR: dataDir,
      });
      assert.equal(code, 0, new TextDecoder().decode(stderr));
      return new TextDecoder().decode(stdout);
    };
    try {
      const september = monthBefore(store.shop.today, 3);
      await askCli("How many orders did I get in October?");
      const followUp = await askCli("and in September?");
      assert.match(followUp, /continuing your conversation/);
      assert.match(followUp, new RegExp(`Computed: Orders, 1–${september.to.slice(8)} September`));
      assert.match(followUp, /from your previous question/);
      // Started over, the same words have nothing before them: read on their own.
      const fresh = await askCli("--new", "and in September?");
      assert.doesNotMatch(fresh, /continuing your conversation|from your previous question/);
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
  { worker: true },
);
