/**
 * When an analysis cannot finish: a department that keeps failing is retried
 * to the 5-attempt cap, fails the request with a reason the merchant can
 * read, and its job lands in the dead-letter queue; and a request cancelled
 * at any stage stops there and writes nothing after.
 */
import assert from "node:assert/strict";
import { ANALYSIS_TIMED_OUT, TASK_TIMED_OUT } from "../graph/dead_letter.ts";
import { ANALYSIS_DEAD_LETTER_QUEUE, ANALYSIS_QUEUE } from "../graph/queues.ts";
import { SYNC_QUEUE } from "../mirror/sync_queue.ts";
import { STORE_ACCESS_LOST } from "../shopify/access_lost.ts";
import { ask, nodeGate, waitForRequest } from "./helpers/analysis.ts";
import { gql } from "./helpers/api.ts";
import { linkedStoreTest } from "./helpers/linked_store.ts";

linkedStoreTest(
  "a department failing 5 times fails the request with AGENT_PROCESSING_ERROR and dead-letters",
  async ({ api, token, t, waitForJob, accountId }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    // The store's credentials are corrupted: every call to Shopify fails to start.
    await t.owner`update linked_accounts set encrypted_access_token = '\\x00ff'::bytea
                  where id = ${accountId}`;
    await t.owner`delete from cached_shopify_data`;
    const id = await ask(api.app, token, "How were sales last week?");
    const request = await waitForRequest(t, api.app, token, id, ["failed"], 90_000);
    assert.equal(request.errorCode, "AGENT_PROCESSING_ERROR");
    assert.equal(
      request.errorMessage,
      "The store data step failed: Alatar can no longer use this store's access. Link the store again.",
    );
    const [task] = await t.owner`select status, retry_count from agent_tasks
      where analysis_request_id = ${id} and department = 'data_retrieval'`;
    assert.deepEqual({ ...task }, { status: "failed", retry_count: 4 });
    const attempts = await t.owner`select retry_count from pgboss.job
      where name = 'dept.data_retrieval' and data->>'requestId' = ${id}`;
    assert.equal(attempts[0]!.retry_count, 4, "five attempts: the first and four retries");
    // Later stages never started, and nothing was proposed.
    const [others] = await t.owner`select count(*)::int as n from agent_tasks
      where analysis_request_id = ${id} and department <> 'data_retrieval'`;
    assert.equal(others!.n, 0);
    const dead = await t.owner`select data from pgboss.job
      where name = ${ANALYSIS_DEAD_LETTER_QUEUE} and data->>'requestId' = ${id}`;
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!.data.taskId !== undefined, true);
    // The dead letter handler finds the task already settled by its last attempt (and, if the
    // orchestrator got there first, the request failed too): either way it changes nothing.
    const settled = await waitForJob(ANALYSIS_DEAD_LETTER_QUEUE);
    assert.ok(
      ["request no longer processing", "task already settled"].includes(
        (settled.result as { outcome: string }).outcome,
      ),
      `dead letter outcome: ${JSON.stringify(settled.result)}`,
    );
    const [after] = await t.owner`select status, error_message from agent_tasks
      where analysis_request_id = ${id} and department = 'data_retrieval'`;
    assert.deepEqual({ ...after }, {
      status: "failed",
      error_message: STORE_ACCESS_LOST,
    });
  },
  { worker: true },
);

