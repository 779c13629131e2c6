/**
 * Asks a server's `/healthz` every 10 ms from a process of its own, so that
 * what it measures is the server's event loop and not the benchmark's (which
 * builds and sends the documents, and in `api` mode hosts the dev store). A
 * line on stdin ends a window: the latencies of that window are printed as
 * one JSON array; stdin closing ends the probe.
 *
 * deno run -A bench/healthz_probe.ts http://127.0.0.1:8000
 */
const url = `${Deno.args[0]}/healthz`;
let window: number[] = [];
let probing = true;

const loop = (async () => {
  while (probing) {
    const sent = performance.now();
    const res = await fetch(url);
    await res.body?.cancel();
    window.push(performance.now() - sent);
    await new Promise((r) => setTimeout(r, 10));
  }
})();

const encoder = new TextEncoder();
const decoder = new TextDecoder();
for await (const chunk of Deno.stdin.readable) {
  for (const _ of decoder.decode(chunk).split("\n").slice(1)) {
    await Deno.stdout.write(encoder.encode(JSON.stringify(window) + "\n"));
    window = [];
  }
}
probing = false;
await loop;
