import assert from "node:assert/strict";
import { buildSchema, specifiedRules } from "graphql";
import { createDocumentCache } from "./document_cache.ts";

const schema = buildSchema(`type Query { hello: String, count: Int }`);

Deno.test("the same text is parsed and validated once and shared", () => {
  const cache = createDocumentCache(schema, specifiedRules);
  const first = cache.prepare("{ hello }");
  assert.ok("document" in first);
  assert.deepEqual(first.errors, []);
  assert.equal(cache.prepare("{ hello }"), first);
  assert.equal(cache.size, 1);
});

Deno.test("syntax and validation errors are reported, not thrown", () => {
  const cache = createDocumentCache(schema, specifiedRules);
  const broken = cache.prepare("{ hello ");
  assert.ok("syntaxError" in broken);
  assert.match(broken.syntaxError.message, /Syntax Error/);
  const invalid = cache.prepare("{ nope }");
  assert.ok("document" in invalid);
  assert.match(invalid.errors[0]!.message, /Cannot query field "nope"/);
});

Deno.test("past its bound the least recently used text is dropped", () => {
  const cache = createDocumentCache(schema, specifiedRules, 2);
  const hello = cache.prepare("{ hello }");
  cache.prepare("{ count }");
  cache.prepare("{ hello }"); // used again: now the newest
  cache.prepare("{ hello count }");
  assert.equal(cache.size, 2);
  assert.equal(cache.prepare("{ hello }"), hello, "kept");
  assert.notEqual(cache.prepare("{ count }"), undefined);
  assert.equal(cache.size, 2);
});
