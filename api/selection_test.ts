import assert from "node:assert/strict";
import { buildSchema, graphql, type GraphQLResolveInfo } from "graphql";
import { selectedFields } from "./selection.ts";

const schema = buildSchema(`
  type Result { summary: String rawData: String visualizations: [String] }
  type Node { id: ID result: Result }
  type Edge { node: Node cursor: String }
  type Page { edges: [Edge] }
  type Query { list: Page }
`);

async function seen(query: string): Promise<{ node: string[]; result: string[] }> {
  let captured = { node: [] as string[], result: [] as string[] };
  await graphql({
    schema,
    source: query,
    rootValue: {
      list: (_: unknown, __: unknown, info: GraphQLResolveInfo) => {
        captured = {
          node: [...selectedFields(info, ["edges", "node"])].sort(),
          result: [...selectedFields(info, ["edges", "node", "result"])].sort(),
        };
        return { edges: [] };
      },
    },
  });
  return captured;
}

Deno.test("fields asked below a list, through fragments and inline fragments", async () => {
  assert.deepEqual(await seen(`{ list { edges { node { id result { summary } } } } }`), {
    node: ["id", "result"],
    result: ["summary"],
  });
  assert.deepEqual(
    await seen(`{ list { edges { cursor node { ...N } } } }
      fragment N on Node { id result { ... on Result { rawData } ...R } }
      fragment R on Result { visualizations }`),
    { node: ["id", "result"], result: ["rawData", "visualizations"] },
  );
  // Two selections of one field merge, as GraphQL merges them.
  assert.deepEqual(
    await seen(
      `{ list { edges { node { result { summary } } } edges { node { result { rawData } } } } }`,
    ),
    { node: ["result"], result: ["rawData", "summary"] },
  );
  assert.deepEqual(await seen(`{ list { edges { cursor } } }`), { node: [], result: [] });
});
