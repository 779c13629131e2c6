/**
 * `GET|POST /graphql`, served by @hono/graphql-server with our limits.
 *
 * Before the package sees a request this router refuses what it handles badly
 * or not at all: batches, malformed JSON, oversized documents (a token limit,
 * checked on a parse of our own), and it authenticates the caller. The
 * package answers 500 whenever `data` is null, which a non-null root field
 * failing on authentication causes; such answers are returned as 200, as
 * GraphQL over HTTP specifies for expected errors.
 */
import { graphqlServer } from "@hono/graphql-server";
import {
  GraphQLError,
  type GraphQLSchema,
  NoSchemaIntrospectionCustomRule,
  parse,
  type ValidationRule,
} from "graphql";
import { type Context, Hono } from "hono";
import { getConnInfo } from "hono/deno";
import type { Viewer } from "../auth/access_tokens.ts";
import { sessionIsLive } from "../auth/sessions.ts";
import { type ApiServices, createLoaders } from "../api/context.ts";
import { depthLimit, nodeLimit } from "../api/limits.ts";
import "./variables.ts";

export const MAX_QUERY_TOKENS = 5000;
export const MAX_DEPTH = 10;
export const MAX_NODES = 5000;

export interface GraphqlDeps {
  schema: GraphQLSchema;
  services: ApiServices;
  production: boolean;
  trustProxyHops: number;
  /** Defaults: MAX_DEPTH and MAX_NODES. */
  limits?: { maxDepth?: number; maxNodes?: number };
}

function errorResponse(
  c: Context,
  status: 400 | 429,
  code: string,
  message: string,
  extensions: Record<string, unknown> = {},
) {
  return c.json({ errors: [{ message, extensions: { code, ...extensions } }] }, status);
}

export function graphqlRoutes(deps: GraphqlDeps): Hono {
  const rules: ValidationRule[] = [
    depthLimit(deps.limits?.maxDepth ?? MAX_DEPTH),
    nodeLimit(deps.limits?.maxNodes ?? MAX_NODES),
  ];
  if (deps.production) rules.push(NoSchemaIntrospectionCustomRule);
  const execute = graphqlServer({ schema: deps.schema, validationRules: rules, graphiql: false });

  return new Hono().all("/graphql", async (c) => {
    const refused = await screenOperation(c);
    if (refused) return refused;

    const auth = await authenticate(c, deps.services);
    if (auth instanceof Response) return auth;
    c.set("api", {
      ...auth,
      ip: clientIp(c, deps.trustProxyHops),
      services: deps.services,
      log: c.get("log"),
      loaders: createLoaders(deps.services, () => auth.viewer!),
    });

    const response = (await execute(c, () => Promise.resolve())) as Response;
    return response.status === 500 ? await expectedErrorsAsOk(response) : response;
  });
}

/** Refuses batches, bad JSON and oversized documents; normalises the JSON content type. */
async function screenOperation(c: Context): Promise<Response | null> {
  let query: unknown = c.req.query("query");
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
    query = (body as { query?: unknown }).query;
    // The package reads only an exact "application/json"; hand it the body it can read.
    const headers = new Headers(c.req.raw.headers);
    headers.set("content-type", "application/json");
    c.req.raw = new Request(c.req.raw.url, { method: "POST", headers, body: text });
  }
  if (typeof query !== "string") return null; // the package answers "Must provide query string."
  try {
    parse(query, { maxTokens: MAX_QUERY_TOKENS, noLocation: true });
  } catch (error) {
    const message = error instanceof GraphQLError && /token/i.test(error.message)
      ? `The operation is too large (more than ${MAX_QUERY_TOKENS} tokens).`
      : error instanceof GraphQLError
      ? error.message
      : "The operation could not be parsed.";
    return errorResponse(c, 400, "INVALID_INPUT", message);
  }
  return null;
}

interface Authentication {
  viewer: Viewer | null;
  viewerProblem: string | null;
}

/**
 * Reads the bearer token. A missing or bad token is not an error here: the
 * fields that need a viewer say so. A valid token's session must still be
 * live (logout, password reset and reuse detection end it at once), and its
 * user within the per-user rate limit; both are checked in one transaction.
 */
async function authenticate(c: Context, services: ApiServices): Promise<Authentication | Response> {
  const header = c.req.header("authorization");
  if (!header) return { viewer: null, viewerProblem: null };
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) {
    return { viewer: null, viewerProblem: "Use the header Authorization: Bearer <access token>." };
  }
  let viewer: Viewer;
  try {
    viewer = await services.accessTokens.verify(match[1]!);
  } catch {
    return {
      viewer: null,
      viewerProblem: "The access token is invalid or has expired. Refresh it or sign in again.",
    };
  }
  const { live, verdict } = await services.db.withTenant(viewer.userId, async (tx) => ({
    live: await sessionIsLive(tx, viewer),
    verdict: await services.limiter.hit("user", viewer.userId, services.limits.requestsPerUser, tx),
  }));
  if (!live) return { viewer: null, viewerProblem: "Your session has ended. Sign in again." };
  if (!verdict.allowed) {
    c.header("Retry-After", String(verdict.retryAfterSeconds));
    return errorResponse(c, 429, "RATE_LIMIT_EXCEEDED", "Too many requests. Slow down.", {
      retryAfterSeconds: verdict.retryAfterSeconds,
    });
  }
  c.set("log", c.get("log").child({ user_id: viewer.userId }));
  return { viewer, viewerProblem: null };
}

function clientIp(c: Context, trustProxyHops: number): string {
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

/** A 500 whose errors are all expected ones (say, AUTHENTICATION_REQUIRED) becomes a 200 with `data: null`. */
async function expectedErrorsAsOk(response: Response): Promise<Response> {
  const body = await response.clone().json().catch(() => null) as
    | { errors?: Array<{ extensions?: { code?: string } }> }
    | null;
  const expected = body?.errors?.length &&
    body.errors.every((e) => e.extensions?.code && e.extensions.code !== "INTERNAL_SERVER_ERROR");
  if (!expected) return response;
  return new Response(JSON.stringify({ errors: body!.errors, data: null }), {
    status: 200,
    headers: response.headers,
  });
}
