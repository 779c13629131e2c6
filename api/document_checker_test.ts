import assert from "node:assert/strict";
import { buildSchema, specifiedRules } from "graphql";
import { createDocumentCache } from "./document_cache.ts";
import { CheckerBusy, CheckTimedOut, startDocumentChecker } from "./document_checker.ts";
import { depthLimit, nodeLimit, rootFieldLimit } from "./limits.ts";

const LIMITS = {
  maxDepth: 10,
  maxNodes: 5000,
  maxRootFields: 20,
  maxTokens: 2000,
  production: true,
};

// The fragment bomb: 24 fragments, each spreading the next twice (2^24 paths).
const BOMB = "query{me{...F0}} " +
  Array.from({ length: 24 }, (_, i) => `fragment F${i} on User{...F${i + 1} ...F${i + 1}}`)
    .join(" ") +
  " fragment F24 on User{id}";

Deno.test("off the main thread, documents get the answers the main thread would give", async () => {
  const checker = await startDocumentChecker(LIMITS);
  try {
    const schema = buildSchema(
      await Deno.readTextFile(new URL("./schema.graphql", import.meta.url)),
    );
    const rules = [...specifiedRules];
    const costRules = [depthLimit(10), nodeLimit(5000), rootFieldLimit(20)];
    const aside = createDocumentCache(schema, rules, { costRules, maxTokens: 2000, checker });
    const here = createDocumentCache(schema, rules, { costRules, maxTokens: 2000 });
    const documents = [
      "{ me { id email } }",
      "query($id: ID!) { analysisRequest(id: $id) { id status } }",
      "{ me { id ",
      "{ me { nope } }",
      "{ me { id } } { me { email } }",
      BOMB,
      `{ me { ${"a: id ".repeat(2100)} } }`,
    ];
    for (const query of documents) {
      const [a, h] = [await aside.prepare(query), await here.prepare(query)];
      if ("syntaxError" in h) {
        assert.ok("syntaxError" in a, query);
        assert.equal(a.syntaxError.message, h.syntaxError.message);
        assert.deepEqual(a.syntaxError.locations, h.syntaxError.locations, "same place");
        continue;
      }
      assert.ok("document" in a, query);
      assert.deepEqual(a.errors.map((e) => e.toJSON()), h.errors.map((e) => e.toJSON()), query);
      assert.equal(a.document.definitions.length, h.document.definitions.length);
    }
    // Production: no introspection, as the route's own rules say.
    const introspection = await checker.check("{ __schema { types { name } } }");
    assert.ok("errors" in introspection);
    assert.match(introspection.errors[0]!.message, /introspection/i);
  } finally {
    checker.close();
  }
});

Deno.test("the main thread stays free while a hostile document is checked", async () => {
  const checker = await startDocumentChecker(LIMITS);
  try {
    const order: string[] = [];
    const checked = checker.check(BOMB).then(() => order.push("checked"));
    // A timer due now fires while the check is in flight: nothing here waits on it.
    await new Promise((resolve) => setTimeout(resolve, 0)).then(() => order.push("timer"));
    await checked;
    assert.deepEqual(order, ["timer", "checked"]);
  } finally {
    checker.close();
  }
});

Deno.test("past its queue the checker refuses at once; a stuck check is given up and the worker replaced", async () => {
  const checker = await startDocumentChecker(LIMITS, { maxPending: 2, timeoutMs: 1 });
  try {
    const first = checker.check(BOMB).catch((e) => e);
    const second = checker.check(BOMB).catch((e) => e);
    await assert.rejects(checker.check("{ me { id } }"), CheckerBusy);
    // The first takes longer than 1 ms: it is refused as too slow, and the one waiting behind it
    // is told to come again (the worker was replaced under it).
    const [slow, behind] = await Promise.all([first, second]);
    assert.ok(slow instanceof CheckTimedOut, String(slow));
    assert.ok(behind instanceof CheckerBusy, String(behind));
    assert.equal(checker.pending, 0);
  } finally {
    checker.close();
  }
  // A fresh checker with room works as before: the replacement is a whole worker.
  const fresh = await startDocumentChecker(LIMITS);
  try {
    assert.deepEqual(await fresh.check("{ me { id } }"), { accepted: true });
  } finally {
    fresh.close();
  }
});
