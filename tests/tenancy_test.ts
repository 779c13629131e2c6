/**
 * Tenant isolation is enforced by Postgres itself: these tests go through the
 * same helper and roles as the app and try to cross from tenant B into A.
 */
import assert from "node:assert/strict";
import {
  APP_ROLE,
  connectDatabase,
  type Database,
  openPool,
  SYSTEM_ROLE,
  type Tx,
} from "../db/database.ts";
import { createUser, dbTest } from "./helpers/test_db.ts";
import { loadSyncState } from "../mirror/sync_state.ts";
import { replaceDiscountCodes } from "../mirror/upsert_discounts.ts";
import { upsertCustomers } from "../mirror/upsert_customers.ts";
import { upsertOrders } from "../mirror/upsert_orders.ts";
import { upsertProducts } from "../mirror/upsert_products.ts";

/** One row in every tenant table for `userId`; returns the ids it made. */
async function seedTenant(db: Database, userId: string) {
  return await db.withTenant(userId, async (tx: Tx) => {
    const [account] = await tx`
      insert into linked_accounts (user_id, provider, account_identifier, encrypted_access_token, scopes)
      values (${userId}, 'shopify', ${`shop-${userId.slice(0, 8)}.myshopify.com`}, '\\x01',
              '{read_orders}')
      returning id`;
    const [request] = await tx`
      insert into analysis_requests (user_id, linked_account_id, prompt)
      values (${userId}, ${account!.id}, 'why did sales drop?') returning id`;
    await tx`insert into agent_tasks (analysis_request_id, user_id, department, task_key)
             values (${request!.id}, ${userId}, 'quantitative', 'q1')`;
    await tx`insert into cached_shopify_data (user_id, linked_account_id, data_key, data_value, expires_at)
             values (${userId}, ${account!.id}, 'shop', '{}', now() + interval '1 hour')`;
    await tx`insert into proposed_actions (analysis_request_id, user_id, description, action_type, parameters)
             values (${
      request!.id
    }, ${userId}, '10% off slow movers', 'create_discount_code', '{}')`;
    const [insight] = await tx`
      insert into insights (user_id, linked_account_id, kind, cause, severity, title, summary,
        period_from, period_to, analysis_request_id, ready_at)
      values (${userId}, ${account!.id}, 'anomaly', 'netSales:down', 'warning',
        'Net sales fell', 'Net sales fell.', '2026-12-01', '2026-12-01', ${request!.id}, now())
      returning id`;
    const [device] = await tx`insert into push_devices (user_id, token, environment)
      values (${userId}, ${userId.replaceAll("-", "").padEnd(64, "0")}, 'production') returning id`;
    await tx`insert into push_deliveries (user_id, insight_id, device_id, status, apns_id)
             values (${userId}, ${insight!.id}, ${device!.id}, 'sent', 'apns-1')`;
    await tx`insert into platform_logins (user_id, provider, subject, email)
             values (${userId}, 'apple', ${`apple-${userId}`}, 'relay@privaterelay.appleid.com')`;
    await tx`insert into user_preferences (user_id) values (${userId})`;
    await tx`insert into store_return_policies (linked_account_id, user_id)
             values (${account!.id}, ${userId})`;
    await tx`insert into refresh_tokens (user_id, family_id, token_hash, expires_at)
             values (${userId}, gen_random_uuid(), sha256(gen_random_uuid()::text::bytea), now() + interval '30 days')`;
    await tx`insert into password_reset_tokens (user_id, token_hash, expires_at)
             values (${userId}, sha256(gen_random_uuid()::text::bytea), now() + interval '30 minutes')`;
    await tx`insert into device_tokens (user_id, name, token_hash)
             values (${userId}, 'iPhone', sha256(gen_random_uuid()::text::bytea))`;
    await tx`insert into audit_log (user_id, actor, action) values (${userId}, 'user', 'login')`;
    await tx`insert into email_outbox (user_id, to_address, subject, body)
             values (${userId}, 'owner@example.com', 'hello', 'body')`;
    await tx`insert into shopify_oauth_states (state_hash, user_id, shop, expires_at)
             values (sha256(gen_random_uuid()::text::bytea), ${userId}, 'a-shop.myshopify.com',
                     now() + interval '10 minutes')`;
    // The store mirror, written by the functions the sync uses.
    const scope = { userId, accountId: account!.id as string };
    await loadSyncState(tx, scope);
    const at = "2026-11-01T10:00:00Z";
    await upsertProducts(tx, scope, [{
      shopifyId: "11",
      title: "Trail Runner",
      handle: "trail-runner",
      descriptionHtml: "",
      productType: "Footwear",
      vendor: "Ridgeline",
      tags: [],
      status: "ACTIVE",
      seoTitle: null,
      seoDescription: null,
      imageCount: 0,
      createdAt: at,
      updatedAt: at,
      variants: [{
        shopifyId: "12",
        title: "M",
        sku: "SKU-1",
        price: "90.00",
        compareAtPrice: null,
        unitCost: "40.00",
        inventoryQuantity: 5,
      }],
      collections: [{ shopifyId: "13", title: "Footwear", handle: "footwear" }],
    }]);
    await upsertOrders(tx, scope, [{
      shopifyId: "21",
      name: "#1001",
      createdAt: at,
      updatedAt: at,
      cancelledAt: null,
      test: false,
      sourceName: "web",
      currency: "USD",
      presentmentCurrency: "USD",
      customerId: "31",
      discountCodes: [],
      subtotal: "90.00",
      totalDiscounts: "0.00",
      totalShipping: "0.00",
      totalTax: "6.53",
      totalPrice: "96.53",
      totalRefunded: "90.00",
      presentmentTotalPrice: "96.53",
      lines: [{
        shopifyId: "22",
        productId: "11",
        variantId: "12",
        title: "Trail Runner",
        sku: "SKU-1",
        quantity: 1,
        unitPrice: "90.00",
        totalDiscount: "0.00",
        isGiftCard: false,
      }],
      refunds: [{
        shopifyId: "23",
        orderId: "21",
        createdAt: at,
        totalRefunded: "90.00",
        note: null,
        lines: [{ lineItemId: "22", quantity: 1, subtotal: "90.00", tax: "0.00" }],
        shipping: "0.00",
        shippingTax: "0.00",
      }],
      // An edit that took the unit back before the refund (mirror rows of every kind).
      changes: [{
        agreementId: "24",
        lineItemId: "22",
        kind: "edit",
        happenedAt: at,
        action: "RETURN",
        quantity: 1,
        amount: "90.00",
        discount: "0.00",
        tax: "6.53",
      }],
      flags: [],
    }]);
    await upsertCustomers(tx, scope, [{
      shopifyId: "31",
      email: "ann@example.com",
      phone: null,
      numberOfOrders: 1,
      tags: [],
      createdAt: at,
      updatedAt: at,
    }], new Uint8Array(32));
    await replaceDiscountCodes(tx, scope, [{
      discountId: "41",
      code: "WELCOME10",
      title: "Welcome",
      status: "ACTIVE",
      percentage: 0.1,
      amount: null,
      startsAt: at,
      endsAt: null,
      usageCount: 0,
    }]);
    return { accountId: account!.id as string, requestId: request!.id as string };
  });
}

