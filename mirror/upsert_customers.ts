/**
 * Writes customers into the mirror. E-mails and phones are kept only as keyed
 * hashes ({@link contactHash}), so the mirror can find a customer without
 * holding their address.
 *
 * Newest wins: a row is written only when its Shopify `updatedAt` is at least
 * the stored one, so a webhook delivered late (or an import racing a webhook)
 * never rolls data back. Each batch travels as one JSON parameter expanded by
 * `jsonb_to_recordset`, which keeps a 500-row batch to a handful of statements.
 * Everything runs inside the caller's tenant transaction.
 */
import { hmac } from "@oslojs/crypto/hmac";
import { SHA256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";
import { jsonParam as json, type Tx } from "../db/database.ts";
import type { CustomerRecord, MirrorScope } from "./records.ts";

/**
 * The keyed hash under which an e-mail or phone is stored and looked up:
 * normalised first, so "Ann@Example.com " and "ann@example.com" match.
 */
export function contactHash(key: Uint8Array, kind: "email" | "phone", value: string): Uint8Array {
  const normalised = kind === "email" ? value.trim().toLowerCase() : value.replace(/[^\d+]/g, "");
  return hmac(SHA256, key, new TextEncoder().encode(`${kind}:${normalised}`));
}

export async function upsertCustomers(
  tx: Tx,
  scope: MirrorScope,
  customers: CustomerRecord[],
  lookupKey: Uint8Array,
): Promise<number> {
  // REST bodies may lack the order count: those customers keep the mirror's.
  return await writeCustomerRows(
    tx,
    scope,
    customers.filter((c) => c.numberOfOrders !== undefined),
    lookupKey,
    true,
  ) + await writeCustomerRows(
    tx,
    scope,
    customers.filter((c) => c.numberOfOrders === undefined),
    lookupKey,
    false,
  );
}

async function writeCustomerRows(
  tx: Tx,
  scope: MirrorScope,
  customers: CustomerRecord[],
  lookupKey: Uint8Array,
  counted: boolean,
): Promise<number> {
  if (customers.length === 0) return 0;
  const rows = customers.map((c) => ({
    shopify_id: c.shopifyId,
    email_hash: c.email ? encodeHexLowerCase(contactHash(lookupKey, "email", c.email)) : null,
    phone_hash: c.phone ? encodeHexLowerCase(contactHash(lookupKey, "phone", c.phone)) : null,
    number_of_orders: c.numberOfOrders ?? null,
    tags: c.tags,
    created_at: c.createdAt,
    shopify_updated_at: c.updatedAt,
  }));
  const written = await tx`
    insert into shop_customers as c (user_id, linked_account_id, shopify_id, email_hash,
      phone_hash, number_of_orders, tags, created_at, shopify_updated_at)
    select ${scope.userId}, ${scope.accountId}, r.shopify_id, decode(r.email_hash, 'hex'),
      decode(r.phone_hash, 'hex'), coalesce(r.number_of_orders, 0), r.tags, r.created_at,
      r.shopify_updated_at
    from jsonb_to_recordset(${json(tx, rows)}) as r(shopify_id bigint, email_hash text,
      phone_hash text, number_of_orders integer, tags text[], created_at timestamptz,
      shopify_updated_at timestamptz)
    on conflict (linked_account_id, shopify_id) do update set
      email_hash = excluded.email_hash, phone_hash = excluded.phone_hash,
      number_of_orders = ${counted ? tx`excluded.number_of_orders` : tx`c.number_of_orders`},
      tags = excluded.tags, created_at = excluded.created_at,
      shopify_updated_at = excluded.shopify_updated_at, synced_at = now()
    where c.shopify_updated_at <= excluded.shopify_updated_at`;
  return written.count;
}
