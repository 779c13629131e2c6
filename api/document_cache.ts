/**
 * Parsed and validated GraphQL documents, kept by their query text. A phone
 * app sends the same few operations over and over (a thousand subscribers
 * watching with one subscription text), so each is parsed and validated once
 * per process instead of once per stream, and all streams share one tree.
 * Bounded: the least recently used text leaves first.
 *
 * @example
 * ```ts
 * const documents = createDocumentCache(schema, rules);
 * const prepared = documents.prepare(query);
 * if ("syntaxError" in prepared) return badRequest(prepared.syntaxError.message);
 * if (prepared.errors.length) return send({ errors: prepared.errors });
 * ```
 */
import {
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  parse,
  validate,
  type ValidationRule,
} from "graphql";

export type Prepared =
  | { document: DocumentNode; errors: readonly GraphQLError[] }
  | { syntaxError: GraphQLError };

export interface DocumentCache {
  prepare(query: string): Prepared;
  readonly size: number;
}

/**
 * `costRules` (cheap, linear limits) run first and alone: a document over a
 * limit is refused without paying for `rules`, graphql-js's own among them.
 */
export function createDocumentCache(
  schema: GraphQLSchema,
  rules: readonly ValidationRule[],
  options: {
    costRules?: readonly ValidationRule[];
    /** Parsing stops past this many tokens, with a syntax error saying so. */
    maxTokens?: number;
    maxEntries?: number;
  } = {},
): DocumentCache {
  const { costRules = [], maxTokens, maxEntries = 256 } = options;
  const entries = new Map<string, Prepared>();
  return {
    get size() {
      return entries.size;
    },
    prepare(query) {
      const known = entries.get(query);
      if (known) {
        // Re-inserted, so the Map's order is least recently used first.
        entries.delete(query);
        entries.set(query, known);
        return known;
      }
      let prepared: Prepared;
      try {
        const document = parse(query, { maxTokens });
        const costly = costRules.length ? validate(schema, document, costRules) : [];
        prepared = {
          document,
          errors: costly.length ? costly : validate(schema, document, rules),
        };
      } catch (error) {
        prepared = { syntaxError: error as GraphQLError };
      }
      entries.set(query, prepared);
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
      return prepared;
    },
  };
}
