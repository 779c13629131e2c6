/** The GraphQL surface: contract, hardening, queries and tenant isolation. */
import assert from "node:assert/strict";
import { buildSchema, isObjectType, lexicographicSortSchema, printSchema } from "graphql";
import { SignJWT, UnsecuredJWT } from "jose";
import { buildApiSchema, SCHEMA_FILE } from "../api/schema.ts";
import { ACCESS_TOKEN_AUDIENCE } from "../auth/access_tokens.ts";
import { connectDatabase } from "../db/database.ts";
import { createLogger } from "../log/logger.ts";
import {
  apiTest,
  createTestApi,
  gql,
  signUp,
  TEST_ISSUER,
  TEST_JWT_SECRET,
} from "./helpers/api.ts";
import { dbTest, type TestDatabase } from "./helpers/test_db.ts";
import type { Hono } from "hono";
import { startDocumentChecker } from "../api/document_checker.ts";
import { checkLimitsFor } from "../routes/graphql.ts";

Deno.test("schema.graphql is exactly the served schema, and every root field has a resolver", async () => {
  const served = await buildApiSchema(createLogger({ level: "error" }));
  const file = buildSchema(await Deno.readTextFile(SCHEMA_FILE));
  assert.equal(
    printSchema(lexicographicSortSchema(served)),
    printSchema(lexicographicSortSchema(file)),
  );
  for (const root of [served.getQueryType()!, served.getMutationType()!]) {
    for (const field of Object.values(root.getFields())) {
      assert.equal(typeof field.resolve, "function", `${root.name}.${field.name} has no resolver`);
    }
  }
  // The names the contract promises mobile clients for this part of the API.
  const query = Object.keys(served.getQueryType()!.getFields());
  const mutation = Object.keys(served.getMutationType()!.getFields());
  for (
    const name of [
      "me",
      "analysisRequest",
      "listAnalysisRequests",
      "proposedActions",
      "linkedAccounts",
    ]
  ) {
    assert.ok(query.includes(name), `Query.${name} missing`);
  }
  for (
    const name of [
      "register",
      "login",
      "refreshToken",
      "logout",
      "requestPasswordReset",
      "resetPassword",
      "updatePreferences",
      "signInWithApple",
      "signInWithGoogle",
      "linkPlatformLogin",
      "unlinkPlatformLogin",
    ]
  ) {
    assert.ok(mutation.includes(name), `Mutation.${name} missing`);
  }
  for (const type of Object.values(served.getTypeMap())) {
    if (isObjectType(type) && type.name.endsWith("Payload")) {
      assert.ok(type.getInterfaces().some((i) => i.name === "MutationPayload"), `${type.name}`);
    }
  }
});

apiTest(
  "tenant fields without a token answer AUTHENTICATION_REQUIRED, not a fault",
  async ({ app }) => {
    const me = await gql(app, `{ me { id } }`);
    assert.equal(me.status, 200);
    assert.deepEqual(me.body.data, { me: null });
    assert.equal(me.body.errors[0].extensions.code, "AUTHENTICATION_REQUIRED");
    // A non-null root field nulls the whole data; still an expected error, still 200.
    const list = await gql(app, `{ listAnalysisRequests { edges { cursor } } }`);
    assert.equal(list.status, 200);
    assert.equal(list.body.data, null);
    assert.equal(list.body.errors[0].extensions.code, "AUTHENTICATION_REQUIRED");
  },
);