async function tenantTables(owner: Tx | import("../db/database.ts").Sql): Promise<string[]> {
  const rows = await owner<{ table_name: string }[]>`
    select c.table_name from information_schema.columns c
    join information_schema.tables t using (table_schema, table_name)
    where c.table_schema = 'public' and c.column_name = 'user_id' and t.table_type = 'BASE TABLE'
    order by 1`;
  return rows.map((r) => r.table_name);
}

dbTest(
  "every table with a user_id column has RLS enabled, forced and a tenant policy",
  async (t) => {
    const tables = [...await tenantTables(t.owner), "users"];
    assert.ok(tables.length >= 12, `expected the seed's tenant tables, found ${tables.join(", ")}`);
    const rows = await t.owner<
      { relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean; policies: number }[]
    >`
    select c.relname, c.relrowsecurity, c.relforcerowsecurity,
           (select count(*)::int from pg_policies p
             where p.tablename = c.relname and p.policyname = 'tenant_isolation') as policies
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relname = any(${tables})`;
    assert.equal(rows.length, tables.length);
    for (const row of rows) {
      assert.ok(row.relrowsecurity, `${row.relname}: row level security is not enabled`);
      assert.ok(row.relforcerowsecurity, `${row.relname}: row level security is not forced`);
      assert.equal(row.policies, 1, `${row.relname}: no tenant_isolation policy`);
    }
  },
);

