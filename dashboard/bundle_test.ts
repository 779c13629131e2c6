import assert from "node:assert/strict";
import { PREBUILT } from "./bundle.ts";

// As the production image does it: `deno task bundle` writes the file, and a production process
// (which may not start `deno bundle`) serves it from there.
Deno.test("the production bundle is written once and served from its file", async () => {
  const existed = await Deno.stat(PREBUILT).then(() => true, () => false);
  const run = (args: string[]) =>
    new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" }).output();
  try {
    const built = await run(["run", "-A", new URL("./bundle.ts", import.meta.url).pathname]);
    assert.ok(built.success, new TextDecoder().decode(built.stderr));
    assert.match(new TextDecoder().decode(built.stdout), /\d+ bytes, \d+ gzipped/);
    const written = await Deno.readFile(PREBUILT);

    // A process without the right to run subprocesses reads it.
    const served = await run([
      "eval",
      "--deny-run",
      `const { clientBundle } = await import(${
        JSON.stringify(new URL("./bundle.ts", import.meta.url).href)
      });
       const b = await clientBundle({ prebuilt: true });
       console.log(JSON.stringify({ path: b.path, bytes: b.js.length }));`,
    ]);
    assert.ok(served.success, new TextDecoder().decode(served.stderr));
    const { path, bytes } = JSON.parse(new TextDecoder().decode(served.stdout));
    assert.equal(bytes, written.length);
    assert.match(path, /^\/app\/assets\/app-[0-9a-f]{16}\.js$/);
  } finally {
    if (!existed) await Deno.remove(new URL("./dist/", import.meta.url), { recursive: true });
  }
});
