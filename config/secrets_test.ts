import assert from "node:assert/strict";
import { parseConfig } from "./config.ts";
import { ensureDevSecrets } from "./secrets.ts";

Deno.test("development secrets are generated once, private, and then reused", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await ensureDevSecrets(`${dir}/data`);
    assert.deepEqual(first.generated.sort(), [
      "ALATAR_ENCRYPTION_KEYS",
      "EMBEDDED_PG_PASSWORD",
      "JWT_SECRET",
      "SHOPIFY_API_SECRET",
    ]);
    assert.equal((await Deno.stat(first.path)).mode! & 0o777, 0o600);
    // What was generated is valid configuration.
    const config = parseConfig({}, first.secrets);
    assert.equal(config.encryptionKeys[0]?.key.length, 32);

    const second = await ensureDevSecrets(`${dir}/data`);
    assert.deepEqual(second.generated, []);
    assert.deepEqual(second.secrets, first.secrets);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a secrets file missing a value gets only that value added", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/secrets.json`, JSON.stringify({ JWT_SECRET: "k".repeat(40) }));
    const result = await ensureDevSecrets(dir);
    assert.equal(result.secrets.JWT_SECRET, "k".repeat(40));
    assert.deepEqual(result.generated.sort(), [
      "ALATAR_ENCRYPTION_KEYS",
      "EMBEDDED_PG_PASSWORD",
      "SHOPIFY_API_SECRET",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
