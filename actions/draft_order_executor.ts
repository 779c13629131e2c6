/**
 * `create_draft_order` → `draftOrderCreate`. Shopify has no idempotency key
 * for draft orders, so the draft is tagged with the action's key: the create
 * is sent once per try (no blind resend inside the client), and after a try
 * whose answer was lost the tag says whether it was made before trying again.
 */
import type { z } from "zod";
import type { ActionParameters } from "./action_types.ts";
import { type AdminClient, ShopifyApiError } from "../shopify/admin_client.ts";
import {
  type ActionExecutor,
  type Execution,
  refused,
  type ShopifyUserError,
  userErrorsOf,
} from "./execution.ts";

type Params = z.infer<typeof ActionParameters.create_draft_order>;

const TRIES = 3;

const CREATE = `mutation CreateDraftOrder($input: DraftOrderInput!) {
  draftOrderCreate(input: $input) {
    draftOrder { id name }
    userErrors { field message }
  }
}`;

const BY_TAG = `query DraftOrderByTag($query: String!) {
  draftOrders(first: 1, query: $query) { nodes { id name } }
}`;

/** The tag that marks a draft as this action's; Shopify tags are at most 40 characters. */
export const actionTag = (idempotencyKey: string) => `alatar-${idempotencyKey.slice(0, 32)}`;

async function find(
  client: AdminClient,
  _p: Params,
  context: { idempotencyKey: string },
): Promise<Execution | null> {
  const { data } = await client.request<{ draftOrders: { nodes: { id: string; name: string }[] } }>(
    BY_TAG,
    { query: `tag:'${actionTag(context.idempotencyKey)}'` },
  );
  const draft = data.draftOrders.nodes[0];
  return draft
    ? { ok: true, result: { draftOrderId: draft.id, name: draft.name, recovered: true } }
    : null;
}

export const draftOrderExecutor: ActionExecutor<Params> = {
  find,
  async run(client, p, context) {
    const input = {
      ...(p.customerId
        ? { purchasingEntity: { customerId: `gid://shopify/Customer/${p.customerId}` } }
        : {}),
      lineItems: p.lines.map((l) => ({
        variantId: `gid://shopify/ProductVariant/${l.variantId}`,
        quantity: l.quantity,
      })),
      note: p.note ?? null,
      tags: [actionTag(context.idempotencyKey)],
    };
    for (let attempt = 1;; attempt++) {
      try {
        const { data } = await context.singleAttempt.request<{
          draftOrderCreate: {
            draftOrder: { id: string; name: string } | null;
            userErrors: ShopifyUserError[];
          } | null;
        }>(CREATE, { input });
        const draftOrder = data.draftOrderCreate?.draftOrder;
        if (!draftOrder) return refused("the draft order", userErrorsOf(data.draftOrderCreate));
        return { ok: true, result: { draftOrderId: draftOrder.id, name: draftOrder.name } };
      } catch (error) {
        // Only an unheard answer is ambiguous; anything else Shopify said is final.
        if (!(error instanceof ShopifyApiError) || error.kind !== "unavailable") throw error;
        const made = await find(client, p, context);
        if (made) return made;
        if (attempt >= TRIES) throw error;
      }
    }
  },
};
