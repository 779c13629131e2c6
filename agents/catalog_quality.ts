/**
 * Catalog Quality (from seed 004's migration audit): products a shopper or a
 * search engine sees at a disadvantage — no description, no image, no SEO
 * title or description — SKUs used by more than one variant, and dead stock
 * (units on hand, none sold in 90 days). Read from the store mirror.
 */
import { RunnableLambda } from "@langchain/core/runnables";
import type { Database } from "../db/database.ts";
import { type DepartmentInput, type DepartmentResult, emptyResult } from "./department.ts";
import type { Fact } from "./facts.ts";

/** Shorter than this (tags stripped) counts as no description. */
export const MIN_DESCRIPTION_CHARS = 40;
export const DEAD_STOCK_DAYS = 90;

export interface CatalogIssueRow {
  productId: string;
  title: string;
  productType: string;
  vendor: string;
  description: string;
  issues: string[];
}

export function catalogQualityDepartment(db: Database) {
  return RunnableLambda.from(async (input: DepartmentInput): Promise<DepartmentResult> => {
    const { scope } = input;
    return await db.withTenant(scope.userId, async (tx) => {
      const account = scope.accountId;
      const products = await tx<
        {
          product_id: string;
          title: string;
          product_type: string;
          vendor: string;
          description: string;
          no_description: boolean;
          no_image: boolean;
          no_seo: boolean;
          dead_stock: boolean;
        }[]
      >`
        with sold as (
          select distinct product_id from shop_sales_daily
          where linked_account_id = ${account} and product_id <> 0 and variant_id = 0 and units > 0
            and day > (now() at time zone ${scope.timezone})::date - ${DEAD_STOCK_DAYS}::int
        ), stock as (
          select product_id, sum(greatest(coalesce(inventory_quantity, 0), 0)) as on_hand
          from shop_variants where linked_account_id = ${account} group by product_id
        ), text as (
          select shopify_id, btrim(regexp_replace(description_html, '<[^>]*>', ' ', 'g')) as plain
          from shop_products where linked_account_id = ${account}
        )
        select p.shopify_id::text as product_id, p.title, p.product_type, p.vendor,
               left(t.plain, 300) as description,
               length(t.plain) < ${MIN_DESCRIPTION_CHARS} as no_description,
               p.image_count = 0 as no_image,
               (coalesce(btrim(p.seo_title), '') = '' or coalesce(btrim(p.seo_description), '') = '')
                 as no_seo,
               coalesce(s.on_hand, 0) > 0 and sold.product_id is null as dead_stock
        from shop_products p
        join text t on t.shopify_id = p.shopify_id
        left join stock s on s.product_id = p.shopify_id
        left join sold on sold.product_id = p.shopify_id
        where p.linked_account_id = ${account} and p.status = 'ACTIVE'
        order by p.title, p.shopify_id`;
      const duplicates = await tx<{ sku: string; variants: number; products: string[] }[]>`
        select sku, count(*)::int as variants, array_agg(distinct product_id::text) as products
        from shop_variants where linked_account_id = ${account} and coalesce(btrim(sku), '') <> ''
        group by sku having count(*) > 1 order by sku`;
      const duplicateOf = new Map<string, string[]>();
      for (const d of duplicates) {
        for (const p of d.products) duplicateOf.set(p, [...(duplicateOf.get(p) ?? []), d.sku]);
      }
      const rows: CatalogIssueRow[] = products.map((p) => ({
        productId: p.product_id,
        title: p.title,
        productType: p.product_type,
        vendor: p.vendor,
        description: p.description,
        issues: [
          ...(p.no_description ? ["no description"] : []),
          ...(p.no_image ? ["no image"] : []),
          ...(p.no_seo ? ["missing SEO title or description"] : []),
          ...(duplicateOf.has(p.product_id)
            ? [`duplicate SKU ${duplicateOf.get(p.product_id)!.join(", ")}`]
            : []),
          ...(p.dead_stock ? [`no sales in ${DEAD_STOCK_DAYS} days with stock on hand`] : []),
        ],
      })).filter((r) => r.issues.length > 0);

      const result = emptyResult();
      const count = (id: string, label: string, value: number): Fact => ({
        id,
        label,
        value,
        unit: "count",
        provenance: null,
      });
      result.facts.push(
        count("catalog.products", "Active products checked", products.length),
        count(
          "catalog.noDescription",
          "Products without a description",
          products.filter((p) => p.no_description).length,
        ),
        count(
          "catalog.noImage",
          "Products without an image",
          products.filter((p) => p.no_image).length,
        ),
        count(
          "catalog.noSeo",
          "Products missing SEO fields",
          products.filter((p) => p.no_seo).length,
        ),
        count("catalog.duplicateSkus", "SKUs used by more than one variant", duplicates.length),
        count(
          "catalog.deadStock",
          `Products with stock and no sales in ${DEAD_STOCK_DAYS} days`,
          products.filter((p) => p.dead_stock).length,
        ),
        count("catalog.withIssues", "Products with at least one issue", rows.length),
        {
          ...count(
            "catalog.deadStockDays",
            "Days without sales that make stock dead",
            DEAD_STOCK_DAYS,
          ),
          unit: "days",
        },
      );
      result.tables.catalogIssues = { provenance: null, rows: rows.map((r) => ({ ...r })) };
      return result;
    });
  }).withConfig({ runName: "catalog_quality" });
}
