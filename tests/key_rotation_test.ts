/** keys:rotate re-encrypts every tenant's credentials under the newest key, resumably. */
import assert from "node:assert/strict";
import { createTokenCipher } from "../auth/token_cipher.ts";
import { rotateCredentialKeys } from "../shopify/rotate_keys.ts";
import { createUser, dbTest } from "./helpers/test_db.ts";

const key = () => crypto.getRandomValues(new Uint8Array(32));

dbTest(
  "every account's tokens move to the newest key; a second run has nothing to do",
  async (t) => {
    const k1 = { id: "k1", key: key() };
    const k2 = { id: "k2", key: key() };
    const old = await createTokenCipher([k1]);
    const accounts: Array<{ userId: string; accountId: string }> = [];
    for (let i = 0; i < 3; i++) {
      const userId = await createUser(t.db);
      const accountId = crypto.randomUUID();
      const binding = { userId, accountId };
      await t.db.withTenant(
        userId,
        async (tx) =>
          tx`insert into linked_accounts (id, user_id, provider, account_identifier, encrypted_access_token,
                                      encrypted_refresh_token)
         values (${accountId}, ${userId}, 'shopify', ${`s${i}.myshopify.com`},
                 ${await old.encrypt(`shpat_${i}`, binding)}, ${await old.encrypt(
            `shprt_${i}`,
            binding,
          )})`,
      );
      accounts.push(binding);
    }

    const ring = await createTokenCipher([k2, k1]);
    const first = await rotateCredentialKeys({ db: t.db, cipher: ring, log: t.log });
    assert.deepEqual(first, { accounts: 3, rotated: 3, alreadyCurrent: 0 });

    const onlyNew = await createTokenCipher([k2]);
    for (const [i, binding] of accounts.entries()) {
      const [row] = await t.db.withTenant(
        binding.userId,
        (tx) => tx`select encrypted_access_token, encrypted_refresh_token from linked_accounts`,
      );
      assert.equal(await onlyNew.decrypt(row!.encrypted_access_token, binding), `shpat_${i}`);
      assert.equal(await onlyNew.decrypt(row!.encrypted_refresh_token, binding), `shprt_${i}`);
    }
    const second = await rotateCredentialKeys({ db: t.db, cipher: ring, log: t.log });
    assert.deepEqual(second, { accounts: 3, rotated: 0, alreadyCurrent: 3 });
  },
);

dbTest("the system role sees account ids and owners only, never the credentials", async (t) => {
  const userId = await createUser(t.db);
  await t.db.withTenant(
    userId,
    (tx) =>
      tx`insert into linked_accounts (user_id, provider, account_identifier, encrypted_access_token)
       values (${userId}, 'shopify', 'x.myshopify.com', '\\x01')`,
  );
  const listed = await t.db.withSystem("test", (tx) => tx`select id, user_id from linked_accounts`);
  assert.equal(listed.length, 1);
  await assert.rejects(
    t.db.withSystem("test", (tx) => tx`select encrypted_access_token from linked_accounts`),
    /permission denied/,
  );
});
