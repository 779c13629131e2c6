/**
 * Writes products into the mirror, with their variants and collections
 * (replaced with the version of the product that won).
 *
 * Newest wins: a row is written only when its Shopify `updatedAt` is at least
 * the stored one, so a webhook delivered late (or an import racing a webhook)
 * never rolls data back. Each batch travels as one JSON parameter expanded by
 * `jsonb_to_recordset`, which keeps a 500-row batch to a handful of statements.
 * Everything runs inside the caller's tenant transaction.
 */
import { jsonParam as json, type Tx } from "../db/database.ts";
import type { MirrorScope, ProductRecord } from "./records.ts";

/** Upserts products with variants (and collections when the source carries them). */
export async function upsertProducts(
  tx: Tx,
  scope: MirrorScope,
  products: ProductRecord[],
): Promise<number> {
  if (products.length === 0) return 0;
  // REST bodies carry no SEO: those products keep the mirror's SEO fields.
  const withSeo = products.filter((p) => p.seoTitle !== undefined);
  const withoutSeo = products.filter((p) => p.seoTitle === undefined);
  const written = [
    ...await writeProductRows(tx, scope, withSeo, true),
    ...await writeProductRows(tx, scope, withoutSeo, false),
  ];
  if (written.length === 0) return 0;
  const won = new Set(written);
  await replaceVariants(tx, scope, products.filter((p) => won.has(p.shopifyId)));
  await replaceCollections(
    tx,
    scope,
    products.filter((p) => won.has(p.shopifyId) && p.collections !== undefined),
  );
  return written.length;
}

async function writeProductRows(
  tx: Tx,
  scope: MirrorScope,
  products: ProductRecord[],
  seo: boolean,
): Promise<string[]> {
  if (products.length === 0) return [];
  const rows = products.map((p) => ({
    shopify_id: p.shopifyId,
    title: p.title,
    handle: p.handle,
    description_html: p.descriptionHtml,
    product_type: p.productType,
    vendor: p.vendor,
    tags: p.tags,
    status: p.status,
    seo_title: p.seoTitle ?? null,
    seo_description: p.seoDescription ?? null,
    image_count: p.imageCount,
    created_at: p.createdAt,
    shopify_updated_at: p.updatedAt,
  }));
  const written = await tx<{ shopify_id: string }[]>`
    insert into shop_products as p (user_id, linked_account_id, shopify_id, title, handle,
      description_html, product_type, vendor, tags, status, seo_title, seo_description,
      image_count, created_at, shopify_updated_at)
    select ${scope.userId}, ${scope.accountId}, r.shopify_id, r.title, r.handle,
      r.description_html, r.product_type, r.vendor, r.tags, r.status, r.seo_title,
      r.seo_description, r.image_count, r.created_at, r.shopify_updated_at
    from jsonb_to_recordset(${json(tx, rows)}) as r(shopify_id bigint, title text, handle text,
      description_html text, product_type text, vendor text, tags text[], status text,
      seo_title text, seo_description text, image_count integer,
      created_at timestamptz, shopify_updated_at timestamptz)
    on conflict (linked_account_id, shopify_id) do update set
      title = excluded.title, handle = excluded.handle,
      description_html = excluded.description_html, product_type = excluded.product_type,
      vendor = excluded.vendor, tags = excluded.tags, status = excluded.status,
      seo_title = ${seo ? tx`excluded.seo_title` : tx`p.seo_title`},
      seo_description = ${seo ? tx`excluded.seo_description` : tx`p.seo_description`},
      image_count = excluded.image_count, created_at = excluded.created_at,
      shopify_updated_at = excluded.shopify_updated_at, synced_at = now()
    where p.shopify_updated_at <= excluded.shopify_updated_at
    returning shopify_id`;
  return written.map((r) => String(r.shopify_id));
}

async function replaceVariants(tx: Tx, scope: MirrorScope, winners: ProductRecord[]) {
  if (winners.length === 0) return;
  const variants = winners.flatMap((p) =>
    p.variants.map((v) => ({
      shopify_id: v.shopifyId,
      product_id: p.shopifyId,
      title: v.title,
      sku: v.sku,
      price: v.price,
      compare_at_price: v.compareAtPrice,
      unit_cost: v.unitCost ?? null,
      inventory_quantity: v.inventoryQuantity,
    }))
  );
  const ids = json(tx, winners.map((p) => p.shopifyId));
  // Variants removed in Shopify go; the rest are updated in place (keeping cost when not sent).
  await tx`delete from shop_variants v where linked_account_id = ${scope.accountId}
           and product_id in (select jsonb_array_elements_text(${ids})::bigint)
           and not exists (select 1 from jsonb_to_recordset(${json(tx, variants)})
                           as r(shopify_id bigint) where r.shopify_id = v.shopify_id)`;
  if (variants.length) {
    await tx`
      insert into shop_variants as v (user_id, linked_account_id, shopify_id, product_id, title,
        sku, price, compare_at_price, unit_cost, inventory_quantity)
      select ${scope.userId}, ${scope.accountId}, r.shopify_id, r.product_id, r.title, r.sku,
        r.price, r.compare_at_price, r.unit_cost, r.inventory_quantity
      from jsonb_to_recordset(${json(tx, variants)}) as r(shopify_id bigint, product_id bigint,
        title text, sku text, price numeric, compare_at_price numeric, unit_cost numeric, inventory_quantity integer)
      on conflict (linked_account_id, shopify_id) do update set
        product_id = excluded.product_id, title = excluded.title, sku = excluded.sku,
        price = excluded.price, compare_at_price = excluded.compare_at_price,
        unit_cost = coalesce(excluded.unit_cost, v.unit_cost),
        inventory_quantity = excluded.inventory_quantity`;
  }
}

async function replaceCollections(tx: Tx, scope: MirrorScope, withCollections: ProductRecord[]) {
  {
    const collections = new Map(
      withCollections.flatMap((p) => p.collections!.map((c) => [c.shopifyId, c] as const)),
    );
    if (collections.size) {
      await tx`
        insert into shop_collections (user_id, linked_account_id, shopify_id, title, handle)
        select ${scope.userId}, ${scope.accountId}, r.*
        from jsonb_to_recordset(${
        json(
          tx,
          [...collections.values()].map((c) => ({
            shopify_id: c.shopifyId,
            title: c.title,
            handle: c.handle,
          })),
        )
      }) as r(shopify_id bigint, title text, handle text)
        on conflict (linked_account_id, shopify_id) do update set
          title = excluded.title, handle = excluded.handle`;
    }
    await tx`delete from shop_product_collections where linked_account_id = ${scope.accountId}
             and product_id in (select jsonb_array_elements_text(${
      json(tx, withCollections.map((p) => p.shopifyId))
    })::bigint)`;
    const links = withCollections.flatMap((p) =>
      p.collections!.map((c) => ({ product_id: p.shopifyId, collection_id: c.shopifyId }))
    );
    if (links.length) {
      await tx`
        insert into shop_product_collections (user_id, linked_account_id, product_id, collection_id)
        select ${scope.userId}, ${scope.accountId}, r.*
        from jsonb_to_recordset(${json(tx, links)}) as r(product_id bigint, collection_id bigint)
        on conflict do nothing`;
    }
  }
}
