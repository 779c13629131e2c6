/**
 * Which fields an operation asks for below a resolver, so a list can read only
 * the columns (and the parts of a JSON column) its answer needs. Fragments and
 * inline fragments count; `@skip`/`@include` are ignored, so a field under one
 * is read anyway: reading too much is safe, too little is not.
 */
import type { FieldNode, GraphQLResolveInfo, SelectionSetNode } from "graphql";

/** Field names selected at `path` below the resolver's field (e.g. ["edges", "node"]). */
export function selectedFields(info: GraphQLResolveInfo, path: string[]): Set<string> {
  let level: FieldNode[] = [...info.fieldNodes];
  for (const name of path) {
    level = level.flatMap((node) => fieldsOf(node.selectionSet, info)).filter((f) =>
      f.name.value === name
    );
  }
  return new Set(
    level.flatMap((node) => fieldsOf(node.selectionSet, info)).map((f) => f.name.value),
  );
}

function fieldsOf(set: SelectionSetNode | undefined, info: GraphQLResolveInfo): FieldNode[] {
  if (!set) return [];
  return set.selections.flatMap((selection) => {
    if (selection.kind === "Field") return [selection];
    if (selection.kind === "InlineFragment") return fieldsOf(selection.selectionSet, info);
    const fragment = info.fragments[selection.name.value];
    return fragment ? fieldsOf(fragment.selectionSet, info) : [];
  });
}
