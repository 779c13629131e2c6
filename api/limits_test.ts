import assert from "node:assert/strict";
import { buildSchema, parse, specifiedRules, validate } from "graphql";
import { depthLimit, nodeLimit, rootFieldLimit } from "./limits.ts";

const schema = buildSchema(await Deno.readTextFile(new URL("./schema.graphql", import.meta.url)));
const rules = [...specifiedRules, depthLimit(10), nodeLimit(5000)];
const check = (query: string) => validate(schema, parse(query), rules).map((e) => e.message);

Deno.test("ordinary queries pass", () => {
  assert.deepEqual(check(`{ me { id email preferences { preferredLlm } } }`), []);
  assert.deepEqual(
    check(`{ listAnalysisRequests(first: 50) { edges { cursor node { id status progress { stage }
      result { summary visualizations { type title data } } proposedActions { id status } } }
      pageInfo { hasNextPage endCursor } } }`),
    [],
  );
});

Deno.test("a deep query is refused with its depth", () => {
  const deep =
    `{ listAnalysisRequests { edges { node { result { visualizations { title } } } } } }`;
  assert.deepEqual(
    validate(schema, parse(deep), [...specifiedRules, depthLimit(4)]).map((e) => e.message),
    [
      "The operation is 6 levels deep; the limit is 4.",
    ],
  );
});

Deno.test("an alias flood is counted alias by alias", () => {
  const aliases = Array.from({ length: 6000 }, (_, i) => `a${i}: me { id }`).join(" ");
  const [message] = check(`{ ${aliases} }`);
  assert.match(message ?? "", /could return 6000 objects; the limit is 5000/);
});

Deno.test("root fields are counted by response name, through fragments, up to the limit", () => {
  const rootRules = [...specifiedRules, rootFieldLimit(3)];
  const roots = (query: string) => validate(schema, parse(query), rootRules).map((e) => e.message);
  // `me` three times is one field as executed; three aliases are three.
  assert.deepEqual(roots(`{ me { id } me { email } me { id } }`), []);
  assert.deepEqual(roots(`{ a: me { id } b: me { id } c: me { id } }`), []);
  assert.deepEqual(roots(`{ a: me { id } b: me { id } c: me { id } d: me { id } }`), [
    "The operation asks for 4 top-level fields; the limit is 3. Send fewer aliases, or several operations.",
  ]);
  // Through a fragment and an inline fragment; a fragment spread twice adds its fields once.
  assert.equal(
    roots(`{ ...Q ...Q ... on Query { c: me { id } d: me { id } } }
      fragment Q on Query { a: me { id } b: me { id } }`).length,
    1,
  );
  assert.deepEqual(
    roots(`{ ...Q ...Q c: me { id } } fragment Q on Query { a: me { id } b: me { id } }`),
    [],
  );
});

Deno.test("list sizes multiply: a page of 100 with nested lists is refused", () => {
  const query = `{ listAnalysisRequests(first: 100) { edges { node { proposedActions { id }
    result { visualizations { title } } } } } }`;
  // 1 + 100 × (1 edge + 1 node + 10 actions + 1 result + 10 visualisations) = 2301 per copy
  assert.deepEqual(check(query), []);
  const twice = `{ a: ${query.slice(2, -2)} b: ${query.slice(2, -2)} c: ${query.slice(2, -2)} }`;
  assert.match(check(twice)[0] ?? "", /could return 6903 objects/);
});

Deno.test("a variable page size counts as the largest page", () => {
  const page = (alias: string) =>
    `${alias}: listAnalysisRequests(first: $n) { edges { node { proposedActions { id } } } }`;
  // Each copy: 1 + 100 × (1 edge + 1 node + 10 actions) = 1201.
  assert.deepEqual(check(`query($n: Int) { ${["a", "b", "c", "d"].map(page).join(" ")} }`), []);
  const five = `query($n: Int) { ${["a", "b", "c", "d", "e"].map(page).join(" ")} }`;
  assert.match(check(five)[0] ?? "", /could return 6005 objects/);
});

Deno.test("fragments are followed, and fragment cycles do not hang the rules", () => {
  const viaFragment = `{ ...F } fragment F on Query { ${
    Array.from({ length: 5001 }, (_, i) => `a${i}: me { id }`).join(" ")
  } }`;
  assert.match(check(viaFragment)[0] ?? "", /could return 5001 objects/);
  const cyclic = `{ me { ...A } } fragment A on User { preferences { notificationsEnabled } ...B }
    fragment B on User { ...A }`;
  assert.ok(check(cyclic).some((m) => /Cannot spread fragment/.test(m)));
});

/** `query { me { ...F0 } }` where each of `n` fragments spreads the next twice (issue #17's bomb). */
function fragmentFanOut(n: number, leaf: string): string {
  const fragments = Array.from(
    { length: n },
    (_, i) => `fragment F${i} on User { ...F${i + 1} ...F${i + 1} }`,
  );
  return `query { me { ...F0 } } ${fragments.join(" ")} fragment F${n} on User { ${leaf} }`;
}

Deno.test("fragment fan-out is measured once per fragment, not once per path", () => {
  // 40 fragments spread twice each are 2^40 paths: unmemoised, this validation never ends.
  assert.deepEqual(check(fragmentFanOut(40, "id")), []);
  // The depth is still exact: me → preferences → preferredLlm is 2 below the root field.
  assert.deepEqual(
    validate(schema, parse(fragmentFanOut(40, "preferences { preferredLlm }")), [
      depthLimit(2),
    ]).map((e) => e.message),
    ["The operation is 3 levels deep; the limit is 2."],
  );
  // And each path's objects count: 2^40 copies of `preferences` are refused, not overflowed.
  const [nodes] = validate(schema, parse(fragmentFanOut(40, "preferences { preferredLlm }")), [
    nodeLimit(5000),
  ]).map((e) => e.message);
  assert.match(nodes ?? "", /could return 1099511627777 objects; the limit is 5000/);
});
