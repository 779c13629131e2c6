import assert from "node:assert/strict";
import { GraphQLError } from "graphql";
import {
  connection,
  decodeCursor,
  decodeIdCursor,
  encodeCursor,
  encodeIdCursor,
  pageLimit,
} from "./pagination.ts";

Deno.test("cursors round-trip with microsecond precision", () => {
  const position = { at: "2026-11-22T05:30:00.123456Z", id: crypto.randomUUID() };
  assert.deepEqual(decodeCursor(encodeCursor(position)), position);
  assert.equal(decodeCursor(null), null);
});

Deno.test("foreign or garbled cursors are INVALID_INPUT, not a fault", () => {
  for (
    const bad of ["", "abc", encodeCursor({ at: "yesterday", id: crypto.randomUUID() }), "%%%"]
  ) {
    assert.throws(
      () => decodeCursor(bad),
      (e: GraphQLError) => e.extensions.code === "INVALID_INPUT",
    );
  }
});

Deno.test("page sizes are 1 to 100", () => {
  assert.equal(pageLimit(undefined), 20);
  assert.equal(pageLimit(100), 100);
  for (const bad of [0, -1, 101, 1.5]) {
    assert.throws(() => pageLimit(bad), (e: GraphQLError) => e.extensions.field === "first");
  }
});

Deno.test("a connection reports whether another page exists", () => {
  const rows = [1, 2, 3].map((n) => ({
    cursor_at: `2026-11-22T00:00:0${n}Z`,
    id: crypto.randomUUID(),
    n,
  }));
  const page = connection(rows, 2, (r) => r.n);
  assert.deepEqual(page.edges.map((e) => e.node), [1, 2]);
  assert.equal(page.pageInfo.hasNextPage, true);
  assert.equal(page.pageInfo.endCursor, page.edges[1]!.cursor);
  const last = connection(rows.slice(0, 2), 2, (r) => r.n);
  assert.equal(last.pageInfo.hasNextPage, false);
});

Deno.test("id cursors round-trip and refuse what they did not make", () => {
  assert.equal(decodeIdCursor(encodeIdCursor("12345")), "12345");
  assert.equal(decodeIdCursor(null), null);
  assert.throws(() => decodeIdCursor("bm90LWEtY3Vyc29y"), /cursor is not valid/);
  assert.throws(() => decodeIdCursor(encodeIdCursor("12; drop")), /cursor is not valid/);
});
