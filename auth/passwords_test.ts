import assert from "node:assert/strict";
import { argon2id } from "hash-wasm";
import { createPasswordHasher } from "./passwords.ts";

Deno.test("argon2id hashes at OWASP's minimum and verifies", async () => {
  const hasher = createPasswordHasher({ workers: 1 });
  try {
    const stored = await hasher.hash("correct horse battery staple");
    assert.match(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.deepEqual(await hasher.verify(stored, "correct horse battery staple"), {
      valid: true,
      needsRehash: false,
    });
    assert.equal((await hasher.verify(stored, "correct horse battery stapl")).valid, false);
    // Two hashes of one password differ: each has its own salt.
    assert.notEqual(await hasher.hash("correct horse battery staple"), stored);
  } finally {
    hasher.close();
  }
});

Deno.test("a hash with weaker parameters verifies and asks to be replaced", async () => {
  const hasher = createPasswordHasher({ workers: 1 });
  try {
    const weak = await argon2id({
      password: "correct horse battery staple",
      salt: new Uint8Array(16),
      memorySize: 4096,
      iterations: 1,
      parallelism: 1,
      hashLength: 32,
      outputType: "encoded",
    });
    assert.deepEqual(await hasher.verify(weak, "correct horse battery staple"), {
      valid: true,
      needsRehash: true,
    });
  } finally {
    hasher.close();
  }
});

Deno.test("passwords are compared after Unicode normalisation", async () => {
  const hasher = createPasswordHasher({ workers: 1 });
  try {
    const stored = await hasher.hash("caf\u00e9 au lait 42");
    assert.equal((await hasher.verify(stored, "cafe\u0301 au lait 42")).valid, true);
  } finally {
    hasher.close();
  }
});
