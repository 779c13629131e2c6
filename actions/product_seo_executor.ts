/**
 * `update_product_seo` → `productUpdate` with the product's SEO title and
 * description (the catalog audit's fix, seed 004). Setting a value is
 * idempotent by nature, so a resend is harmless; `find` reports the update as
 * done when the product already shows it.
 */
import type { z } from "zod";
import type { ActionParameters } from "./action_types.ts";
import type { AdminClient } from "../shopify/admin_client.ts";
import {
  type ActionExecutor,
  type Execution,
  refused,
  type ShopifyUserError,
  userErrorsOf,
} from "./execution.ts";

type Params = z.infer<typeof ActionParameters.update_product_seo>;

const UPDATE = `mutation UpdateProductSeo($product: ProductUpdateInput!) {
  productUpdate(product: $product) {
    product { id seo { title description } }
    userErrors { field message }
  }
}`;

const SEO = `query ProductSeo($id: ID!) {
  node(id: $id) { ... on Product { id seo { title description } } }
}`;

const productGid = (id: string) => `gid://shopify/Product/${id}`;

async function find(client: AdminClient, p: Params): Promise<Execution | null> {
  const { data } = await client.request<{
    node: { id: string; seo: { title: string | null; description: string | null } } | null;
  }>(SEO, { id: productGid(p.productId) });
  const seo = data.node?.seo;
  if (!seo || seo.title !== p.seoTitle || seo.description !== p.seoDescription) return null;
  return { ok: true, result: { productId: data.node!.id, seo, recovered: true } };
}

export const productSeoExecutor: ActionExecutor<Params> = {
  find,
  async run(client, p) {
    const { data } = await client.request<{
      productUpdate: {
        product: { id: string; seo: { title: string | null; description: string | null } } | null;
        userErrors: ShopifyUserError[];
      } | null;
    }>(UPDATE, {
      product: {
        id: productGid(p.productId),
        seo: { title: p.seoTitle, description: p.seoDescription },
      },
    });
    const product = data.productUpdate?.product;
    if (!product) return refused("the product update", userErrorsOf(data.productUpdate));
    return { ok: true, result: { productId: product.id, seo: product.seo } };
  },
};
