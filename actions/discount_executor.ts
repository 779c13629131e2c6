/**
 * Runs an approved `create_discount_code` on Shopify with
 * `discountCodeBasicCreate`. The code is the action's natural idempotency
 * key: if Shopify says it is taken and the discount under it is ours (same
 * title), an earlier attempt already made it, and that is the outcome.
 */
import type { z } from "zod";
import type { ActionParameters } from "../agents/actions.ts";
import type { AdminClient } from "../shopify/admin_client.ts";
import type { Execution } from "./execution.ts";

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

interface UserError {
  field: string[] | null;
  message: string;
  code: string | null;
}

export async function createDiscountCode(client: AdminClient, p: Params): Promise<Execution> {
  const { data } = await client.request<{
    discountCodeBasicCreate: { codeDiscountNode: { id: string } | null; userErrors: UserError[] };
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
    const existing = await findDiscountCode(client, p);
    if (existing) return existing;
  }
  return {
    ok: false,
    message: `Shopify refused the discount: ${userErrors.map((e) => e.message).join("; ")}`,
    details: { userErrors },
  };
}

/** The discount an earlier attempt made under this code, if there is one (crash recovery). */
export async function findDiscountCode(
  client: AdminClient,
  p: Pick<Params, "code" | "title">,
): Promise<Execution | null> {
  const { data } = await client.request<{
    codeDiscountNodeByCode: { id: string; codeDiscount: { title?: string } } | null;
  }>(BY_CODE, { code: p.code });
  const node = data.codeDiscountNodeByCode;
  if (!node || node.codeDiscount.title !== p.title) return null;
  return { ok: true, result: { discountId: node.id, code: p.code, recovered: true } };
}
