/**
 * The alert rules parse, and each alert fires on what it is for and stays quiet just below its
 * threshold (ops/prometheus/alerts_test.yml), with Prometheus's own `promtool` (Debian's `prometheus`
 * package, installed by .ci/run). Without promtool the test is reported as ignored, not passed.
 */
import assert from "node:assert/strict";

const promtool = await new Deno.Command("promtool", {
  args: ["--version"],
  stdout: "null",
  stderr: "null",
})
  .output().then((o) => o.success, () => false);
const here = new URL(".", import.meta.url).pathname;

async function run(...args: string[]) {
  const out = await new Deno.Command("promtool", { args, cwd: here }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { ok: out.success, text };
}

Deno.test({
  name: "promtool: the rules are valid, and each alert fires and stays quiet as its tests say",
  ignore: !promtool,
  async fn() {
    const check = await run("check", "rules", "alerts.yml");
    assert.ok(check.ok, check.text);
    assert.match(check.text, /SUCCESS: 6 rules found/);
    const test = await run("test", "rules", "alerts_test.yml");
    assert.ok(test.ok, test.text);
  },
});