apiTest(
  "forged, expired and malformed access tokens are refused with a reason",
  async ({ app }) => {
    const account = await signUp(app);
    const key = new TextEncoder().encode(TEST_JWT_SECRET);
    const claims = () =>
      new SignJWT({ sid: crypto.randomUUID() }).setSubject(account.userId).setIssuer(TEST_ISSUER)
        .setAudience(ACCESS_TOKEN_AUDIENCE).setIssuedAt();
    const [header, payload, signature] = account.accessToken.split(".");
    const forgedPayload = btoa(
      JSON.stringify({ ...JSON.parse(atob(payload!)), sub: crypto.randomUUID() }),
    )
      .replace(/=+$/, "");
    const tokens = {
      none: new UnsecuredJWT({ sid: "x" }).setSubject(account.userId).setIssuer(TEST_ISSUER)
        .setAudience(ACCESS_TOKEN_AUDIENCE).setExpirationTime("5m").encode(),
      wrongKey: await claims().setProtectedHeader({ alg: "HS256" }).setExpirationTime("5m")
        .sign(new TextEncoder().encode("another-secret-another-secret-another")),
      expired: await claims().setProtectedHeader({ alg: "HS256" })
        .setExpirationTime(Math.floor(Date.now() / 1000) - 5).sign(key),
      tampered: `${header}.${forgedPayload}.${signature}`,
    };
    for (const [name, token] of Object.entries(tokens)) {
      const res = await gql(app, `{ me { id } }`, {}, { token });
      assert.equal(res.body.errors?.[0]?.extensions?.code, "AUTHENTICATION_REQUIRED", name);
      assert.match(res.body.errors[0].message, /invalid or has expired/, name);
    }
    const basic = await app.request("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Basic dXNlcjpwYXNz" },
      body: JSON.stringify({ query: "{ me { id } }" }),
    });
    assert.match((await basic.json()).errors[0].message, /Bearer/);
  },
);

apiTest(
  "an alias flood and an oversized page are refused without a 500",
  ({ app }) => refusesFloods(app),
);

dbTest(
  "checked on a worker thread, as main.ts does, floods get the same answers; too slow to check, 400; past its queue, 503",
  async (t) => {
    const checker = await startDocumentChecker(checkLimitsFor({ production: false }));
    const full = await startDocumentChecker(checkLimitsFor({ production: false }), {
      maxPending: 0,
    });
    const hasty = await startDocumentChecker(checkLimitsFor({ production: false }), {
      timeoutMs: 1,
    });
    const api = await createTestApi(t, { documentChecker: checker });
    const busy = await createTestApi(t, { documentChecker: full });
    const slow = await createTestApi(t, { documentChecker: hasty });
    try {
      await refusesFloods(api.app);
      // A document that takes too long to check is the client's to simplify: 400, never a 500.
      const bomb = "query{me{...F0}} " +
        Array.from({ length: 24 }, (_, i) => `fragment F${i} on User{...F${i + 1} ...F${i + 1}}`)
          .join(" ") +
        " fragment F24 on User{id}";
      const tooSlow = await gql(slow.app, bomb, {}, {});
      assert.equal(tooSlow.status, 400);
      assert.equal(tooSlow.body.errors[0].extensions.code, "INVALID_INPUT");
      assert.match(tooSlow.body.errors[0].message, /too costly to check/);
      const refused = await gql(busy.app, `{ me { id } }`, {}, {});
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get("retry-after"), "1");
      assert.equal(refused.body.errors[0].extensions.code, "EXTERNAL_SERVICE_ERROR");
    } finally {
      await Promise.all([api.close(), busy.close(), slow.close()]);
      checker.close();
      full.close();
      hasty.close();
    }
  },
);

async function refusesFloods(app: Hono) {
  const { accessToken: token } = await signUp(app);
  // 60 aliases × (1 + 100 edges) nodes: small as text, large as work.
  const flood = Array.from(
    { length: 60 },
    (_, i) => `a${i}: listAnalysisRequests(first: 100) { edges { cursor } }`,
  );
  const aliases = await gql(app, `{ ${flood.join(" ")} }`, {}, { token });
  assert.equal(aliases.status, 400);
  assert.match(aliases.body.errors[0].message, /could return 6060 objects; the limit is 5000/);
  assert.equal(aliases.body.errors[0].extensions.code, "INVALID_INPUT");

  // Each root field runs on its own: a hundred aliases of `me` would be a hundred
  // transactions, so they are refused before any runs, signed in or not.
  const roots = (n: number) =>
    `{ ${Array.from({ length: n }, (_, i) => `m${i}: me { id }`).join(" ")} }`;
  for (const auth of [{ token }, {}]) {
    const many = await gql(app, roots(100), {}, auth);
    assert.equal(many.status, 400);
    assert.deepEqual(many.body.errors.map((e: { message: string }) => e.message), [
      "The operation asks for 100 top-level fields; the limit is 20. Send fewer aliases, or several operations.",
    ]);
  }
  // A document of thousands of tiny fragments stops at the parser's token limit.
  const chain = `query{me{...F0}} ` +
    Array.from({ length: 400 }, (_, i) => `fragment F${i} on User{...F${i + 1} ...F${i + 1}}`)
      .join(" ") +
    ` fragment F400 on User{id}`;
  const tokens = await gql(app, chain, {}, {});
  assert.equal(tokens.status, 400);
  assert.deepEqual(tokens.body.errors, [{
    message: "The operation has more than 2000 tokens. Send a smaller document.",
    extensions: { code: "INVALID_INPUT" },
  }]);
  const twenty = await gql(app, roots(20), {}, { token });
  assert.equal(twenty.status, 200);
  assert.equal(Object.keys(twenty.body.data).length, 20);

  const page = await gql(app, `{ listAnalysisRequests(first: 101) { edges { cursor } } }`, {}, {
    token,
  });
  assert.equal(page.status, 200);
  assert.equal(page.body.errors[0].extensions.code, "INVALID_INPUT");
  assert.equal(page.body.errors[0].extensions.field, "first");
}

