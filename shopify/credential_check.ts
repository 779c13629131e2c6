/**
 * Proof that stored Shopify credentials still open with the configured key
 * ring: after a restore, before it commits (see db/restore.ts). AES-GCM
 * authenticates each ciphertext against its row (user and account), so one
 * that decrypts is byte for byte what was stored for that row.
 */
import type postgres from "postgres";
import type { TokenCipher } from "../auth/token_cipher.ts";

export class CredentialCheckError extends Error {
  override name = "CredentialCheckError";
}

/**
 * Decrypts the access and refresh tokens of up to `sample` linked stores, chosen at random.
 * `sql` must see every row (the owner during a restore, with row security off).
 */
export async function checkStoredCredentials(
  sql: postgres.Sql | postgres.TransactionSql,
  cipher: TokenCipher,
  sample = 20,
): Promise<string> {
  const [{ total }] = await sql<[{ total: number }]>`
    select count(*)::int as total from linked_accounts where encrypted_access_token is not null`;
  const rows = await sql<
    {
      id: string;
      user_id: string;
      encrypted_access_token: Uint8Array;
      encrypted_refresh_token: Uint8Array | null;
    }[]
  >`
    select id, user_id, encrypted_access_token, encrypted_refresh_token from linked_accounts
    where encrypted_access_token is not null order by random() limit ${sample}`;
  for (const row of rows) {
    const binding = { userId: row.user_id, accountId: row.id };
    try {
      await cipher.decrypt(row.encrypted_access_token, binding);
      if (row.encrypted_refresh_token) await cipher.decrypt(row.encrypted_refresh_token, binding);
    } catch {
      throw new CredentialCheckError(
        `The credentials of linked store ${row.id} do not decrypt with ALATAR_ENCRYPTION_KEYS. ` +
          `Use the key ring of the system the backup was made on.`,
      );
    }
  }
  return `${rows.length} of ${total} stores' credentials decrypt (a random sample)`;
}
