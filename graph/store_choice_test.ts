import assert from "node:assert/strict";
import { storeNamedIn } from "./store_choice.ts";

const STORES = [
  { id: "us", domain: "alatar-us.myshopify.com", country: "US" },
  { id: "eu", domain: "alatar-eu.myshopify.com", country: "DE" },
  { id: "demo", domain: "alatar-demo.myshopify.com", country: null },
];

Deno.test("a store is named by its domain, handle, a word only it has, or its country", () => {
  const cases: Array<[string, string]> = [
    ["sales in my EU store last week", "eu"],
    ["how many orders did alatar-us.myshopify.com get yesterday", "us"],
    ["orders on alatar-demo in October", "demo"],
    ["how is the demo shop doing", "demo"],
    ["net sales of my DE store this month", "eu"],
    ["what about the US shop?", "us"],
  ];
  for (const [question, id] of cases) {
    const choice = storeNamedIn(question, STORES);
    assert.equal(choice.kind === "named" ? choice.id : choice.kind, id, question);
  }
});

Deno.test("no store, a shared word, a pronoun or two stores are not one store", () => {
  assert.equal(storeNamedIn("how were sales last week?", STORES).kind, "none");
  // "alatar" is in every handle: it names none of them.
  assert.equal(storeNamedIn("how is alatar doing", STORES).kind, "none");
  // "us" is a pronoun unless it is said before store/shop.
  assert.equal(storeNamedIn("show us sales for october", STORES).kind, "none");
  assert.deepEqual(storeNamedIn("compare my US and EU stores", STORES), {
    kind: "several",
    ids: ["us", "eu"],
  });
});
