/**
 * `GET|POST /graphql/stream`: GraphQL over Server-Sent Events, in the
 * protocol's "distinct connections" mode, so the `graphql-sse` client works
 * against it unchanged. Each operation gets its own stream: `event: next`
 * with an execution result, then `event: complete`. Subscriptions run here
 * (the /graphql route never runs them); queries and mutations are answered
 * as one `next` too, as the protocol allows.
 *
 * Beyond what `graphql-sse`'s own handler does: every `next` of a
 * subscription carries an `id:`, the event's id in the request event log
 * (and `extensions.eventId` for clients whose SSE parser drops ids), and a
 * reconnect with `Last-Event-ID` is sent what it missed. A comment line goes
 * out every `heartbeatMs` so proxies and phones keep the connection open, and
 * a closed connection is noticed and its subscription freed at once.
 */
import {
  createSourceEventStream,
  execute,
  type ExecutionResult,
  getOperationAST,
  GraphQLError,
} from "graphql";
import { type Context, Hono } from "hono";
import { z } from "zod";
import { authenticate } from "../api/authenticate.ts";
import { createLoaders, type Loaders } from "../api/context.ts";
import type { RequestUpdates } from "../api/request_updates.ts";
import {
  clientIp,
  documentCacheFor,
  errorResponse,
  type GraphqlDeps,
  MAX_QUERY_LENGTH,
  preparedOrBusy,
} from "./graphql.ts";
import { sseResponse } from "./sse_stream.ts";
import "./variables.ts";

/** How long a client waits before reconnecting after a drop (the SSE `retry:` advice). */
export const RETRY_MS = 3000;
export const HEARTBEAT_MS = 15_000;

export interface GraphqlStreamDeps extends GraphqlDeps {
  updates: RequestUpdates;
  /** Between heartbeat comments; HEARTBEAT_MS by default. */
  heartbeatMs?: number;
}

const Params = z.object({
  query: z.string({ error: "Send the operation as query, in a JSON body or the query string." })
    .max(
      MAX_QUERY_LENGTH,
      `The operation is too large (more than ${MAX_QUERY_LENGTH} characters).`,
    ),
  variables: z.record(z.string(), z.unknown()).nullish(),
  operationName: z.string().nullish(),
  extensions: z.record(z.string(), z.unknown()).nullish(),
});

/** Event ids are the log's bigint ids; anything else is ignored, as a fresh subscribe. */
const EVENT_ID = /^\d{1,18}$/;

