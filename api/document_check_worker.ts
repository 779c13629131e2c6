/**
 * A worker thread that checks GraphQL documents the API has not seen before: parse (bounded in
 * tokens), the cost limits, then graphql-js's rules and ours, against the same schema and scalars
 * as the API's. It answers a verdict, never a tree: an accepted document is parsed again by the
 * main thread (cheap, being bounded), a refused one never is. So a flood of hostile documents
 * costs the main thread, where `/healthz` and every request's resolvers run, almost nothing.
 * Started by api/document_checker.ts.
 */
import { makeExecutableSchema } from "@graphql-tools/schema";
import {
  type GraphQLError,
  NoSchemaIntrospectionCustomRule,
  parse,
  specifiedRules,
  validate,
  type ValidationRule,
} from "graphql";
import type { CheckLimits, CheckRequest, FormattedError, Verdict } from "./document_checker.ts";
import { depthLimit, nodeLimit, rootFieldLimit } from "./limits.ts";
import { DateScalar, DateTimeScalar, JSONScalar } from "./scalars.ts";

// Built without a top-level await: the handler below is set before the first message arrives.
const schema = makeExecutableSchema({
  typeDefs: Deno.readTextFileSync(new URL("./schema.graphql", import.meta.url)),
  resolvers: { Date: DateScalar, DateTime: DateTimeScalar, JSON: JSONScalar },
});

/** This worker's side of its channel (typed here: the project's types are the main thread's). */
const channel = globalThis as unknown as {
  onmessage: ((event: MessageEvent<CheckRequest | { init: CheckLimits }>) => void) | null;
  postMessage(message: unknown): void;
};

let limits: CheckLimits | null = null;
let costRules: ValidationRule[] = [];
let rules: ValidationRule[] = [];

const formatted = (error: GraphQLError): FormattedError => ({
  message: error.message,
  ...(error.positions?.length ? { positions: [...error.positions] } : {}),
  ...(error.extensions && Object.keys(error.extensions).length
    ? { extensions: { ...error.extensions } }
    : {}),
});

function check(query: string): Verdict {
  let document;
  try {
    document = parse(query, { maxTokens: limits!.maxTokens });
  } catch (error) {
    return { syntaxError: formatted(error as GraphQLError) };
  }
  const costly = validate(schema, document, costRules);
  const errors = costly.length ? costly : validate(schema, document, rules);
  return errors.length ? { errors: errors.map(formatted) } : { accepted: true };
}

channel.onmessage = (event) => {
  const message = event.data;
  if ("init" in message) {
    limits = message.init;
    costRules = [
      depthLimit(limits.maxDepth),
      nodeLimit(limits.maxNodes),
      rootFieldLimit(limits.maxRootFields),
    ];
    rules = [...specifiedRules, ...(limits.production ? [NoSchemaIntrospectionCustomRule] : [])];
    channel.postMessage({ ready: true });
    return;
  }
  let verdict: Verdict;
  try {
    verdict = check(message.query);
  } catch (error) {
    verdict = { failed: error instanceof Error ? error.message : String(error) };
  }
  channel.postMessage({ id: message.id, verdict });
};