// The schema has no cycles yet (its deepest query is 6 levels), so the limit is lowered
// here to see the route refuse depth; the rule itself is unit-tested in api/limits_test.ts.
apiTest("a query deeper than the limit is refused with 400", async ({ app }) => {
  const { accessToken: token } = await signUp(app);
  const query = `{ listAnalysisRequests { edges { node { ...R } } } }
    fragment R on AnalysisRequest { result { visualizations { title } } }`;
  const res = await gql(app, query, {}, { token });
  assert.equal(res.status, 400);
  assert.equal(res.body.errors[0].message, "The operation is 6 levels deep; the limit is 5.");
  const shallow = await gql(app, `{ me { preferences { preferredLlm } } }`, {}, { token });
  assert.equal(shallow.status, 200);
}, { graphqlLimits: { maxDepth: 5 } });

apiTest(
  "malformed requests get a 400 with a message: bad JSON, batches, huge or broken documents",
  async ({ app }) => {
    const post = (body: string, type = "application/json") =>
      app.request("/graphql", { method: "POST", headers: { "content-type": type }, body });
    const cases: Array<[Response, RegExp]> = [
      [await post("{not json"), /not valid JSON/],
      [
        await post(JSON.stringify([{ query: "{ me { id } }" }, { query: "{ me { id } }" }])),
        /Batched/,
      ],
      [await post(JSON.stringify({ query: `{ ${"me { id } ".repeat(2100)} }` })), /too large/],
      [await post(JSON.stringify({ query: "{ me { id " })), /Syntax Error/],
      [
        await post(JSON.stringify({ query: `{ ${"me { ".repeat(2500)}id${" }".repeat(2500)} }` })),
        /nested more than 64 levels deep/,
      ],
      [await post("query=x", "text/plain"), /application\/json/],
      [await post(JSON.stringify({ query: "{ nope }" })), /Cannot query field "nope"/],
      [await post("null"), /JSON object/],
    ];
    for (const [res, message] of cases) {
      assert.equal(res.status, 400, String(message));
      const body = await res.json();
      assert.match(body.errors[0].message, message);
    }
    // The envelope and errors raised before execution are the request's fault: 400, never 500.
    const envelope: Array<[string, RegExp]> = [
      [
        JSON.stringify({ query: "{ __typename }", variables: "{bad" }),
        /variables must be a JSON object/,
      ],
      [
        JSON.stringify({ query: "{ __typename }", variables: [1] }),
        /variables must be a JSON object/,
      ],
      [
        JSON.stringify({ query: "{ __typename }", operationName: 7 }),
        /operationName must be a string/,
      ],
      [
        JSON.stringify({
          query: "query($f: Int) { listAnalysisRequests(first: $f) { edges { cursor } } }",
          variables: { f: "x" },
        }),
        /Int cannot represent/,
      ],
      [
        JSON.stringify({ query: "query A { __typename } query B { __typename }" }),
        /operation name/,
      ],
    ];
    for (const [body, message] of envelope) {
      const res = await post(body);
      assert.equal(res.status, 400, String(message));
      const json = await res.json();
      assert.match(json.errors[0].message, message);
      assert.equal(json.errors[0].extensions.code, "INVALID_INPUT");
    }
    const badGet = await app.request(
      `/graphql?query=${encodeURIComponent("{ __typename }")}&variables=%7Bbad`,
    );
    assert.equal(badGet.status, 400);
    assert.match((await badGet.json()).errors[0].message, /variables must be a JSON object/);
    const charset = await post(
      JSON.stringify({ query: "{ __typename }" }),
      "application/json; charset=utf-8",
    );
    assert.deepEqual(await charset.json(), { data: { __typename: "Query" } });
  },
);

