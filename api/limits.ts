/**
 * Validation rules that bound what one operation may cost (OWASP GraphQL
 * cheat sheet): nesting depth, and a node count in which every aliased
 * selection counts and a list multiplies its children by its size (`first`
 * when given, the maximum page for a variable, a default otherwise).
 *
 * @example
 * ```ts
 * validate(schema, document, [...specifiedRules, depthLimit(10), nodeLimit(5000)]);
 * ```
 */
import {
  type FieldNode,
  getNamedType,
  GraphQLError,
  type GraphQLNamedType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from "graphql";

export const MAX_PAGE_SIZE = 100;
/** Assumed length of a list field that has no `first` (e.g. a request's proposed actions). */
export const DEFAULT_LIST_SIZE = 10;

function limitError(message: string, context: ValidationContext, node: FieldNode | undefined) {
  context.reportError(
    new GraphQLError(message, { nodes: node ? [node] : [], extensions: { code: "INVALID_INPUT" } }),
  );
}

/** Refuses operations nested deeper than `maxDepth` fields (introspection fields aside). */
export function depthLimit(maxDepth: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const depth = heightOf(context, operation.selectionSet, new Map(), new Set());
      if (depth > maxDepth) {
        limitError(
          `The operation is ${depth} levels deep; the limit is ${maxDepth}.`,
          context,
          undefined,
        );
      }
    },
  });
}

/**
 * How many fields deep a selection set reaches. A fragment's height does not
 * depend on where it is spread, so it is measured once (`memo`): a document
 * whose fragments each spread the next twice costs as many steps as it has
 * fragments, not 2^n (24 such fragments took over 8 s unmemoised).
 */
function heightOf(
  context: ValidationContext,
  set: SelectionSetNode,
  memo: Map<string, number>,
  visiting: Set<string>,
): number {
  let max = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith("__")) continue;
      const below = selection.selectionSet
        ? heightOf(context, selection.selectionSet, memo, visiting)
        : 0;
      max = Math.max(max, 1 + below);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      max = Math.max(max, heightOf(context, selection.selectionSet, memo, visiting));
    } else {
      const name = selection.name.value;
      const fragment = context.getFragment(name);
      // Cycles are reported by NoFragmentCycles; here they only must not recurse forever.
      if (!fragment || visiting.has(name)) continue;
      if (!memo.has(name)) {
        visiting.add(name);
        memo.set(name, heightOf(context, fragment.selectionSet, memo, visiting));
        visiting.delete(name);
      }
      max = Math.max(max, memo.get(name)!);
    }
  }
  return max;
}

/**
 * Refuses operations with more than `maxFields` root fields. Each root field
 * is resolved on its own (`a1: me … a2000: me` is 2,000 transactions, or
 * 2,000 errors for a caller who is not signed in), which the node count,
 * made for the shape of nested data, does not bound. Fields are counted by
 * response name, as graphql-js executes them: `me me` runs once, aliases
 * each run. Fragments spread at the root are read once each.
 */
export function rootFieldLimit(maxFields: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const names = new Set<string>();
      const seen = new Set<string>();
      const collect = (set: SelectionSetNode) => {
        for (const selection of set.selections) {
          if (selection.kind === Kind.FIELD) {
            names.add(selection.alias?.value ?? selection.name.value);
          } else if (selection.kind === Kind.INLINE_FRAGMENT) {
            collect(selection.selectionSet);
          } else if (!seen.has(selection.name.value)) {
            seen.add(selection.name.value);
            const fragment = context.getFragment(selection.name.value);
            if (fragment) collect(fragment.selectionSet);
          }
        }
      };
      collect(operation.selectionSet);
      if (names.size > maxFields) {
        limitError(
          `The operation asks for ${names.size} top-level fields; the limit is ${maxFields}. ` +
            `Send fewer aliases, or several operations.`,
          context,
          undefined,
        );
      }
    },
  });
}

/** Refuses operations that could touch more than `maxNodes` objects. */
export function nodeLimit(maxNodes: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const root = operation.operation === "mutation"
        ? context.getSchema().getMutationType()
        : operation.operation === "subscription"
        ? context.getSchema().getSubscriptionType()
        : context.getSchema().getQueryType();
      if (!root) return;
      const nodes = countNodes(
        context,
        operation.selectionSet,
        root,
        undefined,
        new Map(),
        new Set(),
      );
      if (nodes > maxNodes) {
        limitError(
          `The operation could return ${nodes} objects; the limit is ${maxNodes}. Ask for smaller pages.`,
          context,
          undefined,
        );
      }
    },
  });
}

/**
 * The objects a selection set could return. A fragment's count depends only on
 * the list size it is spread under, so it is computed once per size (`memo`).
 */
function countNodes(
  context: ValidationContext,
  set: SelectionSetNode,
  parent: GraphQLNamedType,
  listSize: number | undefined,
  memo: Map<string, number>,
  visiting: Set<string>,
): number {
  let total = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition
        ? context.getSchema().getType(selection.typeCondition.name.value) ?? parent
        : parent;
      total += countNodes(context, selection.selectionSet, type, listSize, memo, visiting);
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const name = selection.name.value;
      const fragment = context.getFragment(name);
      if (!fragment || visiting.has(name)) continue;
      const key = `${name}:${listSize}`;
      if (!memo.has(key)) {
        const type = context.getSchema().getType(fragment.typeCondition.name.value) ?? parent;
        visiting.add(name);
        memo.set(key, countNodes(context, fragment.selectionSet, type, listSize, memo, visiting));
        visiting.delete(name);
      }
      total += memo.get(key)!;
      continue;
    }
    if (selection.name.value.startsWith("__") || !selection.selectionSet) continue;
    if (!isObjectType(parent) && !isInterfaceType(parent)) continue;
    const field = parent.getFields()[selection.name.value];
    if (!field) continue; // FieldsOnCorrectType reports it
    const named = getNamedType(field.type);
    if (!isCompositeType(named)) continue;
    const type = isNonNullType(field.type) ? field.type.ofType : field.type;
    const size = isListType(type) ? listSize ?? DEFAULT_LIST_SIZE : 1;
    const first = pageSize(selection, field.args.find((a) => a.name === "first")?.defaultValue);
    total += size *
      (1 + countNodes(context, selection.selectionSet, named, first, memo, visiting));
  }
  return total;
}

/** The page a `first` argument asks for; a variable counts as the largest page. */
function pageSize(field: FieldNode, fallback: unknown): number | undefined {
  const arg = field.arguments?.find((a) => a.name.value === "first");
  if (!arg) return typeof fallback === "number" ? fallback : undefined;
  if (arg.value.kind === Kind.INT) return Math.max(0, Number(arg.value.value));
  return MAX_PAGE_SIZE;
}
