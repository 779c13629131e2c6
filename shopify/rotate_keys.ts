/**
 * Re-encrypts every stored Shopify credential under the newest key of the
 * ring (`deno task keys:rotate`). Each account is rewritten in its own tenant
 * transaction and skipped when already under the newest key, so the run can
 * stop at any point and simply be started again.
 *
 * Rotating: put the new key first in ALATAR_ENCRYPTION_KEYS (keep the old
 * ones), restart, run this, then remove the old keys.
 */
import type { TokenCipher } from "../auth/token_cipher.ts";
import type { Database } from "../db/database.ts";
import type { Logger } from "../log/logger.ts";

export interface RotationReport {
  accounts: number;
  rotated: number;
  alreadyCurrent: number;
}

export async function rotateCredentialKeys(
  deps: { db: Database; cipher: TokenCipher; log: Logger },
): Promise<RotationReport> {
  const accounts = await deps.db.withSystem(
    "list linked accounts for key rotation",
    (tx) =>
      tx<{ id: string; user_id: string }[]>`select id, user_id from linked_accounts order by id`,
  );
  const report: RotationReport = { accounts: accounts.length, rotated: 0, alreadyCurrent: 0 };
  for (const { id, user_id: userId } of accounts) {
    const changed = await deps.db.withTenant(userId, async (tx) => {
      const [row] = await tx<
        { encrypted_access_token: Uint8Array | null; encrypted_refresh_token: Uint8Array | null }[]
      >`
        select encrypted_access_token, encrypted_refresh_token from linked_accounts where id = ${id} for update`;
      const binding = { userId, accountId: id };
      const reseal = async (sealed: Uint8Array | null) =>
        sealed && deps.cipher.needsReencryption(sealed)
          ? await deps.cipher.encrypt(await deps.cipher.decrypt(sealed, binding), binding)
          : sealed;
      if (!row) return false;
      const access = await reseal(row.encrypted_access_token);
      const refresh = await reseal(row.encrypted_refresh_token);
      if (access === row.encrypted_access_token && refresh === row.encrypted_refresh_token) {
        return false;
      }
      await tx`update linked_accounts set encrypted_access_token = ${access}, encrypted_refresh_token = ${refresh}
               where id = ${id}`;
      return true;
    });
    if (changed) report.rotated++;
    else report.alreadyCurrent++;
  }
  deps.log.info("credential keys rotated", { ...report, key: deps.cipher.newestKeyId });
  return report;
}