// That neither role is exempt from row-level security is shown by behaviour below: the
// runtime role reads no row without a tenant, the system role sees only expired cache rows.
dbTest("the runtime roles are neither owner nor superuser", async (t) => {
  const [me] = await t.db.withTenant(
    crypto.randomUUID(),
    (tx) =>
      tx`select current_user as role, r.rolsuper,
              (select tableowner from pg_tables where tablename = 'analysis_requests') as owner
       from pg_roles r where r.rolname = current_user`,
  );
  assert.equal(me!.role, APP_ROLE);
  assert.equal(me!.rolsuper, false);
  assert.notEqual(me!.owner, APP_ROLE);
  const [system] = await t.owner`select rolsuper from pg_roles where rolname = ${SYSTEM_ROLE}`;
  assert.equal(system!.rolsuper, false);
});

dbTest("tenant B can neither read, update nor delete tenant A's rows in any table", async (t) => {
  const a = await createUser(t.db);
  const b = await createUser(t.db);
  await seedTenant(t.db, a);
  await seedTenant(t.db, b);
  const tables = await tenantTables(t.owner);

  for (const table of tables) {
    const [own] = await t.db.withTenant(
      a,
      (tx) => tx`select count(*)::int as n from ${tx(table)} where user_id = ${a}`,
    );
    assert.ok(own!.n > 0, `${table}: the fixture made no row, so isolation would be untested`);

    const [seen] = await t.db.withTenant(
      b,
      (tx) => tx`select count(*)::int as n from ${tx(table)} where user_id = ${a}`,
    );
    assert.equal(seen!.n, 0, `${table}: B reads A's rows`);

    for (const attempt of ["update", "delete"] as const) {
      const affected = await t.db.withTenant(b, async (tx) => {
        const result = attempt === "update"
          ? await tx`update ${tx(table)} set user_id = ${b} where user_id = ${a}`
          : await tx`delete from ${tx(table)} where user_id = ${a}`;
        return result.count;
      }).catch((error) => {
        // Append-only tables refuse the statement outright, which is stricter still.
        assert.match(String(error), /permission denied/, `${table}: ${attempt} failed oddly`);
        return 0;
      });
      assert.equal(affected, 0, `${table}: B could ${attempt} A's rows`);
    }
    const [after] = await t.db.withTenant(
      a,
      (tx) => tx`select count(*)::int as n from ${tx(table)} where user_id = ${a}`,
    );
    assert.equal(after!.n, own!.n, `${table}: A's rows changed`);
  }

  const users = await t.db.withTenant(b, (tx) => tx`select id from users`);
  assert.deepEqual(users.map((u) => u.id), [b]);
});

dbTest("without a tenant setting the runtime role reads no row of any table", async (t) => {
  const a = await createUser(t.db);
  await seedTenant(t.db, a);
  const raw = openPool(t.url, APP_ROLE, 1);
  try {
    for (const table of [...await tenantTables(t.owner), "users"]) {
      const [row] = await raw`select count(*)::int as n from ${raw(table)}`;
      assert.equal(row!.n, 0, `${table}: rows visible with no tenant set`);
    }
    // Once used, the setting reads back as '' rather than NULL; that must still mean nobody.
    await raw.begin(async (tx) => {
      await tx`select set_config('app.current_user_id', ${a}, true)`;
    });
    const [row] = await raw`select count(*)::int as n from analysis_requests`;
    assert.equal(row!.n, 0);
  } finally {
    await raw.end();
  }
});

dbTest("a tenant cannot write rows for another tenant or point at their rows", async (t) => {
  const a = await createUser(t.db);
  const b = await createUser(t.db);
  const seeded = await seedTenant(t.db, a);

  await assert.rejects(
    t.db.withTenant(
      b,
      (tx) => tx`insert into analysis_requests (user_id, prompt) values (${a}, 'x')`,
    ),
    /row-level security/,
  );
  // B's own row that references A's request: the composite foreign key refuses it.
  await assert.rejects(
    t.db.withTenant(
      b,
      (tx) =>
        tx`insert into agent_tasks (analysis_request_id, user_id, department, task_key)
         values (${seeded.requestId}, ${b}, 'quantitative', 'steal')`,
    ),
    /foreign key/,
  );
  await assert.rejects(
    t.db.withTenant(b, (tx) =>
      tx`insert into analysis_requests (user_id, linked_account_id, prompt)
         values (${b}, ${seeded.accountId}, 'use their shop')`),
    /foreign key/,
  );
});

dbTest("withTenant refuses an id that is not a uuid", async (t) => {
  await assert.rejects(t.db.withTenant("1 or 1=1", () => Promise.resolve()), /not a uuid/);
});

