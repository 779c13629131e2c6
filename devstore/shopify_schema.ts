/**
 * Shopify's own Admin GraphQL schema for API version 2026-10, as the
 * introspection result Shopify publishes in its `@shopify/dev-mcp` npm package
 * (1.16.0, `dist/data/admin_2026-10.json.gz`), kept unchanged beside this file
 * (sha256 f3b522f2…0c6593).
 *
 * The dev store serves a strict subset of it. Every document it is sent, and
 * every bulk query, must be valid against Shopify's schema as well as its own,
 * so our client can never come to rely on something only the stand-in
 * accepts; `tests/shopify_schema_test.ts` checks the dev store's SDL against
 * it type by type, field by field, argument by argument.
 */
import {
  buildClientSchema,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  validate,
} from "graphql";
import { gunzipSync } from "node:zlib";

export const SHOPIFY_SCHEMA_VERSION = "2026-10";
const FILE = new URL("./shopify_admin_2026-10.json.gz", import.meta.url);

let schema: GraphQLSchema | null = null;
/** Verdicts by document text: a client sends the same few documents over and over. */
const verdicts = new Map<string, readonly GraphQLError[]>();

/** Shopify's schema, read once per process (about half a second). */
export function shopifyAdminSchema(): GraphQLSchema {
  if (!schema) {
    const introspection = JSON.parse(gunzipSync(Deno.readFileSync(FILE)).toString());
    schema = buildClientSchema(introspection.data);
  }
  return schema;
}

/** What Shopify's schema finds wrong with `document` (nothing when it is valid there). */
export function shopifyValidationErrors(
  source: string,
  document: DocumentNode,
): readonly GraphQLError[] {
  let errors = verdicts.get(source);
  if (!errors) {
    errors = validate(shopifyAdminSchema(), document);
    if (verdicts.size >= 1000) verdicts.clear();
    verdicts.set(source, errors);
  }
  return errors;
}