apiTest("GET serves queries and refuses mutations", async ({ app }) => {
  const ok = await app.request(`/graphql?query=${encodeURIComponent("{ __typename }")}`);
  assert.deepEqual(await ok.json(), { data: { __typename: "Query" } });
  const mutation = await app.request(
    `/graphql?query=${encodeURIComponent("mutation { logout { success } }")}`,
  );
  assert.equal(mutation.status, 405);
  assert.equal(mutation.headers.get("allow"), "POST");
  assert.match((await mutation.json()).errors[0].message, /Mutations must be sent with POST/);
  // After a fragment or a comment it is still a mutation.
  const hidden = await app.request(
    `/graphql?query=${
      encodeURIComponent("# logs out\nmutation Out { logout { success } }")
    }&operationName=Out`,
  );
  assert.equal(hidden.status, 405);
});

apiTest("introspection works outside production", async ({ app }) => {
  const res = await gql(app, `{ __schema { queryType { name } } }`);
  assert.deepEqual(res.body.data, { __schema: { queryType: { name: "Query" } } });
});

apiTest("introspection is off in production", async ({ app }) => {
  const res = await gql(app, `{ __schema { queryType { name } } }`);
  assert.equal(res.status, 400);
  assert.match(res.body.errors[0].message, /introspection/i);
}, { production: true });

const LOGIN_QUERY =
  `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`;

dbTest("a fault answers 'Internal server error' with no SQL, and is logged", async (t) => {
  const lines: string[] = [];
  const log = createLogger({ level: "error", write: (l) => lines.push(l) });
  // The services' database is one the server does not have: a fault, not an outage (a server
  // that is away answers 503, tests/database_outage_test.ts).
  const down = new URL(t.url);
  down.pathname = "/no_such_database";
  const db = connectDatabase({ url: down.toString(), poolMax: 1, log });
  const broken = await createTestApi(t, { log });
  broken.services.db = db;
  try {
    const res = await gql(broken.app, LOGIN_QUERY, {
      e: "ann@example.com",
      p: "correct horse battery",
    });
    assert.equal(res.status, 500);
    assert.doesNotMatch(
      JSON.stringify(res.body),
      /no_such_database|ECONNREFUSED|select|postgres|stack/i,
    );
    const errors = res.body.errors as Array<{ message: string; extensions: { code: string } }>;
    assert.deepEqual(errors.map((e) => [e.message, e.extensions.code]), [
      ["Internal server error", "INTERNAL_SERVER_ERROR"],
    ]);
    assert.ok(lines.some((l) => l.includes("Mutation.login")), "the fault was not logged");
  } finally {
    await broken.close();
    await db.end();
  }
});

/** Rows for one tenant, written as that tenant. */
async function seedRequests(t: TestDatabase, userId: string, count: number) {
  return await t.db.withTenant(userId, async (tx) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const [row] =
        await tx`insert into analysis_requests (user_id, prompt) values (${userId}, ${`q${i}`})
                             returning id`;
      ids.push(row!.id);
      await tx`insert into proposed_actions (analysis_request_id, user_id, description, action_type, parameters)
               values (${
        row!.id
      }, ${userId}, ${`action ${i}`}, 'create_discount_code', '{"percent": 10}')`;
    }
    await tx`insert into linked_accounts (user_id, provider, account_identifier, encrypted_access_token)
             values (${userId}, 'shopify', ${`s${userId.slice(0, 6)}.myshopify.com`}, '\\x01')`;
    return ids;
  });
}

const LIST = `query($after: String) { listAnalysisRequests(first: 10, after: $after) {
  edges { cursor node { id prompt status progress { stage percent } proposedActions { description status } } }
  pageInfo { hasNextPage endCursor } } }`;

