/**
 * `create_discount_code` → `discountCodeBasicCreate`. The code is the
 * action's natural idempotency key: if Shopify says it is taken and the
 * discount under it carries our title, an earlier attempt already made it,
 * and that is the outcome.
 */
import type { z } from "zod";
import type { ActionParameters } from "../agents/actions.ts";
import type { AdminClient } from "../shopify/admin_client.ts";
import {
  type ActionExecutor,
  type Execution,
  refused,
  type ShopifyUserError,
} from "./execution.ts";

type Params = z.infer<typeof ActionParameters.create_discount_code>;

const CREATE = `mutation CreateDiscount($input: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $input) {
    codeDiscountNode { id }
    userErrors { field message code }
  }
}`;

const BY_CODE = `query DiscountByCode($code: String!) {
  codeDiscountNodeByCode(code: $code) {
    id
    codeDiscount { ... on DiscountCodeBasic { title } }
  }
}`;

async function find(client: AdminClient, p: Params): Promise<Execution | null> {
  const { data } = await client.request<{
    codeDiscountNodeByCode: { id: string; codeDiscount: { title?: string } } | null;
  }>(BY_CODE, { code: p.code });
  const node = data.codeDiscountNodeByCode;
  if (!node || node.codeDiscount.title !== p.title) return null;
  return { ok: true, result: { discountId: node.id, code: p.code, recovered: true } };
}

export const discountExecutor: ActionExecutor<Params> = {
  find,
  async run(client, p) {
    const { data } = await client.request<{
      discountCodeBasicCreate: {
        codeDiscountNode: { id: string } | null;
        userErrors: ShopifyUserError[];
      };
    }>(CREATE, {
      input: {
        title: p.title,
        code: p.code,
        startsAt: `${p.startsAt}T00:00:00Z`,
        endsAt: `${p.endsAt}T23:59:59Z`,
        usageLimit: p.usageLimit ?? null,
        context: { all: "ALL" },
        customerGets: {
          value: { percentage: p.percentage },
          items: {
            products: { productsToAdd: p.productIds.map((id) => `gid://shopify/Product/${id}`) },
          },
        },
      },
    });
    const { codeDiscountNode, userErrors } = data.discountCodeBasicCreate;
    if (codeDiscountNode) {
      return { ok: true, result: { discountId: codeDiscountNode.id, code: p.code } };
    }
    if (userErrors.some((e) => e.code === "TAKEN")) {
      const existing = await find(client, p);
      if (existing) return existing;
    }
    return refused("the discount", userErrors);
  },
};
