/**
 * `deno task bench`: runs the benchmarks and writes their figures into
 * docs/benchmarks.md, between the markers of each section, with the machine
 * and the date. Sections not run keep their previous figures.
 */
import { describeMachine } from "./machine.ts";
import { measureStartup } from "./startup_bench.ts";

const DOC = new URL("../docs/benchmarks.md", import.meta.url);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const fmt = (ms: number) => ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
const all = (values: number[]) => values.map(fmt).join(", ");

async function writeSection(name: string, body: string): Promise<void> {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const doc = await Deno.readTextFile(DOC).catch(() => "# Benchmarks\n");
  const section = `${begin}\n${body.trim()}\n${end}`;
  const at = doc.indexOf(begin);
  const next = at >= 0
    ? doc.slice(0, at) + section + doc.slice(doc.indexOf(end) + end.length)
    : `${doc.trimEnd()}\n\n${section}\n`;
  await Deno.writeTextFile(DOC, next);
}

const only = Deno.args[0];
const machine = await describeMachine();
const date = new Date().toISOString().slice(0, 10);

if (!only || only === "startup") {
  console.error("startup: fresh clones, cold and warm (about a minute)…");
  const f = await measureStartup(3);
  const body = `
### Start-up and test suite (issue #2)

Measured ${date} on ${machine} with \`deno task bench startup\`. Each start is a fresh \`git clone\`,
timed from spawning \`deno task start\` to \`/readyz\` answering 200; median of 3 (all runs listed).

| case | goal | median | runs |
|---|---|---|---|
| cold: empty Deno cache, new data directory (downloads every npm package, initdb) | < 20 s | ${
    fmt(median(f.coldMs))
  } | ${all(f.coldMs)} |
| warm: dependencies cached, new data directory (initdb) | < 5 s | ${
    fmt(median(f.warmFirstMs))
  } | ${all(f.warmFirstMs)} |
| restart: dependencies cached, data directory kept | < 5 s | ${fmt(median(f.restartMs))} | ${
    all(f.restartMs)
  } |
| \`deno task test\` wall time, warm cache (embedded Postgres included) | < 3 min | ${
    fmt(f.testSuiteMs)
  } | ${f.testSummary} |
`;
  await writeSection("startup", body);
  console.log(body);
}
