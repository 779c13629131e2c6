import assert from "node:assert/strict";
import { AIMessage } from "@langchain/core/messages";
import { chooseModel, jsonIn, textOf } from "./llm.ts";

Deno.test("chooseModel runs offline without a key and honours preferredLlm with one", () => {
  const base = { model: "openai/gpt-4o-mini", baseUrl: "http://127.0.0.1:1/v1" };
  assert.equal(chooseModel({ ...base, apiKey: undefined }, "anthropic/claude"), null);
  assert.equal(chooseModel({ ...base, apiKey: "k" }, null)?.name, "openai/gpt-4o-mini");
  assert.equal(
    chooseModel({ ...base, apiKey: "k" }, " anthropic/claude ")?.name,
    "anthropic/claude",
  );
});

Deno.test("jsonIn finds the object in fenced or chatty replies and refuses prose", () => {
  assert.deepEqual(jsonIn('Sure! ```json\n{"a": 1}\n``` done'), { a: 1 });
  assert.deepEqual(jsonIn('Here: {"a": {"b": 2}} hope it helps'), { a: { b: 2 } });
  assert.throws(() => jsonIn("no json here"), SyntaxError);
});

Deno.test("textOf joins content parts", () => {
  assert.equal(
    textOf(new AIMessage({ content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] })),
    "ab",
  );
});
