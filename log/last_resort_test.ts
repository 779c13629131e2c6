import assert from "node:assert/strict";

const MODULE = new URL("./last_resort.ts", import.meta.url).href;
const LOGGER = new URL("./logger.ts", import.meta.url).href;

/** Runs `body` in a child Deno with the last resort installed; returns its exit code and output. */
async function runChild(body: string) {
  const script = `
    import { installLastResort } from "${MODULE}";
    import { createLogger } from "${LOGGER}";
    installLastResort(createLogger({ level: "info" }));
    ${body}`;
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code, lines: new TextDecoder().decode(stdout).trim().split("\n") };
}

Deno.test("a throw in a timer is logged once and exits 70", async () => {
  const { code, lines } = await runChild(
    `setTimeout(() => { throw new TypeError("Cannot read properties of null (reading 'write')"); }, 0);
     setTimeout(() => console.log("still running"), 5000);`,
  );
  assert.equal(code, 70);
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]!);
  assert.equal(line.level, "error");
  assert.match(line.msg, /uncaught error/);
  assert.match(JSON.stringify(line.error), /reading 'write'/);
});

Deno.test("an unhandled rejection is logged and exits 70", async () => {
  const { code, lines } = await runChild(`Promise.reject(new Error("nobody awaited me"));`);
  assert.equal(code, 70);
  assert.match(lines.join("\n"), /unhandled rejection.*nobody awaited me/);
});

Deno.test("a process with no uncaught error exits normally", async () => {
  const { code, lines } = await runChild(`console.log("done");`);
  assert.equal(code, 0);
  assert.deepEqual(lines, ["done"]);
});
