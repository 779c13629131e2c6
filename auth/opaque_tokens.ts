/**
 * Opaque bearer secrets (refresh, password-reset, device tokens): a prefix,
 * then base64url of the owner's user id (16 bytes) and 32 random bytes. The
 * user id lets the lookup run inside that tenant's context; only a SHA-256 of
 * the whole token is stored, so a database leak yields no usable token.
 *
 * @example
 * ```ts
 * const { token, hash } = mintToken("rt", userId);
 * parseToken("rt", token); // { userId, hash }
 * ```
 */
import { sha256 } from "@oslojs/crypto/sha2";
import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from "@oslojs/encoding";

export type TokenKind = "rt" | "pr" | "dt";

export interface MintedToken {
  token: string;
  hash: Uint8Array;
}

const UUID = /^([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})$/i;

export function mintToken(kind: TokenKind, userId: string): MintedToken {
  const bytes = new Uint8Array(48);
  bytes.set(uuidBytes(userId), 0);
  bytes.set(crypto.getRandomValues(new Uint8Array(32)), 16);
  const token = `${kind}_${encodeBase64urlNoPadding(bytes)}`;
  return { token, hash: hashToken(token) };
}

/** The owner and stored hash of a token of `kind`, or null if it is not one. */
export function parseToken(
  kind: TokenKind,
  token: string,
): { userId: string; hash: Uint8Array } | null {
  if (typeof token !== "string" || token.length > 200 || !token.startsWith(`${kind}_`)) return null;
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64urlIgnorePadding(token.slice(kind.length + 1));
  } catch {
    return null;
  }
  if (bytes.length !== 48) return null;
  const hex = Array.from(bytes.slice(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
  const userId = hex.replace(UUID, "$1-$2-$3-$4-$5");
  return { userId, hash: hashToken(token) };
}

export function hashToken(token: string): Uint8Array {
  return sha256(new TextEncoder().encode(token));
}

function uuidBytes(id: string): Uint8Array {
  const match = UUID.exec(id);
  if (!match) throw new Error(`Cannot mint a token: "${id}" is not a uuid`);
  const hex = match.slice(1).join("");
  return Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16));
}
