import assert from "node:assert/strict";
import { connection, sortedBy } from "./admin_helpers.ts";

const letters = ["a", "b", "c", "d", "e"];

Deno.test("connections page forward with first/after and backward with last/before, as Shopify does", () => {
  const firstTwo = connection(letters, { first: 2 });
  assert.deepEqual(firstTwo.nodes, ["a", "b"]);
  assert.deepEqual(
    { next: firstTwo.pageInfo.hasNextPage, previous: firstTwo.pageInfo.hasPreviousPage },
    { next: true, previous: false },
  );
  const nextTwo = connection(letters, { first: 2, after: firstTwo.pageInfo.endCursor });
  assert.deepEqual(nextTwo.nodes, ["c", "d"]);
  const lastTwo = connection(letters, { last: 2 });
  assert.deepEqual(lastTwo.nodes, ["d", "e"]);
  assert.equal(lastTwo.pageInfo.hasPreviousPage, true);
  assert.equal(lastTwo.pageInfo.hasNextPage, false);
  const beforeThose = connection(letters, { last: 2, before: lastTwo.pageInfo.startCursor });
  assert.deepEqual(beforeThose.nodes, ["b", "c"]);
  const between = connection(letters, {
    first: 10,
    after: firstTwo.pageInfo.startCursor,
    before: lastTwo.pageInfo.endCursor,
  });
  assert.deepEqual(between.nodes, ["b", "c", "d"]);
  assert.throws(() => connection(letters, {}), /one of first or last/);
  assert.throws(() => connection(letters, { first: 1, last: 1 }), /both first and last/);
  assert.throws(() => connection(letters, { last: 251 }), /last must be between 0 and 250/);
  assert.deepEqual(connection(letters, {}, true).nodes, letters, "a bulk query takes everything");
});

Deno.test("sortKey orders a connection before paging, ID by default, and reverse turns it", () => {
  const rows = [
    { id: 3, title: "Mug", at: 20 },
    { id: 1, title: "cap", at: 30 },
    { id: 2, title: "Boot", at: 10 },
  ];
  const keys = {
    ID: (r: typeof rows[number]) => r.id,
    TITLE: (r: typeof rows[number]) => r.title.toLowerCase(),
    CREATED_AT: (r: typeof rows[number]) => r.at,
  };
  const ids = (list: typeof rows) => list.map((r) => r.id);
  assert.deepEqual(ids(sortedBy(rows, keys, {})), [1, 2, 3]);
  assert.deepEqual(ids(sortedBy(rows, keys, { sortKey: "TITLE" })), [2, 1, 3]);
  assert.deepEqual(ids(sortedBy(rows, keys, { sortKey: "CREATED_AT", reverse: true })), [1, 3, 2]);
  assert.deepEqual(ids(rows), [3, 1, 2], "the shop's own list is left as it was");
});