linkedStoreTest(
  "a department timing out on its last attempt fails the request through the dead letter queue",
  async ({ api, token, t, store, waitForJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    // One attempt that may run a second; Shopify then answers the shop query in 8 s (the client
    // waits 15), so the job times out with no handler of ours failing the task.
    await api.boss.updateQueue("dept.data_retrieval", { retryLimit: 0, expireInSeconds: 1 });
    await t.owner`delete from cached_shopify_data`;
    store.faults.push({ kind: "slow", ms: 8000 });
    const id = await ask(api.app, token, "How were sales last week?");
    const request = await waitForRequest(t, api.app, token, id, ["failed"], 30_000);
    assert.equal(request.errorCode, "AGENT_PROCESSING_ERROR");
    assert.equal(request.errorMessage, `The store data step failed: ${TASK_TIMED_OUT}`);
    const settled = await waitForJob(ANALYSIS_DEAD_LETTER_QUEUE);
    assert.deepEqual(settled.result, { outcome: "task failed" });
    const [task] = await t.owner`select status, error_message from agent_tasks
      where analysis_request_id = ${id} and department = 'data_retrieval'`;
    assert.deepEqual({ ...task }, { status: "failed", error_message: TASK_TIMED_OUT });
    // The slow answer arrives after all: the late attempt changes nothing.
    await waitForJob("dept.data_retrieval");
    const [after] = await t.owner`select r.status, t.status as task_status from analysis_requests r
      join agent_tasks t on t.analysis_request_id = r.id
      where r.id = ${id} and t.department = 'data_retrieval'`;
    assert.deepEqual({ ...after }, { status: "failed", task_status: "failed" });
  },
  { worker: true, superviseSeconds: 1 },
);

const stall = nodeGate();

linkedStoreTest(
  "an orchestrator timing out on its last attempt fails the request and writes nothing after",
  async ({ api, token, t, waitForJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    await api.boss.updateQueue("analysis", { retryLimit: 0, expireInSeconds: 1 });
    const arrived = stall.arm("dispatch");
    const id = await ask(api.app, token, "How were sales last week?");
    await arrived;
    const request = await waitForRequest(t, api.app, token, id, ["failed"], 30_000);
    assert.equal(request.errorCode, "AGENT_PROCESSING_ERROR");
    assert.equal(request.errorMessage, ANALYSIS_TIMED_OUT);
    const [events] = await t.owner`select max(id) as last_event
      from analysis_request_events where analysis_request_id = ${id}`;
    const settled = await waitForJob(ANALYSIS_DEAD_LETTER_QUEUE);
    assert.deepEqual(settled.result, { outcome: "request failed" });
    // The expired run was abandoned with the stalled node still in it. Let go, the node sees the
    // request failed and stops, writing nothing (it ends only after its transaction has).
    assert.equal(await stall.open(), "stopped");
    const [tasks] = await t.owner`select count(*)::int as n from agent_tasks
      where analysis_request_id = ${id}`;
    assert.equal(tasks!.n, 0, "no department dispatched after the request failed");
    const [after] = await t.owner`select count(*)::int as n from analysis_request_events
      where analysis_request_id = ${id} and id > ${events!.last_event}`;
    assert.equal(after!.n, 0);
  },
  {
    worker: true,
    superviseSeconds: 1,
    analysis: { onNode: (node) => stall.onNode(node), onNodeEnd: stall.onNodeEnd },
  },
);

const hold = nodeGate();

linkedStoreTest(
  "a request cancelled at each stage stops there and writes nothing after",
  async ({ api, token, t, waitForJob, nextJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    const cancel = async (id: string) => {
      const res = await gql(
        api.app,
        `mutation($id: ID!) { cancelAnalysisRequest(id: $id) { userErrors { code } } }`,
        { id },
        { token },
      );
      assert.deepEqual(res.body.data.cancelAnalysisRequest.userErrors, []);
    };
    for (const node of ["load", "plan", "dispatch", "propose_actions", "finalize"]) {
      const arrived = hold.arm(node);
      const id = await ask(api.app, token, "Which products should I discount?");
      await arrived;
      await cancel(id);
      const [proposed] = await t.owner`select count(*)::int as n,
          count(*) filter (where status <> 'rejected')::int as open
        from proposed_actions where analysis_request_id = ${id}`;
      assert.equal(proposed!.open, 0, "cancelling withdraws the request's proposals");
      const [events] = await t.owner`select max(id) as last_event
        from analysis_request_events where analysis_request_id = ${id}`;
      // The held run goes on, finds the request cancelled at its next write, and ends stopped.
      const heldRun = nextJob(ANALYSIS_QUEUE);
      hold.open();
      const request = await waitForRequest(t, api.app, token, id, ["cancelled"]);
      assert.equal(request.errorCode, "TASK_CANCELLED");
      assert.equal(request.result, null, node);
      assert.deepEqual((await heldRun).result, { outcome: "stopped" }, node);
      const [after] = await t.owner`select count(*)::int as n from analysis_request_events
        where analysis_request_id = ${id} and id > ${events!.last_event}`;
      assert.equal(after!.n, 0, `no change after cancelling at ${node}`);
      const [actions] = await t.owner`select count(*)::int as n from proposed_actions
        where analysis_request_id = ${id}`;
      assert.equal(actions!.n, proposed!.n, `nothing proposed after cancelling at ${node}`);
    }
  },
  { worker: true, analysis: { onNode: (node) => hold.onNode(node) } },
);
