/**
 * `create_discount_code` → `discountCodeBasicCreate`. The code is the
 * action's natural idempotency key, and the title names the action: if
 * Shopify says the code is taken and the discount under it carries this
 * action's title, an earlier attempt of this action made it, and that is the
 * outcome (another action, or the merchant, using the same code is a
 * refusal).
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

/** The merchant sees which approval made the discount: "Slow movers (Alatar 074e9178)". */
export const titleFor = (p: Params, key: string) =>
  `${p.title.slice(0, 230)} (Alatar ${key.slice(0, 8)})`;

async function find(
  client: AdminClient,
  p: Params,
  context: { idempotencyKey: string },
): Promise<Execution | null> {
  const { data } = await client.request<{
    codeDiscountNodeByCode: { id: string; codeDiscount: { title?: string } } | null;
  }>(BY_CODE, { code: p.code });
  const node = data.codeDiscountNodeByCode;
  if (!node || node.codeDiscount.title !== titleFor(p, context.idempotencyKey)) return null;
  return { ok: true, result: { discountId: node.id, code: p.code, recovered: true } };
}

export const discountExecutor: ActionExecutor<Params> = {
  find,
  async run(client, p, context) {
    const { data } = await client.request<{
      discountCodeBasicCreate: {
        codeDiscountNode: { id: string } | null;
        userErrors: ShopifyUserError[];
      } | null;
    }>(CREATE, {
      input: {
        title: titleFor(p, context.idempotencyKey),
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
    const codeDiscountNode = data.discountCodeBasicCreate?.codeDiscountNode ?? null;
    const userErrors = userErrorsOf(data.discountCodeBasicCreate);
    if (codeDiscountNode) {
      return { ok: true, result: { discountId: codeDiscountNode.id, code: p.code } };
    }
    if (userErrors.some((e) => e.code === "TAKEN")) {
      const existing = await find(client, p, context);
      if (existing) return existing;
    }
    return refused("the discount", userErrors);
  },
};
