/**
 * `GET|POST /graphql`: GraphQL over HTTP with our limits.
 *
 * The body is read once; batches, malformed JSON and oversized documents are
 * refused first. Each distinct document is parsed and validated once per
 * process (api/document_cache.ts: the cost limits, graphql-js's rules, ours)
 * and then only executed: a phone app sends the same few operations again and
 * again. (@hono/graphql-server, which served this route before, parsed and
 * validated every request, after our own parse for the cost limits; see
 * docs/benchmarks.md.) A signed-in user's query asked again while nothing of
 * theirs changed is answered as it was (api/answer_cache.ts), without reading
 * the database. An answer with no data whose errors are all expected
 * ones (say, a non-null root field failing on authentication) is a 200, as
 * GraphQL over HTTP specifies.
 */
import { sha256 } from "@oslojs/crypto/sha2";
import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import {
  type DocumentNode,
  execute,
  type ExecutionResult,
  getOperationAST,
  GraphQLError,
  type GraphQLSchema,
  NoSchemaIntrospectionCustomRule,
  type OperationDefinitionNode,
  specifiedRules,
  type ValidationRule,
} from "graphql";
import { type Context, Hono } from "hono";
import { getConnInfo } from "hono/deno";
import { type AnswerCache, answerKey, type HeldAnswer } from "../api/answer_cache.ts";
import { authenticate } from "../api/authenticate.ts";
import { type ApiServices, createLoaders } from "../api/context.ts";
import { createDocumentCache, type DocumentCache, type Prepared } from "../api/document_cache.ts";
import {
  CheckerBusy,
  type CheckLimits,
  CheckTimedOut,
  type DocumentChecker,
} from "../api/document_checker.ts";
import { depthLimit, nodeLimit, rootFieldLimit } from "../api/limits.ts";
import { documentHasNul, nulIn } from "../api/text_input.ts";
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from "../db/unavailable.ts";
import "./variables.ts";

export const MAX_QUERY_LENGTH = 20_000;
export const MAX_DEPTH = 10;
export const MAX_NODES = 5000;
export const MAX_ROOT_FIELDS = 20;
/**
 * Lexical tokens in one document. Our largest real operation has a few hundred
 * (the standard introspection query, about 160); a 20 KB document of tiny
 * fragments or aliases has over 4,000, and graphql-js's own rules cost
 * milliseconds per thousand. graphql-js stops parsing at the limit.
 */
export const MAX_TOKENS = 2000;

export interface GraphqlDeps {
  schema: GraphQLSchema;
  services: ApiServices;
  production: boolean;
  trustProxyHops: number;
  /** Defaults: MAX_DEPTH and MAX_NODES. */
  limits?: { maxDepth?: number; maxNodes?: number };
  /** Checks documents not seen before on a worker thread (see {@link checkLimitsFor}). */
  documentChecker?: DocumentChecker;
  /** Keeps answers to repeated reads until the user's data changes; without it, none are kept. */
  answers?: AnswerCache;
  /** Counts reads answered as kept (`hit`) and read then kept (`miss`). */
  onAnswer?: (outcome: "hit" | "miss") => void;
}

/** What the off-thread checker must enforce: exactly what this route's rules do. */
export function checkLimitsFor(deps: Pick<GraphqlDeps, "limits" | "production">): CheckLimits {
  return {
    maxDepth: deps.limits?.maxDepth ?? MAX_DEPTH,
    maxNodes: deps.limits?.maxNodes ?? MAX_NODES,
    maxRootFields: MAX_ROOT_FIELDS,
    maxTokens: MAX_TOKENS,
    production: deps.production,
  };
}

/** The document cache both GraphQL routes use: checked aside when there is a checker. */
export function documentCacheFor(deps: GraphqlDeps, maxEntries = 512) {
  return createDocumentCache(deps.schema, [...specifiedRules, ...validationRulesFor(deps)], {
    costRules: costRulesFor(deps),
    maxTokens: MAX_TOKENS,
    maxEntries,
    checker: deps.documentChecker,
  });
}

/**
 * The operation's document, parsed and checked; or the 503 to answer when too many new documents
 * wait to be checked (a flood of them).
 */
export async function preparedOrBusy(
  c: Context,
  documents: DocumentCache,
  query: string,
): Promise<Prepared | Response> {
  try {
    return await documents.prepare(query);
  } catch (error) {
    if (error instanceof CheckTimedOut) {
      c.get("log").warn("graphql document refused: too slow to check");
      return errorResponse(
        c,
        400,
        "INVALID_INPUT",
        "The operation is too costly to check. Send a simpler one.",
      );
    }
    if (!(error instanceof CheckerBusy)) throw error;
    c.get("log").warn("graphql documents waiting to be checked past the limit");
    c.header("Retry-After", "1");
    return errorResponse(
      c,
      503,
      "EXTERNAL_SERVICE_ERROR",
      "Too busy to check this operation now; retry in a moment.",
    );
  }
}

