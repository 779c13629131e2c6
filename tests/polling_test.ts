/**
 * The Shopify admin dashboard polls: GET /graphql answers carry an ETag and
 * an unchanged answer costs a 304 with no body; `updatedSince` and `status`
 * fetch only what changed.
 */
import assert from "node:assert/strict";
import type { Hono } from "hono";
import { SYNC_QUEUE } from "../mirror/sync_queue.ts";
import { ask, waitForRequest } from "./helpers/analysis.ts";
import { signUp } from "./helpers/api.ts";
import { linkedStoreTest } from "./helpers/linked_store.ts";

const LIST = `query($since: DateTime) {
  listAnalysisRequests(first: 10, updatedSince: $since) { edges { node { id status updatedAt } } }
  proposedActions(status: PROPOSED, first: 10) { edges { node { id status actionType } } }
}`;

function poll(app: Hono, token: string, since?: string, etag?: string) {
  const params = new URLSearchParams({ query: LIST });
  if (since) params.set("variables", JSON.stringify({ since }));
  return app.request(`/graphql?${params}`, {
    headers: {
      authorization: `Bearer ${token}`,
      ...(etag ? { "if-none-match": etag } : {}),
    },
  });
}

linkedStoreTest(
  "an unchanged poll is a 304 with no body; a change gives a new ETag and updatedSince narrows",
  async ({ api, token, t, waitForJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    const first = await ask(api.app, token, "Which products should I discount?");
    await waitForRequest(t, api.app, token, first);

    const fresh = await poll(api.app, token);
    assert.equal(fresh.status, 200);
    assert.equal(fresh.headers.get("cache-control"), "private, no-cache");
    const etag = fresh.headers.get("etag")!;
    assert.match(etag, /^"[A-Za-z0-9_-]{24}"$/);
    const body = await fresh.json();
    const [node] = body.data.listAnalysisRequests.edges.map((e: { node: unknown }) => e.node);
    assert.equal(node.status, "COMPLETED");
    assert.ok(body.data.proposedActions.edges.length > 0);

    const same = await poll(api.app, token, undefined, etag);
    assert.equal(same.status, 304);
    assert.equal(same.headers.get("etag"), etag);
    assert.equal(await same.text(), "");
    // Weak and listed forms match too, as If-None-Match allows.
    assert.equal((await poll(api.app, token, undefined, `"other", W/${etag}`)).status, 304);

    // Nothing changed since the newest updatedAt held: only that row, at the boundary.
    const ids = (res: { data: { listAnalysisRequests: { edges: { node: { id: string } }[] } } }) =>
      res.data.listAnalysisRequests.edges.map((e) => e.node.id);
    const since = await (await poll(api.app, token, node.updatedAt)).json();
    assert.deepEqual(ids(since), [first]);

    const second = await ask(api.app, token, "How were sales last week?");
    await waitForRequest(t, api.app, token, second);
    const changed = await poll(api.app, token, undefined, etag);
    assert.equal(changed.status, 200);
    assert.notEqual(changed.headers.get("etag"), etag);
    const narrowed = await (await poll(api.app, token, node.updatedAt)).json();
    assert.deepEqual(ids(narrowed), [second, first]);
    const later = await (await poll(api.app, token, new Date(Date.now() + 1000).toISOString()))
      .json();
    assert.deepEqual(ids(later), []);

    // Two other users with byte-identical answers (nothing asked yet) get different tags, and
    // neither's tag revalidates the other's answer.
    const [a, b] = [await signUp(api.app), await signUp(api.app)];
    const [pollA, pollB] = [await poll(api.app, a.accessToken), await poll(api.app, b.accessToken)];
    assert.equal(await pollA.clone().text(), await pollB.clone().text());
    assert.notEqual(pollA.headers.get("etag"), pollB.headers.get("etag"));
    assert.match(pollA.headers.get("vary") ?? "", /Authorization/i);
    const crossed = await poll(api.app, b.accessToken, undefined, pollA.headers.get("etag")!);
    assert.equal(crossed.status, 200);
    assert.equal(
      (await poll(api.app, a.accessToken, undefined, pollA.headers.get("etag")!)).status,
      304,
    );
    // Mutations (POST) are never cached.
    const post = await api.app.request("/graphql", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ query: "{ me { id } }" }),
    });
    assert.equal(post.headers.get("etag"), null);
  },
  { worker: true },
);
