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
      const depth = measureDepth(context, operation.selectionSet, 0, new Set());
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

function measureDepth(
  context: ValidationContext,
  set: SelectionSetNode,
  depth: number,
  visiting: Set<string>,
): number {
  let max = depth;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith("__")) continue;
      const below = selection.selectionSet
        ? measureDepth(context, selection.selectionSet, depth + 1, visiting)
        : depth + 1;
      max = Math.max(max, below);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      max = Math.max(max, measureDepth(context, selection.selectionSet, depth, visiting));
    } else {
      const fragment = context.getFragment(selection.name.value);
      // Cycles are reported by NoFragmentCycles; here they only must not recurse forever.
      if (!fragment || visiting.has(fragment.name.value)) continue;
      visiting.add(fragment.name.value);
      max = Math.max(max, measureDepth(context, fragment.selectionSet, depth, visiting));
      visiting.delete(fragment.name.value);
    }
  }
  return max;
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
      const nodes = countNodes(context, operation.selectionSet, root, undefined, new Set());
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

function countNodes(
  context: ValidationContext,
  set: SelectionSetNode,
  parent: GraphQLNamedType,
  listSize: number | undefined,
  visiting: Set<string>,
): number {
  let total = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const type = selection.typeCondition
        ? context.getSchema().getType(selection.typeCondition.name.value) ?? parent
        : parent;
      total += countNodes(context, selection.selectionSet, type, listSize, visiting);
      continue;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = context.getFragment(selection.name.value);
      if (!fragment || visiting.has(fragment.name.value)) continue;
      const type = context.getSchema().getType(fragment.typeCondition.name.value) ?? parent;
      visiting.add(fragment.name.value);
      total += countNodes(context, fragment.selectionSet, type, listSize, visiting);
      visiting.delete(fragment.name.value);
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
      (1 + countNodes(context, selection.selectionSet, named, first, visiting));
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