dbTest("a snapshot tenant transaction sees one moment and writes nothing", async (t) => {
  const user = await createUser(t.db);
  const { requestId } = await seedTenant(t.db, user);
  const seen = await t.db.withTenant(user, async (tx) => {
    const [before] = await tx`select prompt from analysis_requests where id = ${requestId}`;
    // Committed by another connection between the two reads.
    await t.db.withTenant(
      user,
      (other) => other`update analysis_requests set prompt = 'changed' where id = ${requestId}`,
    );
    const [after] = await tx`select prompt from analysis_requests where id = ${requestId}`;
    return [before!.prompt, after!.prompt];
  }, { snapshot: true });
  assert.deepEqual(seen, ["why did sales drop?", "why did sales drop?"]);
  await assert.rejects(
    t.db.withTenant(user, (tx) => tx`update analysis_requests set prompt = 'x'`, {
      snapshot: true,
    }),
    /read-only transaction/,
  );
});

dbTest(
  "the system role reaches only expired cache rows and the columns that sign-in needs",
  async (t) => {
    const a = await createUser(t.db);
    const b = await createUser(t.db);
    for (const user of [a, b]) {
      const { accountId } = await seedTenant(t.db, user);
      await t.db.withTenant(
        user,
        (tx) =>
          tx`insert into cached_shopify_data (user_id, linked_account_id, data_key, data_value, expires_at)
         values (${user}, ${accountId}, 'old', '{}', now() - interval '1 minute')`,
      );
    }
    // Each tenant also holds a fresh 'shop' row: an exempt role would see it.
    const visible = await t.db.withSystem(
      "test",
      (tx) => tx`select data_key from cached_shopify_data`,
    );
    assert.deepEqual(
      visible.map((r) => r.data_key),
      ["old", "old"],
    );

    const logins = await t.db.withSystem(
      "test",
      (tx) => tx`select id, email, password_hash from users`,
    );
    assert.equal(logins.length, 2);
    const denied = [
      (tx: Tx) => tx`select created_at from users`,
      (tx: Tx) => tx`update users set email = 'x@example.com'`,
      (tx: Tx) => tx`select id from analysis_requests`,
      (tx: Tx) => tx`select id from refresh_tokens`,
      (tx: Tx) => tx`select id from email_outbox`,
    ];
    for (const statement of denied) {
      await assert.rejects(t.db.withSystem("test", statement), /permission denied/);
    }
  },
);

dbTest("runtime connections carry statement and idle-transaction limits", async (t) => {
  const user = await createUser(t.db);
  const [limits] = await t.db.withTenant(
    user,
    (tx) =>
      tx`select current_setting('statement_timeout') as statement,
              current_setting('idle_in_transaction_session_timeout') as idle`,
  );
  assert.deepEqual({ ...limits }, { statement: "15s", idle: "1min" });

  const strict = connectDatabase({ url: t.url, poolMax: 1, log: t.log, statementTimeoutMs: 200 });
  try {
    await assert.rejects(
      strict.withTenant(user, (tx) => tx`select pg_sleep(2)`),
      /canceling statement due to statement timeout/,
    );
    // The connection is usable again afterwards.
    const [row] = await strict.withTenant(user, (tx) => tx`select 1 as ok`);
    assert.equal(row!.ok, 1);
  } finally {
    await strict.end();
  }
});

dbTest(
  "only the job handlers' pool commits without waiting for the disk, still as the tenant",
  async (t) => {
    const user = await createUser(t.db);
    // Where the setting comes from: the suite's server turns it off for speed, so its value alone
    // would not tell the pools apart; a pool that asks for it sets it as a client ("client").
    const setting = (db: Database) =>
      db.withTenant(user, async (tx) => {
        const [row] = await tx<{ commit: string; source: string; tenant: string }[]>`
        select setting as commit, source, current_setting('app.current_user_id') as tenant
        from pg_settings where name = 'synchronous_commit'`;
        return { ...row };
      });
    const durable = await setting(t.db);
    assert.notEqual(durable.source, "client");
    assert.equal(durable.tenant, user);
    const jobs = connectDatabase({ url: t.url, poolMax: 1, log: t.log, asyncCommit: true });
    try {
      assert.deepEqual(await setting(jobs), { commit: "off", source: "client", tenant: user });
      // Row-level security is the same on it: another tenant's rows stay hidden.
      const other = await createUser(t.db);
      const seen = await jobs.withTenant(
        other,
        (tx) => tx`select id from users where id = ${user}`,
      );
      assert.equal(seen.length, 0);
    } finally {
      await jobs.end();
    }
  },
);
