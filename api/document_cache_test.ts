import assert from "node:assert/strict";
import { buildSchema, GraphQLError, specifiedRules, type ValidationRule } from "graphql";
import { createDocumentCache } from "./document_cache.ts";

const schema = buildSchema(`type Query { hello: String, count: Int }`);

Deno.test("the same text is parsed and validated once and shared", async () => {
  const cache = createDocumentCache(schema, specifiedRules);
  const first = await cache.prepare("{ hello }");
  assert.ok("document" in first);
  assert.deepEqual(first.errors, []);
  assert.equal(await cache.prepare("{ hello }"), first);
  assert.equal(cache.size, 1);
});

Deno.test("syntax and validation errors are reported, not thrown", async () => {
  const cache = createDocumentCache(schema, specifiedRules);
  const broken = await cache.prepare("{ hello ");
  assert.ok("syntaxError" in broken);
  assert.match(broken.syntaxError.message, /Syntax Error/);
  const invalid = await cache.prepare("{ nope }");
  assert.ok("document" in invalid);
  assert.match(invalid.errors[0]!.message, /Cannot query field "nope"/);
});

Deno.test("past its bound the least recently used text is dropped", async () => {
  const cache = createDocumentCache(schema, specifiedRules, { maxEntries: 2 });
  const hello = await cache.prepare("{ hello }");
  await cache.prepare("{ count }");
  await cache.prepare("{ hello }"); // used again: now the newest
  await cache.prepare("{ hello count }");
  assert.equal(cache.size, 2);
  assert.equal(await cache.prepare("{ hello }"), hello, "kept");
  assert.notEqual(await cache.prepare("{ count }"), undefined);
  assert.equal(cache.size, 2);
});

Deno.test("a document over a cost limit is refused without running the other rules", async () => {
  let othersRan = 0;
  const other: ValidationRule = () => ({ Document: () => void othersRan++ });
  const refuse: ValidationRule = (context) => ({
    Document: () => context.reportError(new GraphQLError("too costly")),
  });
  const errorsOf = async (cache: ReturnType<typeof createDocumentCache>) => {
    const prepared = await cache.prepare("{ hello }");
    assert.ok("errors" in prepared);
    return prepared.errors.map((e) => e.message);
  };
  assert.deepEqual(
    await errorsOf(createDocumentCache(schema, [other], { costRules: [refuse] })),
    ["too costly"],
  );
  assert.equal(othersRan, 0);
  assert.deepEqual(await errorsOf(createDocumentCache(schema, [other], { costRules: [] })), []);
  assert.equal(othersRan, 1);
});