export function graphqlStreamRoutes(deps: GraphqlStreamDeps): Hono {
  const documents = documentCacheFor(deps, 256);
  const heartbeatMs = deps.heartbeatMs ?? HEARTBEAT_MS;

  return new Hono().on(["GET", "POST"], "/graphql/stream", async (c) => {
    if (!(c.req.header("accept") ?? "").includes("text/event-stream")) {
      return errorResponse(
        c,
        406,
        "INVALID_INPUT",
        "This endpoint streams Server-Sent Events: send Accept: text/event-stream.",
      );
    }
    const params = Params.safeParse(await readParams(c));
    if (!params.success) {
      return errorResponse(c, 400, "INVALID_INPUT", params.error.issues[0]!.message);
    }
    const prepared = await preparedOrBusy(c, documents, params.data.query);
    if (prepared instanceof Response) return prepared;
    if ("syntaxError" in prepared) {
      return errorResponse(c, 400, "INVALID_INPUT", prepared.syntaxError.message);
    }
    const { document, errors: invalid } = prepared;
    const operation = getOperationAST(document, params.data.operationName);
    if (!operation) {
      return errorResponse(c, 400, "INVALID_INPUT", "Name the operation to run (operationName).");
    }
    if (operation.operation === "mutation" && c.req.method === "GET") {
      c.header("Allow", "POST");
      return errorResponse(c, 405, "INVALID_INPUT", "Send mutations with POST.");
    }

    const auth = await authenticate(c.req.header("authorization"), deps.services);
    if ("rateLimited" in auth) {
      c.header("Retry-After", String(auth.retryAfterSeconds));
      return errorResponse(c, 429, "RATE_LIMIT_EXCEEDED", "Too many requests. Slow down.", {
        retryAfterSeconds: auth.retryAfterSeconds,
      });
    }
    const viewer = auth.viewer;
    if (!viewer) {
      return errorResponse(
        c,
        401,
        "AUTHENTICATION_REQUIRED",
        auth.viewerProblem ?? "Send Authorization: Bearer <access token>.",
      );
    }
    const log = c.get("log").child({ user_id: viewer.userId });
    const lastEventId = c.req.header("last-event-id")?.trim() ?? "";
    const closed = new AbortController();
    // Made on first use and dropped after each event: a subscription that waits for its next
    // change holds none (a thousand open streams would hold three thousand loaders).
    let loaders: Loaders | null = null;
    const api = {
      viewer,
      viewerProblem: null,
      ip: clientIp(c, deps.trustProxyHops),
      services: deps.services,
      log,
      get loaders(): Loaders {
        return loaders ??= createLoaders(deps.services, () => viewer);
      },
      live: {
        updates: deps.updates,
        lastEventId: EVENT_ID.test(lastEventId) ? lastEventId : null,
        signal: closed.signal,
      },
    };
    c.set("api", api);
    c.set("log", log);
    c.header("X-Accel-Buffering", "no"); // nginx would otherwise hold events back

    const args = {
      schema: deps.schema,
      document,
      operationName: params.data.operationName,
      variableValues: params.data.variables,
      contextValue: c,
    };

    return sseResponse(c, async (stream) => {
      stream.signal.addEventListener("abort", () => closed.abort(), { once: true });
      // The process is stopping: end the stream without `complete`, so the client reconnects.
      const leave = () => stream.close();
      deps.updates.closing.addEventListener("abort", leave);
      const send = async (result: ExecutionResult, eventId?: string) => {
        const id = eventId === undefined ? "" : `id: ${eventId}\n`;
        await stream.write(`${id}event: next\ndata: ${JSON.stringify(result)}\n\n`);
      };
      const heartbeat = setInterval(() => {
        void stream.write(":\n\n");
      }, heartbeatMs);
      try {
        // A subscription is set up before the first line goes out: a client that has read
        // `retry:` is subscribed, and nothing committed after that is missed.
        const source = invalid.length === 0 && operation.operation === "subscription"
          ? await createSourceEventStream(args)
          : null;
        await stream.write(`retry: ${RETRY_MS}\n\n`);
        if (invalid.length > 0) {
          await send({ errors: invalid });
        } else if (!source) {
          await send(await execute(args));
        } else {
          if (!(Symbol.asyncIterator in source)) {
            await send(source as ExecutionResult);
          } else {
            for await (const update of source as AsyncIterable<{ eventId: string }>) {
              // Fresh loaders per event: a cached read would repeat the first event's actions.
              loaders = null;
              const result = await execute({ ...args, rootValue: update });
              loaders = null;
              await send({
                ...result,
                extensions: { ...result.extensions, eventId: update.eventId },
              }, update.eventId);
            }
          }
        }
        if (!closed.signal.aborted) await stream.write("event: complete\ndata:\n\n");
      } catch (error) {
        if (!closed.signal.aborted) {
          log.error("graphql stream failed", { error });
          await send({
            errors: [
              new GraphQLError("Internal server error", {
                extensions: { code: "INTERNAL_SERVER_ERROR" },
              }),
            ],
          }).catch(() => {});
          await stream.write("event: complete\ndata:\n\n").catch(() => {});
        }
      } finally {
        clearInterval(heartbeat);
        deps.updates.closing.removeEventListener("abort", leave);
        closed.abort();
      }
    }, (error) => log.error("graphql stream failed", { error }));
  });
}

/** The operation from the query string (GET) or the JSON body (POST), not yet checked. */
async function readParams(c: Context): Promise<unknown> {
  if (c.req.method === "GET") {
    const variables = c.req.query("variables");
    const extensions = c.req.query("extensions");
    try {
      return {
        query: c.req.query("query"),
        operationName: c.req.query("operationName"),
        variables: variables ? JSON.parse(variables) : undefined,
        extensions: extensions ? JSON.parse(extensions) : undefined,
      };
    } catch {
      return { query: null };
    }
  }
  try {
    return await c.req.json();
  } catch {
    return { query: null };
  }
}
