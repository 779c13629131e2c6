/**
 * Encryption of stored credentials (Shopify access and refresh tokens) with
 * AES-256-GCM from WebCrypto.
 *
 * Format: version byte (1) · key-id length · key id (ASCII) · 96-bit IV ·
 * ciphertext with its 128-bit tag. A fresh random IV is drawn for every
 * encryption. The additional authenticated data binds a ciphertext to its
 * row (tenant and linked account), so one copied to another row fails to
 * decrypt. The key id names the key of the ring that made it: the newest key
 * encrypts, every key decrypts, and `needsReencryption` finds what rotation
 * must rewrite.
 *
 * @example
 * ```ts
 * const cipher = await createTokenCipher(config.encryptionKeys);
 * const sealed = await cipher.encrypt("shpat_…", { userId, accountId });
 * await cipher.decrypt(sealed, { userId, accountId }); // "shpat_…"
 * ```
 */
import type { EncryptionKey } from "../config/config.ts";

const VERSION = 1;
const IV_BYTES = 12;

export interface TokenBinding {
  userId: string;
  accountId: string;
}

export interface TokenCipher {
  encrypt(plaintext: string, binding: TokenBinding): Promise<Uint8Array>;
  /** Rejects with {@link TokenDecryptionError} for tampering, a wrong row or an unknown key. */
  decrypt(sealed: Uint8Array, binding: TokenBinding): Promise<string>;
  /** True when `sealed` was made with a key other than the newest. */
  needsReencryption(sealed: Uint8Array): boolean;
  newestKeyId: string;
}

/** Says what failed, never the data or the key. */
export class TokenDecryptionError extends Error {
  override name = "TokenDecryptionError";
}

export async function createTokenCipher(ring: EncryptionKey[]): Promise<TokenCipher> {
  if (ring.length === 0) throw new Error("Cannot encrypt tokens: the key ring is empty");
  const keys = new Map<string, CryptoKey>();
  for (const { id, key } of ring) {
    if (key.length !== 32) throw new Error(`Key "${id}" is not 32 bytes`);
    keys.set(
      id,
      await crypto.subtle.importKey("raw", key as BufferSource, "AES-GCM", false, [
        "encrypt",
        "decrypt",
      ]),
    );
  }
  const newestKeyId = ring[0]!.id;
  const encoder = new TextEncoder();
  const aad = (b: TokenBinding) =>
    encoder.encode(`alatar/token/v${VERSION}:${b.userId}:${b.accountId}`);

  return {
    newestKeyId,
    async encrypt(plaintext, binding) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const sealed = new Uint8Array(
        await crypto.subtle.encrypt(
          { name: "AES-GCM", iv, additionalData: aad(binding) },
          keys.get(newestKeyId)!,
          encoder.encode(plaintext),
        ),
      );
      const kid = encoder.encode(newestKeyId);
      const out = new Uint8Array(2 + kid.length + IV_BYTES + sealed.length);
      out.set([VERSION, kid.length], 0);
      out.set(kid, 2);
      out.set(iv, 2 + kid.length);
      out.set(sealed, 2 + kid.length + IV_BYTES);
      return out;
    },
    async decrypt(sealed, binding) {
      const { kid, iv, body } = split(sealed);
      // WebCrypto wants views over a plain ArrayBuffer; copies are a few dozen bytes.
      const key = keys.get(kid);
      if (!key) {
        throw new TokenDecryptionError(`No key "${kid}" in the ring (was it removed too early?)`);
      }
      try {
        const plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: iv.slice(), additionalData: aad(binding) },
          key,
          body.slice(),
        );
        return new TextDecoder().decode(plain);
      } catch {
        throw new TokenDecryptionError(
          "The stored token failed authentication (tampered, or not this row's)",
        );
      }
    },
    needsReencryption(sealed) {
      return split(sealed).kid !== newestKeyId;
    },
  };
}

function split(sealed: Uint8Array) {
  if (sealed.length < 2 || sealed[0] !== VERSION) {
    throw new TokenDecryptionError("Unknown token ciphertext format");
  }
  const kidLength = sealed[1]!;
  const start = 2 + kidLength;
  if (sealed.length < start + IV_BYTES + 16) {
    throw new TokenDecryptionError("Truncated token ciphertext");
  }
  return {
    kid: new TextDecoder().decode(sealed.subarray(2, start)),
    iv: sealed.subarray(start, start + IV_BYTES),
    body: sealed.subarray(start + IV_BYTES),
  };
}
