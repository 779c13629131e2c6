/**
 * The executable schema: schema.graphql (the contract mobile developers
 * read) bound to the resolvers. Any error that is not a deliberate
 * GraphQLError is logged and replaced with a generic one, so no message
 * from a library, a stack trace or SQL ever reaches a client.
 */
import { makeExecutableSchema } from "@graphql-tools/schema";
import { GraphQLError, type GraphQLSchema, isObjectType } from "graphql";
import type { Context } from "hono";
import type { Logger } from "../log/logger.ts";
import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from "../db/unavailable.ts";
import { apiError, internalError } from "./errors.ts";
import { resolvers } from "./resolvers.ts";

export const SCHEMA_FILE = new URL("./schema.graphql", import.meta.url);

export async function buildApiSchema(log: Logger): Promise<GraphQLSchema> {
  const schema = makeExecutableSchema({
    typeDefs: await Deno.readTextFile(SCHEMA_FILE),
    resolvers,
    resolverValidationOptions: {
      requireResolversToMatchSchema: "error",
      requireResolversForArgs: "error",
    },
  });
  maskResolverErrors(schema, log);
  return schema;
}

function maskResolverErrors(schema: GraphQLSchema, log: Logger): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    for (const field of Object.values(type.getFields())) {
      // A subscription's `subscribe` (which opens its stream) is masked like any resolver.
      for (const key of ["resolve", "subscribe"] as const) {
        const resolve = field[key];
        if (!resolve) continue;
        field[key] = async (source, args, context, info) => {
          try {
            return await resolve(source, args, context, info);
          } catch (error) {
            if (error instanceof GraphQLError) throw error;
            const requestLog = (context as Context | undefined)?.get?.("log") ?? log;
            if (isDatabaseUnavailable(error)) {
              // Not a fault of ours: the route answers 503 and the client retries.
              requestLog.warn("database unavailable", {
                field: `${type.name}.${field.name}`,
                error,
              });
              (context as Context | undefined)?.set?.("databaseUnavailable", true);
              throw apiError(
                "EXTERNAL_SERVICE_ERROR",
                "The database is unavailable; try again shortly.",
                {
                  retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
                },
              );
            }
            requestLog.error("resolver failed", { field: `${type.name}.${field.name}`, error });
            throw internalError();
          }
        };
      }
    }
  }
}