export function errorResponse(
  c: Context,
  status: 400 | 401 | 405 | 406 | 429 | 503,
  code: string,
  message: string,
  extensions: Record<string, unknown> = {},
) {
  return c.json({ errors: [{ message, extensions: { code, ...extensions } }] }, status);
}

/** What one operation may cost: depth, objects, root fields. Each is linear in the document. */
export function costRulesFor(deps: Pick<GraphqlDeps, "limits">): ValidationRule[] {
  return [
    depthLimit(deps.limits?.maxDepth ?? MAX_DEPTH),
    nodeLimit(deps.limits?.maxNodes ?? MAX_NODES),
    rootFieldLimit(MAX_ROOT_FIELDS),
  ];
}

/**
 * Our rules beside GraphQL's own, for documents that passed the cost limits
 * (`costRulesFor`, run first and alone): no introspection in production.
 */
export function validationRulesFor(deps: Pick<GraphqlDeps, "production">): ValidationRule[] {
  return deps.production ? [NoSchemaIntrospectionCustomRule] : [];
}

/**
 * A document graphql-js refused to parse: past MAX_TOKENS it says "Document contains more that
 * N tokens. Parsing aborted.", which we word for the client.
 */
function syntaxErrorOf(error: GraphQLError): GraphQLError {
  return /\d+ tokens\. Parsing aborted/.test(error.message)
    ? new GraphQLError(
      `The operation has more than ${MAX_TOKENS} tokens. Send a smaller document.`,
      { extensions: { code: "INVALID_INPUT" } },
    )
    : error;
}

export function graphqlRoutes(deps: GraphqlDeps): Hono {
  const documents = documentCacheFor(deps);

  return new Hono().all("/graphql", async (c) => {
    if (c.req.method !== "GET" && c.req.method !== "POST") {
      c.header("Allow", "GET, POST");
      return c.json({ errors: [{ message: "GraphQL only supports GET and POST requests." }] }, 405);
    }
    const operation = await readOperation(c);
    if (operation instanceof Response) return operation;
    const prepared = await preparedOrBusy(c, documents, operation.query);
    if (prepared instanceof Response) return prepared;
    const refused = refusal(c, prepared);
    if (refused) return refused;
    const { document } = prepared as Extract<Prepared, { document: unknown }>;
    const chosen = getOperationAST(document, operation.operationName);
    const writes = writeOverGet(c, chosen);
    if (writes) return writes;

    let auth: Awaited<ReturnType<typeof authenticate>>;
    try {
      auth = await authenticate(c.req.header("authorization"), deps.services);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      c.get("log").warn("database unavailable", { step: "authenticate", error });
      return databaseUnavailable(c);
    }
    if ("rateLimited" in auth) {
      c.header("Retry-After", String(auth.retryAfterSeconds));
      return errorResponse(c, 429, "RATE_LIMIT_EXCEEDED", "Too many requests. Slow down.", {
        retryAfterSeconds: auth.retryAfterSeconds,
      });
    }
    const viewer = auth.viewer;
    if (viewer) c.set("log", c.get("log").child({ user_id: viewer.userId }));
    // A signed-in user's read may be answered as it was last time, if nothing of theirs changed.
    const answers = viewer && chosen?.operation === "query" ? deps.answers : undefined;
    const key = answers &&
      answerKey(documentIdOf(document), operation.operationName, operation.variables);
    const held = key ? answers.get(viewer!.userId, key) : null;
    if (held) {
      deps.onAnswer?.("hit");
      return answerResponse(c, held, 200, viewer!.userId);
    }
    // Taken before the read: a change committed meanwhile keeps this answer from being kept.
    const ticket = key ? answers.ticket(viewer!.userId) : null;
    c.set("api", {
      viewer,
      viewerProblem: auth.viewerProblem,
      ip: clientIp(c, deps.trustProxyHops),
      services: deps.services,
      log: c.get("log"),
      loaders: createLoaders(deps.services, () => viewer!),
    });

    const result = await execute({
      schema: deps.schema,
      document,
      contextValue: c,
      variableValues: operation.variables,
      operationName: operation.operationName,
    });
    // This process's next read sees the mutation's writes without waiting for their NOTIFY.
    if (viewer && chosen?.operation === "mutation") deps.answers?.forgetUser(viewer.userId);
    if (c.get("databaseUnavailable")) return databaseUnavailable(c);
    const answer = answerOf(result);
    const sent: HeldAnswer = { body: encoder.encode(JSON.stringify(answer.body)) };
    if (ticket && answer.status === 200 && !result.errors?.length) {
      answers!.keep(ticket, key!, sent);
      deps.onAnswer?.("miss");
    }
    return answerResponse(c, sent, answer.status, viewer?.userId ?? null);
  });
}

