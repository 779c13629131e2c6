/**
 * `GET|POST /graphql`, served by @hono/graphql-server with our limits.
 *
 * Before the package sees a request this router refuses what it handles badly
 * or not at all: batches, malformed JSON, oversized documents, and it
 * authenticates the caller. The
 * package answers 500 whenever `data` is null, which a non-null root field
 * failing on authentication causes; such answers are returned as 200, as
 * GraphQL over HTTP specifies for expected errors.
 */
import { graphqlServer } from "@hono/graphql-server";
import { sha256 } from "@oslojs/crypto/sha2";
import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import {
  GraphQLError,
  type GraphQLSchema,
  NoSchemaIntrospectionCustomRule,
  parse,
  validate,
  type ValidationRule,
} from "graphql";
import { type Context, Hono } from "hono";
import { getConnInfo } from "hono/deno";
import { authenticate } from "../api/authenticate.ts";
import { type ApiServices, createLoaders } from "../api/context.ts";
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
 * The cost limits alone, before graphql-js's own rules: those all run in one
 * visitor with ours, so a document over a limit would still pay for every one
 * of them (2,000 aliases cost ~60 ms there). Here it is refused after a parse
 * and one linear pass. Syntax errors are left to the full validation to word.
 */
export function costErrors(
  schema: GraphQLSchema,
  rules: readonly ValidationRule[],
  query: string,
): readonly GraphQLError[] {
  let document;
  try {
    document = parse(query, { maxTokens: MAX_TOKENS });
  } catch (error) {
    // graphql-js words it "Document contains more that N tokens. Parsing aborted."
    if (error instanceof GraphQLError && /\d+ tokens\. Parsing aborted/.test(error.message)) {
      return [
        new GraphQLError(
          `The operation has more than ${MAX_TOKENS} tokens. Send a smaller document.`,
          { extensions: { code: "INVALID_INPUT" } },
        ),
      ];
    }
    return [];
  }
  return validate(schema, document, rules);
}

export function graphqlRoutes(deps: GraphqlDeps): Hono {
  const execute = graphqlServer({
    schema: deps.schema,
    validationRules: validationRulesFor(deps),
    graphiql: false,
  });

  const costRules = costRulesFor(deps);
  return new Hono().all("/graphql", async (c) => {
    const refused = await screenOperation(c, (query) => costErrors(deps.schema, costRules, query));
    if (refused) return refused;

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
    if (auth.viewer) c.set("log", c.get("log").child({ user_id: auth.viewer.userId }));
    c.set("api", {
      viewer: auth.viewer,
      viewerProblem: auth.viewerProblem,
      ip: clientIp(c, deps.trustProxyHops),
      services: deps.services,
      log: c.get("log"),
      loaders: createLoaders(deps.services, () => auth.viewer!),
    });

    const response = (await execute(c, () => Promise.resolve())) as Response;
    if (c.get("databaseUnavailable")) return databaseUnavailable(c);
    if (response.status === 500) return await normaliseNoData(response);
    return c.req.method === "GET" && response.status === 200
      ? await revalidated(c.req.header("if-none-match"), response, auth.viewer?.userId ?? null)
      : response;
  });
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

/**
 * A GET query's answer with a strong ETag, or 304 and no body when the client
 * already holds it: a dashboard polling an unchanged list downloads nothing.
 * The tag hashes whose answer it is (the user, or none) with its bytes, so two
 * users never share one even when their answers are byte for byte the same.
 * `private, no-cache` keeps shared caches out and makes private ones ask every
 * time; `Vary: Authorization` says the answer depends on who asks.
 */
export async function revalidated(
  ifNoneMatch: string | undefined,
  response: Response,
  userId: string | null,
): Promise<Response> {
  const body = new Uint8Array(await response.arrayBuffer());
  const owner = new TextEncoder().encode(`${userId ?? "anonymous"}\n`);
  const tagged = new Uint8Array(owner.length + body.length);
  tagged.set(owner);
  tagged.set(body, owner.length);
  const etag = `"${encodeBase64urlNoPadding(sha256(tagged).subarray(0, 18))}"`;
  const headers = new Headers(response.headers);
  headers.set("ETag", etag);
  headers.set("Cache-Control", "private, no-cache");
  headers.append("Vary", "Authorization");
  const held = (ifNoneMatch ?? "").split(",").map((t) => t.trim().replace(/^W\//, ""));
  if (held.includes(etag) || held.includes("*")) {
    headers.delete("content-type");
    headers.delete("content-length");
    return new Response(null, { status: 304, headers });
  }
  return new Response(body, { status: response.status, headers });
}

/** Refuses batches, bad JSON and oversized documents; normalises the JSON content type. */
async function screenOperation(
  c: Context,
  overLimits: (query: string) => readonly GraphQLError[],
): Promise<Response | null> {
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
    // The package reads only an exact "application/json"; hand it the body it can read.
    const headers = new Headers(c.req.raw.headers);
    headers.set("content-type", "application/json");
    c.req.raw = new Request(c.req.raw.url, { method: "POST", headers, body: text });
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
  if (typeof query !== "string") return null; // the package answers "Must provide query string."
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
  // GraphQL over HTTP: GET may only read. A mutation sent by GET is refused with 405.
  if (c.req.method === "GET" && /^\s*mutation\b|}\s*mutation\b/.test(stripStrings(query))) {
    c.header("Allow", "POST");
    return errorResponse(c, 405, "INVALID_INPUT", "Mutations must be sent with POST.");
  }
  const costly = overLimits(query);
  if (costly.length > 0) {
    return c.json({ errors: costly.map((e) => e.toJSON()) }, 400);
  }
  return null;
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

/**
 * The package answers 500 whenever there is no data. Two kinds of such answers are not faults:
 * - every error is an expected one (say, AUTHENTICATION_REQUIRED): 200 with `data: null`;
 * - every error came before execution (no `path`: a variable of the wrong type, no operation
 *   chosen among several): the request was wrong, so 400 with INVALID_INPUT.
 * Masked resolver faults keep their 500.
 */
async function normaliseNoData(response: Response): Promise<Response> {
  const body = await response.clone().json().catch(() => null) as
    | { errors?: Array<{ path?: unknown; extensions?: { code?: string } }> }
    | null;
  const errors = body?.errors;
  if (!errors?.length) return response;
  if (errors.every((e) => e.extensions?.code && e.extensions.code !== "INTERNAL_SERVER_ERROR")) {
    return new Response(JSON.stringify({ errors, data: null }), {
      status: 200,
      headers: response.headers,
    });
  }
  if (errors.every((e) => e.path === undefined && !e.extensions?.code)) {
    const invalid = errors.map((e) => ({
      ...e,
      extensions: { ...e.extensions, code: "INVALID_INPUT" },
    }));
    return new Response(JSON.stringify({ errors: invalid }), {
      status: 400,
      headers: response.headers,
    });
  }
  return response;
}
