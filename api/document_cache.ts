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
  GraphQLError,
  type GraphQLSchema,
  parse,
  Source,
  validate,
  type ValidationRule,
} from "graphql";
import type { DocumentChecker, FormattedError } from "./document_checker.ts";

export type Prepared =
  | { document: DocumentNode; errors: readonly GraphQLError[] }
  | { syntaxError: GraphQLError };

export interface DocumentCache {
  /** Rejects with {@link CheckerBusy} when the off-thread checker has too much waiting. */
  prepare(query: string): Promise<Prepared>;
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
    /**
     * Checks new documents on a worker thread (the same limits and rules, set when it was
     * started), so this thread only parses documents found valid; without one, here.
     */
    checker?: DocumentChecker;
  } = {},
): DocumentCache {
  const { costRules = [], maxTokens, maxEntries = 256, checker } = options;
  const entries = new Map<string, Prepared>();

  function prepareHere(query: string): Prepared {
    try {
      const document = parse(query, { maxTokens });
      const costly = costRules.length ? validate(schema, document, costRules) : [];
      return { document, errors: costly.length ? costly : validate(schema, document, rules) };
    } catch (error) {
      return { syntaxError: error as GraphQLError };
    }
  }

  async function prepareAside(query: string, checker: DocumentChecker): Promise<Prepared> {
    const verdict = await checker.check(query);
    if ("accepted" in verdict) return { document: parse(query, { maxTokens }), errors: [] };
    // A check that failed is made here, as it always was.
    if ("failed" in verdict) return prepareHere(query);
    const source = new Source(query);
    const error = (e: FormattedError) =>
      new GraphQLError(e.message, { source, positions: e.positions, extensions: e.extensions });
    if ("syntaxError" in verdict) return { syntaxError: error(verdict.syntaxError) };
    const errors = verdict.errors.map(error);
    let document: DocumentNode | undefined;
    return {
      // Parsed only if asked for (the stream route answers with the operation it names).
      get document() {
        return document ??= parse(query, { maxTokens });
      },
      errors,
    };
  }

  function remember(query: string, prepared: Prepared): Prepared {
    entries.set(query, prepared);
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    return prepared;
  }

  return {
    get size() {
      return entries.size;
    },
    async prepare(query) {
      const known = entries.get(query);
      if (known) {
        // Re-inserted, so the Map's order is least recently used first.
        entries.delete(query);
        entries.set(query, known);
        return known;
      }
      if (!checker) return remember(query, prepareHere(query));
      const prepared = await prepareAside(query, checker);
      // A refusal is not kept: refused documents are an attacker's to vary, and holding hundreds
      // of them (20 KB each) would only grow the heap this thread collects; checking one again
      // costs the worker thread, not this one.
      return "document" in prepared && prepared.errors.length === 0
        ? remember(query, prepared)
        : prepared;
    },
  };
}