const encoder = new TextEncoder();

/** Each parsed document's number in answer keys: one object per distinct text (api/document_cache.ts). */
const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;
function documentIdOf(document: DocumentNode): number {
  let id = documentIds.get(document);
  if (id === undefined) documentIds.set(document, id = nextDocumentId++);
  return id;
}

/**
 * The JSON answer. A successful GET's carries a strong ETag, or is a 304 with no body when the
 * client already holds it: a dashboard polling an unchanged list downloads nothing.
 * `private, no-cache` keeps shared caches out and makes private ones ask every time;
 * `Vary: Authorization` says the answer depends on who asks.
 */
function answerResponse(
  c: Context,
  answer: HeldAnswer,
  status: 200 | 400 | 500,
  userId: string | null,
): Response {
  if (c.req.method !== "GET" || status !== 200) {
    return c.body(answer.body, status, { "Content-Type": "application/json" });
  }
  answer.etag ??= etagOf(answer.body, userId);
  c.header("ETag", answer.etag);
  c.header("Cache-Control", "private, no-cache");
  c.header("Vary", "Authorization", { append: true });
  const held = (c.req.header("if-none-match") ?? "").split(",").map((t) =>
    t.trim().replace(/^W\//, "")
  );
  if (held.includes(answer.etag) || held.includes("*")) return c.body(null, 304);
  return c.body(answer.body, 200, { "Content-Type": "application/json" });
}

/**
 * The tag hashes whose answer it is (the user, or none) with its bytes, so two users never share
 * one even when their answers are byte for byte the same.
 */
function etagOf(body: Uint8Array<ArrayBuffer>, userId: string | null): string {
  const owner = encoder.encode(`${userId ?? "anonymous"}\n`);
  const tagged = new Uint8Array(owner.length + body.length);
  tagged.set(owner);
  tagged.set(body, owner.length);
  return `"${encodeBase64urlNoPadding(sha256(tagged).subarray(0, 18))}"`;
}

/** The answer to a document that cannot run: a syntax error, a broken rule. */
function refusal(c: Context, prepared: Prepared): Response | null {
  if ("syntaxError" in prepared) {
    return c.json({ errors: [syntaxErrorOf(prepared.syntaxError).toJSON()] }, 400);
  }
  if (prepared.errors.length > 0) {
    return c.json({ errors: prepared.errors.map((e) => e.toJSON()) }, 400);
  }
  return null;
}

/** GraphQL over HTTP: GET may only read. */
function writeOverGet(
  c: Context,
  chosen: OperationDefinitionNode | null | undefined,
): Response | null {
  if (c.req.method !== "GET" || !chosen || chosen.operation === "query") return null;
  c.header("Allow", "POST");
  const what = chosen.operation === "mutation" ? "Mutations" : "Subscriptions";
  return errorResponse(c, 405, "INVALID_INPUT", `${what} must be sent with POST.`);
}

/**
 * 200, unless there is no data. Then: every error an expected one (say, AUTHENTICATION_REQUIRED)
 * is still 200 with `data: null`; every error from before execution (no `path`: a variable of the
 * wrong type, no operation chosen among several) is the request's fault, 400 with INVALID_INPUT;
 * a masked resolver fault is a 500.
 */
function answerOf(result: ExecutionResult): { status: 200 | 400 | 500; body: unknown } {
  const errors = result.errors;
  if (result.data || !errors?.length) return { status: 200, body: result };
  const code = (e: GraphQLError) => e.extensions?.code as string | undefined;
  if (errors.every((e) => code(e) && code(e) !== "INTERNAL_SERVER_ERROR")) {
    return { status: 200, body: { errors, data: null } };
  }
  if (errors.every((e) => e.path === undefined && !code(e))) {
    const invalid = errors.map((e) => {
      const json = e.toJSON();
      return { ...json, extensions: { ...json.extensions, code: "INVALID_INPUT" } };
    });
    return { status: 400, body: { errors: invalid } };
  }
  return { status: 500, body: result };
}

/** 503 with `Retry-After`: the database is away (a restart, a failover); retrying is safe. */
export function databaseUnavailable(c: Context): Response {
  c.header("Retry-After", String(DATABASE_RETRY_AFTER_SECONDS));
  return errorResponse(
    c,
    503,
    "EXTERNAL_SERVICE_ERROR",
    "The database is unavailable; try again shortly.",
    { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS },
  );
}

interface Operation {
  query: string;
  variables: Record<string, unknown> | undefined;
  operationName: string | null;
}

/** The operation of a GET's query string or a POST's JSON body; refuses batches, bad JSON, oversized documents. */
async function readOperation(c: Context): Promise<Response | Operation> {
  let query: unknown = c.req.query("query");
  let variables: unknown = c.req.query("variables");
  let operationName: unknown = c.req.query("operationName");
  if (typeof variables === "string") {
    try {
      variables = JSON.parse(variables);
    } catch {
      return errorResponse(c, 400, "INVALID_INPUT", "variables must be a JSON object.");
    }
  }
  if (c.req.method === "POST") {
    const type = c.req.header("content-type") ?? "";
    if (!/^application\/json\b/i.test(type)) {
      return errorResponse(c, 400, "INVALID_INPUT", "Send the operation as application/json.");
    }
    const text = await c.req.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return errorResponse(c, 400, "INVALID_INPUT", "The request body is not valid JSON.");
    }
    if (Array.isArray(body)) {
      return errorResponse(
        c,
        400,
        "INVALID_INPUT",
        "Batched operations are not supported: send one per request.",
      );
    }
    if (!body || typeof body !== "object") {
      return errorResponse(c, 400, "INVALID_INPUT", "The body must be a JSON object with a query.");
    }
    ({ query, variables, operationName } = body as Record<string, unknown>);
  }
  if (
    variables !== undefined && variables !== null &&
    (typeof variables !== "object" || Array.isArray(variables))
  ) {
    return errorResponse(c, 400, "INVALID_INPUT", "variables must be a JSON object.");
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== "string") {
    return errorResponse(c, 400, "INVALID_INPUT", "operationName must be a string.");
  }
  const nul = nulIn(variables, "variables");
  if (nul || (typeof query === "string" && documentHasNul(query))) {
    return errorResponse(
      c,
      400,
      "INVALID_INPUT",
      `${nul ?? "The operation"} contains a NUL character, which cannot be stored.`,
      nul ? { field: nul.replace(/^variables\./, "") } : {},
    );
  }
  if (typeof query !== "string") {
    return c.json({ errors: [{ message: "Must provide query string." }] }, 400);
  }
  // Bounds parse and validation work without parsing twice (graphql-js itself copes with
  // duplicate-field floods: 4,900 fields validate in ~9 ms).
  if (query.length > MAX_QUERY_LENGTH) {
    return errorResponse(
      c,
      400,
      "INVALID_INPUT",
      `The operation is too large (more than ${MAX_QUERY_LENGTH} characters).`,
    );
  }
  // graphql-js parses by recursion: thousands of nested braces overflow the stack, and the
  // message ("Maximum call stack size exceeded") says nothing useful. Braces are counted first.
  if (nestingOf(query) > MAX_NESTING) {
    return errorResponse(
      c,
      400,
      "INVALID_INPUT",
      `The operation is nested more than ${MAX_NESTING} levels deep.`,
    );
  }
  return {
    query,
    variables: (variables ?? undefined) as Record<string, unknown> | undefined,
    operationName: (operationName ?? null) as string | null,
  };
}

/** Nested braces and brackets a document opens, string literals and comments aside. */
export const MAX_NESTING = 64;
function nestingOf(query: string): number {
  let depth = 0, max = 0;
  for (const ch of stripStrings(query)) {
    if (ch === "{" || ch === "[" || ch === "(") max = Math.max(max, ++depth);
    else if (ch === "}" || ch === "]" || ch === ")") depth--;
  }
  return max;
}

/** The document without its string literals and comments, where braces and keywords are not syntax. */
function stripStrings(query: string): string {
  return query.replace(/"""[\s\S]*?"""|"(?:\\.|[^"\\\n])*"|#[^\n]*/g, '""');
}

export function clientIp(c: Context, trustProxyHops: number): string {
  if (trustProxyHops > 0) {
    const hops = (c.req.header("x-forwarded-for") ?? "").split(",").map((s) => s.trim()).filter(
      Boolean,
    );
    const ip = hops[hops.length - trustProxyHops];
    if (ip) return ip;
  }
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown"; // no socket (in-process requests)
  }
}
