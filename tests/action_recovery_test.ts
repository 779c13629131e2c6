/**
 * Crash safety of approved actions: the process carrying out an approval is
 * killed (SIGKILL, a real child process) after Shopify made the discount but
 * before its answer arrived. The recovery job finds the discount by its code
 * and records it; nothing is made twice. An action left `executing` before
 * anything reached Shopify is sent once by the same job.
 */
import assert from "node:assert/strict";
import { ACTION_RECOVERY_QUEUE } from "../actions/recovery.ts";
import { proposalsOf } from "./helpers/actions.ts";
import { startApiProcess } from "./helpers/api_process.ts";
import { linkedStoreTest } from "./helpers/linked_store.ts";

const APPROVE = `mutation($id: ID!) { userApprovesAction(actionId: $id) {
  proposedAction { status } userErrors { code } } }`;

async function statusOf(
  t: { owner: import("./helpers/test_db.ts").TestDatabase["owner"] },
  id: string,
) {
  const [row] = await t.owner<{ status: string; execution_result: Record<string, unknown> }[]>`
    select status, execution_result from proposed_actions where id = ${id}`;
  return row!;
}

linkedStoreTest(
  "a process killed mid-execution leaves the action to the recovery job, which does not repeat it",
  async (env) => {
    const { api, token, t, store, waitForJob } = env;
    const [action] = await proposalsOf(
      env,
      "Which products should I discount?",
      "create_discount_code",
    );
    const code = action!.parameters.code as string;
    const before = store.shop.discounts.length;

    const other = await startApiProcess(t.url, api.services.shopify.adminBaseUrl, {
      ACTION_RECOVERY_SECONDS: "1",
    });
    // Shopify carries the mutation out, and its answer is lost on the way back.
    store.faults.push({ kind: "lost_answer", ms: 5_000 });
    const approving = fetch(`${other.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: APPROVE, variables: { id: action!.id } }),
    }).then((r) => r.body?.cancel(), () => {});
    const until = Date.now() + 20_000;
    while (!store.shop.discounts.some((d) => d.code === code)) {
      assert.ok(Date.now() < until, "the discount reached the store");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await other.kill();
    await approving;
    assert.equal((await statusOf(t, action!.id)).status, "executing", "left mid-call");

    const run = await waitForJob(ACTION_RECOVERY_QUEUE, (r) => r.outcome === "completed");
    assert.deepEqual(run.result, { outcome: "found on Shopify" });
    const settled = await statusOf(t, action!.id);
    assert.equal(settled.status, "executed");
    assert.equal(settled.execution_result.recovered, true);
    assert.match(
      String(settled.execution_result.discountId),
      /^gid:\/\/shopify\/DiscountCodeNode\//,
    );
    assert.equal(store.shop.discounts.length, before + 1, "made once");
    const audit = await t.owner<{ actor: string; action: string }[]>`
      select actor, action from audit_log where entity_id = ${action!.id} order by id`;
    assert.deepEqual(audit.map((a) => `${a.actor} ${a.action}`), [
      "agent action.proposed",
      "user action.approved",
      "user action.executing",
      "system action.executed",
    ]);
  },
  { worker: true },
);

linkedStoreTest(
  "an action left executing before it reached Shopify is sent once by the recovery job",
  async (env) => {
    const { api, t, store, waitForJob, nextJob } = env;
    const [action] = await proposalsOf(
      env,
      "Audit my catalog for SEO and missing images",
      "update_product_seo",
    );
    const product = store.shop.products.find((p) => String(p.id) === action!.parameters.productId)!;
    // The approval's first transaction committed, then the process died: no call was made.
    const [user] = await t.owner<{ user_id: string }[]>`
      select user_id from proposed_actions where id = ${action!.id}`;
    await t.owner`update proposed_actions set status = 'approved' where id = ${action!.id}`;
    await t.owner`update proposed_actions set status = 'executing' where id = ${action!.id}`;
    await api.services.boss.send(ACTION_RECOVERY_QUEUE, {
      userId: user!.user_id,
      actionId: action!.id,
    });
    const run = await waitForJob(ACTION_RECOVERY_QUEUE, (r) => r.outcome === "completed");
    assert.deepEqual(run.result, { outcome: "executed" });
    assert.equal((await statusOf(t, action!.id)).status, "executed");
    assert.equal(product.seo.title, action!.parameters.seoTitle);

    // A second delivery of the job (at-least-once) finds it settled and does nothing.
    const redelivered = nextJob(ACTION_RECOVERY_QUEUE);
    await api.services.boss.send(ACTION_RECOVERY_QUEUE, {
      userId: user!.user_id,
      actionId: action!.id,
    });
    const again = await redelivered;
    assert.deepEqual(again.result, { outcome: "already settled" });

    // One left executing when its store was then unlinked: Shopify cannot be asked, so it fails
    // saying so, rather than staying executing or being guessed.
    const [orphan] = await proposalsOf(
      env,
      "Audit my catalog for SEO and missing images",
      "update_product_seo",
    );
    await t.owner`update proposed_actions set status = 'approved' where id = ${orphan!.id}`;
    await t.owner`update proposed_actions set status = 'executing', linked_account_id = null
      where id = ${orphan!.id}`;
    const orphanRun = nextJob(ACTION_RECOVERY_QUEUE);
    await api.services.boss.send(ACTION_RECOVERY_QUEUE, {
      userId: user!.user_id,
      actionId: orphan!.id,
    });
    const unconfirmed = await orphanRun;
    assert.deepEqual(unconfirmed.result, { outcome: "failed unconfirmed" });
    const failed = await statusOf(t, orphan!.id);
    assert.equal(failed.status, "failed");
    assert.equal(failed.execution_result.code, "EXTERNAL_SERVICE_ERROR");
    assert.match(String(failed.execution_result.message), /could not confirm.*store was unlinked/);
  },
  { worker: true },
);
