import assert from "node:assert/strict";
import { countRows, isEndOfData, readLines } from "./backup_format.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  return ReadableStream.from(chunks.map((c) => encoder.encode(c)));
}

Deno.test("lines split across chunks come out whole, bytes untouched", async () => {
  const lines: string[] = [];
  for await (const line of readLines(streamOf("ab", "c\nd", "é\\n\n\n", "last"))) {
    lines.push(decoder.decode(line));
  }
  assert.deepEqual(lines, ["abc", "dé\\n", "", "last"]);
});

Deno.test("a COPY chunk's rows are its newlines; only a lone \\. ends the data", () => {
  assert.equal(countRows(encoder.encode("1\ta\n2\tb\\nc\n")), 2);
  assert.equal(countRows(encoder.encode("")), 0);
  assert.equal(isEndOfData(encoder.encode("\\.")), true);
  assert.equal(isEndOfData(encoder.encode("\\\\.")), false);
  assert.equal(isEndOfData(encoder.encode("\\.x")), false);
});
