/** Submitting questions and waiting for their answers, as a client would. */
import type { Hono } from "hono";
import { REQUEST_EVENTS_CHANNEL } from "../../api/request_updates.ts";
import { gql } from "./api.ts";
import type { TestDatabase } from "./test_db.ts";

export const REQUEST_FIELDS = `id status progress { stage percent } errorMessage errorCode
  result { summary speech model rawData visualizations { type title data }
    interpretation { text range { from to } assumptions } }
  proposedActions { id description actionType parameters status }`;

export async function ask(app: Hono, token: string, prompt: string): Promise<string> {
  return (await askIn(app, token, prompt)).id;
}

/** Asks in a conversation (or starts one): the request's id and its conversation's. */
export async function askIn(
  app: Hono,
  token: string,
  prompt: string,
  conversationId?: string,
): Promise<{ id: string; conversationId: string }> {
  const res = await gql(
    app,
    `mutation($p: String!, $c: ID) { submitAnalysisRequest(prompt: $p, conversationId: $c) {
       analysisRequest { id conversationId } userErrors { code message } } }`,
    { p: prompt, c: conversationId },
    { token },
  );
  const payload = res.body.data.submitAnalysisRequest;
  if (payload.userErrors.length) throw new Error(JSON.stringify(payload.userErrors));
  return payload.analysisRequest;
}

// deno-lint-ignore no-explicit-any
export async function readRequest(app: Hono, token: string, id: string): Promise<any> {
  const res = await gql(app, `query($id: ID!) { analysisRequest(id: $id) { ${REQUEST_FIELDS} } }`, {
    id,
  }, { token });
  return res.body.data.analysisRequest;
}

/**
 * Waits until the request's status is one of `statuses`, then reads it through
 * the API. It waits on the events the database announces for every change of
 * a request (NOTIFY on `analysis_request_events`, sent at commit), listening
 * before its first read so no change can fall between them.
 */
export async function waitForRequest(
  t: TestDatabase,
  app: Hono,
  token: string,
  id: string,
  statuses = ["completed", "failed", "cancelled"],
  timeoutMs = 60_000,
  // deno-lint-ignore no-explicit-any
): Promise<any> {
  let changed: () => void = () => {};
  const listening = await t.owner.listen(REQUEST_EVENTS_CHANNEL, (payload) => {
    if (JSON.parse(payload).requestId === id) changed();
  });
  const deadline = Date.now() + timeoutMs;
  try {
    while (true) {
      const next = new Promise<void>((resolve) => (changed = resolve));
      const [row] = await t.owner<{ status: string }[]>`
        select status from analysis_requests where id = ${id}`;
      if (row && statuses.includes(row.status)) return await readRequest(app, token, id);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const expired = new Promise<"expired">((resolve) => {
        timer = setTimeout(() => resolve("expired"), Math.max(0, deadline - Date.now()));
      });
      const outcome = await Promise.race([next, expired]);
      clearTimeout(timer);
      if (outcome === "expired") {
        throw new Error(`request ${id} still ${row?.status} after ${timeoutMs} ms`);
      }
    }
  } finally {
    await listening.unlisten();
  }
}

/** Holds the worker's orchestrator at one node until the test lets it go. */
export function nodeGate() {
  let stopAt: string | null = null;
  let reached: (() => void) | null = null;
  let release: (() => void) | null = null;
  let ended: ((outcome: string) => void) | null = null;
  /** The node released by `open`, until it ends. */
  let heldNode: string | null = null;
  return {
    /** Resolves when the orchestrator reaches `node`. */
    arm(node: string): Promise<void> {
      stopAt = node;
      return new Promise((resolve) => (reached = resolve));
    },
    /** Lets the held node go on; resolves with how it ended ("done", "stopped", "error"). */
    open(): Promise<string> {
      const held = stopAt;
      stopAt = null;
      const end = new Promise<string>((resolve) => (ended = resolve));
      release?.();
      return held ? end : Promise.resolve("not held");
    },
    async onNode(node: string) {
      if (node !== stopAt) return;
      await new Promise<void>((resolve) => {
        release = resolve;
        reached?.();
      });
      heldNode = node;
    },
    onNodeEnd(node: string, _requestId: string, outcome: string) {
      if (node === heldNode) {
        heldNode = null;
        ended?.(outcome);
      }
    },
  };
}