apiTest("listAnalysisRequests pages newest first without gaps or repeats", async ({ app }, t) => {
  const account = await signUp(app);
  const ids = await seedRequests(t, account.userId, 25);
  const seen: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 3; page++) {
    const res = await gql(app, LIST, { after }, { token: account.accessToken });
    const { edges, pageInfo } = res.body.data.listAnalysisRequests;
    seen.push(...edges.map((e: { node: { id: string } }) => e.node.id));
    assert.equal(pageInfo.hasNextPage, page < 2);
    after = pageInfo.endCursor;
  }
  // All 25 rows were inserted in one transaction, so they share a timestamp: ids break the tie.
  assert.deepEqual(new Set(seen), new Set(ids));
  assert.equal(seen.length, 25);
  const first = await gql(app, LIST, {}, { token: account.accessToken });
  const node = first.body.data.listAnalysisRequests.edges[0].node;
  assert.equal(node.status, "PENDING");
  assert.deepEqual(node.progress, { stage: "queued", percent: 0 });
  assert.equal(node.proposedActions.length, 1);
  assert.equal(node.proposedActions[0].status, "PROPOSED");

  const bad = await gql(app, LIST, { after: "bm90LWEtY3Vyc29y" }, { token: account.accessToken });
  assert.equal(bad.body.errors[0].extensions.code, "INVALID_INPUT");
});

apiTest("another tenant's ids answer exactly like ids that do not exist", async ({ app }, t) => {
  const a = await signUp(app);
  const b = await signUp(app);
  const [aRequest] = await seedRequests(t, a.userId, 1);
  const one = `query($id: ID!) { analysisRequest(id: $id) { id prompt } }`;

  const own = await gql(app, one, { id: aRequest }, { token: a.accessToken });
  assert.equal(own.body.data.analysisRequest.id, aRequest);
  const foreign = await gql(app, one, { id: aRequest }, { token: b.accessToken });
  const missing = await gql(app, one, { id: crypto.randomUUID() }, { token: b.accessToken });
  const malformed = await gql(app, one, { id: "not-a-uuid" }, { token: b.accessToken });
  assert.deepEqual(foreign.body, { data: { analysisRequest: null } });
  assert.deepEqual(foreign.body, missing.body);
  assert.deepEqual(foreign.body, malformed.body);

  const everything =
    `{ listAnalysisRequests { edges { cursor } } proposedActions { edges { cursor } }
    linkedAccounts { id } }`;
  const seenByB = await gql(app, everything, {}, { token: b.accessToken });
  assert.deepEqual(seenByB.body.data, {
    listAnalysisRequests: { edges: [] },
    proposedActions: { edges: [] },
    linkedAccounts: [],
  });
  const seenByA = await gql(app, everything, {}, { token: a.accessToken });
  assert.equal(seenByA.body.data.listAnalysisRequests.edges.length, 1);
  assert.equal(seenByA.body.data.proposedActions.edges.length, 1);
  assert.equal(seenByA.body.data.linkedAccounts.length, 1);
});

apiTest("proposedActions filters by status and pages", async ({ app }, t) => {
  const account = await signUp(app);
  const [request] = await seedRequests(t, account.userId, 3);
  await t.db.withTenant(
    account.userId,
    (tx) =>
      tx`update proposed_actions set status = 'rejected' where analysis_request_id = ${request!}`,
  );
  const byStatus = (status: string) =>
    gql(
      app,
      `query($s: ProposedActionStatus) { proposedActions(status: $s, first: 2) {
      edges { node { status description } } pageInfo { hasNextPage } } }`,
      { s: status },
      {
        token: account.accessToken,
      },
    );
  const proposed = (await byStatus("PROPOSED")).body.data.proposedActions;
  assert.equal(proposed.edges.length, 2);
  assert.ok(
    proposed.edges.every((e: { node: { status: string } }) => e.node.status === "PROPOSED"),
  );
  assert.equal(proposed.pageInfo.hasNextPage, false);
  const rejected = (await byStatus("REJECTED")).body.data.proposedActions;
  assert.deepEqual(
    rejected.edges.map((e: { node: { description: string } }) => e.node.description),
    ["action 0"],
  );
});

apiTest("linkedAccounts shows status, scopes and sync state", async ({ app }, t) => {
  const account = await signUp(app);
  await seedRequests(t, account.userId, 0);
  const res = await gql(
    app,
    `{ linkedAccounts { provider accountIdentifier status scopes syncStatus lastSyncedAt } }`,
    {},
    {
      token: account.accessToken,
    },
  );
  const [linked] = res.body.data.linkedAccounts;
  assert.equal(linked.provider, "shopify");
  assert.equal(linked.status, "ACTIVE");
  assert.equal(linked.syncStatus, "SYNCING");
  assert.deepEqual(linked.scopes, []);
  assert.equal(linked.lastSyncedAt, null);
});
