/**
 * Query cost as Shopify documents it for the Admin GraphQL API: a scalar or
 * enum costs 0, an object 1, a connection 2 plus `first` times the cost of
 * one of its items, a mutation 10. The requested cost comes from the query
 * (every connection full); the actual cost from the result (the items that
 * came back), and the difference is returned to the bucket.
 */
import {
  type FieldNode,
  type FragmentDefinitionNode,
  getNamedType,
  type GraphQLNamedType,
  type GraphQLSchema,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";

const MUTATION_COST = 10;

interface Walk {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

export function queryCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  data?: unknown,
): number {
  if (operation.operation === "mutation") return MUTATION_COST;
  return selectionCost(
    { schema, fragments, variables },
    operation.selectionSet,
    schema.getQueryType()!,
    data,
  );
}

function fieldsOf(walk: Walk, set: SelectionSetNode): FieldNode[] {
  const out: FieldNode[] = [];
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) out.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) {
      out.push(...fieldsOf(walk, selection.selectionSet));
    } else {
      const fragment = walk.fragments[selection.name.value];
      if (fragment) out.push(...fieldsOf(walk, fragment.selectionSet));
    }
  }
  return out;
}

function selectionCost(
  walk: Walk,
  set: SelectionSetNode,
  parent: GraphQLNamedType,
  data: unknown,
): number {
  if (!isObjectType(parent) && !isInterfaceType(parent)) return 0;
  let total = 0;
  for (const field of fieldsOf(walk, set)) {
    const definition = parent.getFields()[field.name.value];
    const selections = field.selectionSet;
    if (!definition || !selections) continue; // scalars and enums are free
    const type = getNamedType(definition.type);
    const key = field.alias?.value ?? field.name.value;
    const value = data === undefined ? undefined : (data as Record<string, unknown> | null)?.[key];
    if (type.name.endsWith("Connection")) {
      total += 2 + connectionCost(walk, field, type, value);
    } else if (
      isListType(isNonNullType(definition.type) ? definition.type.ofType : definition.type)
    ) {
      const items = Array.isArray(value) ? value : undefined;
      const count = items
        ? items.length
        : argument(walk, field, "first") ?? argument(walk, field, "last") ?? 1;
      const each = items
        ? items.reduce(
          (s: number, item) => s + 1 + selectionCost(walk, selections, type, item),
          0,
        )
        : count * (1 + selectionCost(walk, selections, type, undefined));
      total += each;
    } else if (data === undefined || value !== null) {
      total += 1 + selectionCost(walk, selections, type, value);
    }
  }
  return total;
}

/** `first` (or `last`) × the cost of one item (edges.node or nodes), from the query or the result. */
function connectionCost(
  walk: Walk,
  field: FieldNode,
  type: GraphQLNamedType,
  value: unknown,
): number {
  if (!isObjectType(type)) return 0;
  const first = argument(walk, field, "first") ?? argument(walk, field, "last") ?? 0;
  let total = 0;
  for (const part of fieldsOf(walk, field.selectionSet!)) {
    const definition = type.getFields()[part.name.value];
    const partSelections = part.selectionSet;
    if (!definition || !partSelections) continue;
    const item = getNamedType(definition.type);
    const returned = value === undefined
      ? undefined
      : (value as Record<string, unknown[]>)?.[part.alias?.value ?? part.name.value];
    if (part.name.value === "pageInfo") {
      total += 1;
    } else if (part.name.value === "nodes") {
      total += returned
        ? returned.reduce(
          (s: number, n) => s + 1 + selectionCost(walk, partSelections, item, n),
          0,
        )
        : first * (1 + selectionCost(walk, partSelections, item, undefined));
    } else if (part.name.value === "edges") {
      const edgeType = item;
      if (!isObjectType(edgeType)) continue;
      for (const inner of fieldsOf(walk, partSelections)) {
        if (inner.name.value !== "node" || !inner.selectionSet) continue;
        const nodeType = getNamedType(edgeType.getFields().node!.type);
        total += returned
          ? returned.reduce(
            (s: number, edge) =>
              s + 1 +
              selectionCost(
                walk,
                inner.selectionSet!,
                nodeType,
                (edge as Record<string, unknown>)[inner.alias?.value ?? "node"],
              ),
            0,
          )
          : first * (1 + selectionCost(walk, inner.selectionSet, nodeType, undefined));
      }
    }
  }
  return total;
}

function argument(walk: Walk, field: FieldNode, name: string): number | undefined {
  const arg = field.arguments?.find((a) => a.name.value === name);
  if (!arg) return undefined;
  if (arg.value.kind === Kind.INT) return Number(arg.value.value);
  if (arg.value.kind === Kind.VARIABLE) {
    const value = walk.variables[arg.value.name.value];
    return typeof value === "number" ? value : undefined;
  }
  return undefined;
}
