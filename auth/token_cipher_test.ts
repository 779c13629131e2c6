import assert from "node:assert/strict";
import { createTokenCipher, TokenDecryptionError } from "./token_cipher.ts";

const key = () => crypto.getRandomValues(new Uint8Array(32));
const row = { userId: crypto.randomUUID(), accountId: crypto.randomUUID() };

Deno.test("a token round-trips, and no two encryptions look alike", async () => {
  const cipher = await createTokenCipher([{ id: "k1", key: key() }]);
  const a = await cipher.encrypt("shpat_0123456789", row);
  const b = await cipher.encrypt("shpat_0123456789", row);
  assert.notDeepEqual(a, b, "the IV must be fresh each time");
  assert.equal(await cipher.decrypt(a, row), "shpat_0123456789");
  assert.ok(!new TextDecoder().decode(a).includes("shpat_"), "plaintext visible in the ciphertext");
});

Deno.test("a flipped bit anywhere fails authentication", async () => {
  const cipher = await createTokenCipher([{ id: "k1", key: key() }]);
  const sealed = await cipher.encrypt("shpat_secret", row);
  for (const position of [5, 10, sealed.length - 1]) {
    const tampered = sealed.slice();
    tampered[position]! ^= 1;
    await assert.rejects(cipher.decrypt(tampered, row), TokenDecryptionError);
  }
});

Deno.test("a ciphertext copied to another tenant's or account's row does not decrypt", async () => {
  const cipher = await createTokenCipher([{ id: "k1", key: key() }]);
  const sealed = await cipher.encrypt("shpat_secret", row);
  await assert.rejects(
    cipher.decrypt(sealed, { ...row, userId: crypto.randomUUID() }),
    /not this row/,
  );
  await assert.rejects(
    cipher.decrypt(sealed, { ...row, accountId: crypto.randomUUID() }),
    /not this row/,
  );
});

Deno.test("rotation: the newest key encrypts, older keys still decrypt until removed", async () => {
  const k1 = { id: "k1", key: key() };
  const k2 = { id: "k2", key: key() };
  const old = await (await createTokenCipher([k1])).encrypt("shpat_old", row);
  const ring = await createTokenCipher([k2, k1]);
  assert.equal(ring.needsReencryption(old), true);
  assert.equal(await ring.decrypt(old, row), "shpat_old");
  const fresh = await ring.encrypt("shpat_old", row);
  assert.equal(ring.needsReencryption(fresh), false);
  const withoutK1 = await createTokenCipher([k2]);
  await assert.rejects(withoutK1.decrypt(old, row), /No key "k1"/);
});

Deno.test("garbage and truncated input are refused with a clear error", async () => {
  const cipher = await createTokenCipher([{ id: "k1", key: key() }]);
  await assert.rejects(
    cipher.decrypt(new Uint8Array([9, 9, 9]), row),
    /Unknown token ciphertext format/,
  );
  const sealed = await cipher.encrypt("x", row);
  await assert.rejects(cipher.decrypt(sealed.subarray(0, 10), row), /Truncated/);
});
