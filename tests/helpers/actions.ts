/** Asking for proposals and deciding on them through GraphQL, as the app does. */
import assert from "node:assert/strict";
import type { Hono } from "hono";
import { ask, waitForRequest } from "./analysis.ts";
import { SYNC_QUEUE } from "../../mirror/sync_queue.ts";
import { gql } from "./api.ts";
import type { LinkedStore } from "./linked_store.ts";

type Verb = "userApprovesAction" | "userRejectsAction";

const DECIDE = (verb: Verb) =>
  `mutation($id: ID!, $key: String) { ${verb}(actionId: $id, clientMutationId: $key) {
     success proposedAction { id status preview executionResult parameters }
     userErrors { code message field } } }`;

/** The payload of approving (or rejecting) action `id`, with client key `key` if given. */
export async function decide(
  app: Hono,
  token: string,
  id: string,
  verb: Verb = "userApprovesAction",
  key?: string,
  // deno-lint-ignore no-explicit-any
): Promise<any> {
  const res = await gql(app, DECIDE(verb), { id, key }, { token });
  return res.body.data[verb];
}

export interface Proposal {
  id: string;
  actionType: string;
  // deno-lint-ignore no-explicit-any
  parameters: any;
}

/**
 * The actions of `actionType` that an analysis of `question` proposes (at
 * least one), once the store's import has finished.
 */
export async function proposalsOf(
  env: Pick<LinkedStore, "api" | "token" | "t" | "waitForJob">,
  question: string,
  actionType: string,
): Promise<Proposal[]> {
  await env.waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
  const id = await ask(env.api.app, env.token, question);
  const request = await waitForRequest(env.t, env.api.app, env.token, id);
  assert.equal(request.status, "COMPLETED", JSON.stringify(request));
  const found = request.proposedActions.filter((a: Proposal) => a.actionType === actionType);
  assert.ok(found.length > 0, `"${question}" proposes ${actionType}: ${request.result.summary}`);
  return found;
}
