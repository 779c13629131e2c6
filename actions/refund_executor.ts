/**
 * `refund_order` → `refundCreate`, after the returns policy (seed 003) is
 * checked again against the order as Shopify has it now: the window may have
 * closed, or part of the order been refunded, since the proposal. The
 * mutation carries `@idempotent` with the action's key, so Shopify refunds
 * once however often it is sent, and the refund's note names the key, so a
 * run whose answer was lost is found again.
 */
import type { z } from "zod";
import type { ActionParameters } from "./action_types.ts";
import { checkReturn, type ReturnLine, type ReturnPolicy } from "./returns_policy.ts";
import { shopifyId } from "../mirror/records.ts";
import type { AdminClient } from "../shopify/admin_client.ts";
import {
  type ActionExecutor,
  type Execution,
  refused,
  type ShopifyUserError,
  userErrorsOf,
} from "./execution.ts";

type Params = z.infer<typeof ActionParameters.refund_order>;

const ORDER = `query RefundableOrder($id: ID!) {
  order(id: $id) {
    id
    name
    createdAt
    cancelledAt
    currencyCode
    totalPriceSet { shopMoney { amount } }
    totalRefundedSet { shopMoney { amount } }
    transactions(first: 10) { id kind status gateway }
    lineItems(first: 100) {
      nodes {
        id
        title
        refundableQuantity
        discountedUnitPriceAfterAllDiscountsSet { shopMoney { amount } }
        product { tags }
      }
    }
    refunds(first: 50) { id note }
  }
}`;

const REFUND = `mutation Refund($input: RefundInput!, $key: String!) {
  refundCreate(input: $input) @idempotent(key: $key) {
    refund { id totalRefundedSet { shopMoney { amount } } }
    userErrors { field message }
  }
}`;

/** The order as the refund check reads it from Shopify. */
export interface LiveOrder {
  id: string;
  name: string;
  createdAt: string;
  cancelledAt: string | null;
  currencyCode: string;
  totalPriceSet: { shopMoney: { amount: string } };
  totalRefundedSet: { shopMoney: { amount: string } };
  transactions: { id: string; kind: string; status: string; gateway: string }[];
  lineItems: {
    nodes: {
      id: string;
      title: string;
      refundableQuantity: number;
      discountedUnitPriceAfterAllDiscountsSet: { shopMoney: { amount: string } };
      product: { tags: string[] } | null;
    }[];
  };
  refunds: { id: string; note: string | null }[];
}

const cents = (n: number) => Math.round(n * 100) / 100;

/**
 * Whether the proposed refund still holds for the order as it is now: the
 * policy allows it, every line can still be refunded in that quantity, and
 * the amount is no more than the policy and the money left allow.
 */
export function refundStillAllowed(
  policy: ReturnPolicy,
  order: LiveOrder,
  p: Params,
  now: Date,
): { ok: true } | { ok: false; reason: string } {
  if (order.currencyCode !== p.currency) {
    return { ok: false, reason: `the order is in ${order.currencyCode}, not ${p.currency}` };
  }
  const live = new Map(order.lineItems.nodes.map((l) => [shopifyId(l.id), l]));
  const lines: ReturnLine[] = [];
  for (const wanted of p.lines) {
    const line = live.get(wanted.lineItemId);
    if (!line) return { ok: false, reason: `line ${wanted.lineItemId} is not on ${order.name}` };
    if (wanted.quantity > line.refundableQuantity) {
      return {
        ok: false,
        reason: `only ${line.refundableQuantity} of "${line.title}" can still be refunded`,
      };
    }
    lines.push({
      lineItemId: wanted.lineItemId,
      title: line.title,
      refundableQuantity: wanted.quantity,
      unitNet: Number(line.discountedUnitPriceAfterAllDiscountsSet.shopMoney.amount),
      productTags: line.product?.tags ?? [],
    });
  }
  const check = checkReturn(
    policy,
    { createdAt: new Date(order.createdAt), cancelled: order.cancelledAt !== null },
    lines,
    p.reason,
    now,
  );
  if (!check.eligible) return { ok: false, reason: check.reasons.join(" ") };
  const blocked = check.lines.find((l) => !l.returnable);
  if (blocked) return { ok: false, reason: `"${blocked.title}" is ${blocked.why}` };
  if (p.amount > check.refundAmount + 0.005) {
    return {
      ok: false,
      reason: `the policy allows ${check.refundAmount.toFixed(2)} ${p.currency}, not ${
        p.amount.toFixed(2)
      }`,
    };
  }
  const left = cents(
    Number(order.totalPriceSet.shopMoney.amount) - Number(order.totalRefundedSet.shopMoney.amount),
  );
  if (p.amount > left + 0.005) {
    return { ok: false, reason: `only ${left.toFixed(2)} ${p.currency} is left to refund` };
  }
  return { ok: true };
}

async function liveOrder(client: AdminClient, orderId: string): Promise<LiveOrder | null> {
  const { data } = await client.request<{ order: LiveOrder | null }>(ORDER, {
    id: `gid://shopify/Order/${orderId}`,
  });
  return data.order;
}

const noteFor = (p: Params, key: string) =>
  `Refund approved in Alatar (${p.reason.replaceAll("_", " ")}), action ${key}`;

function made(order: LiveOrder, key: string): Execution | null {
  const refund = order.refunds.find((r) => r.note?.includes(key));
  return refund
    ? { ok: true, result: { refundId: refund.id, orderId: order.id, recovered: true } }
    : null;
}

export const refundExecutor: ActionExecutor<Params> = {
  async find(client, p, context) {
    const order = await liveOrder(client, p.orderId);
    return order ? made(order, context.idempotencyKey) : null;
  },
  async run(client, p, context) {
    const order = await liveOrder(client, p.orderId);
    if (!order) {
      return {
        ok: false,
        code: "INVALID_INPUT",
        message: `Order ${p.orderName} is no longer in the store.`,
        details: {},
      };
    }
    // Made by an earlier attempt: the policy check below would now see it as refunded.
    const earlier = made(order, context.idempotencyKey);
    if (earlier) return earlier;
    const allowed = refundStillAllowed(context.returnPolicy, order, p, context.now);
    if (!allowed.ok) {
      return {
        ok: false,
        code: "INVALID_INPUT",
        message: `The refund no longer fits the store's returns policy: ${allowed.reason}.`,
        details: { reason: allowed.reason },
      };
    }
    const sale = order.transactions.find((t) =>
      (t.kind === "SALE" || t.kind === "CAPTURE") && t.status === "SUCCESS"
    );
    if (!sale) {
      return {
        ok: false,
        message: `Order ${p.orderName} has no captured payment to refund.`,
        details: {},
      };
    }
    const { data } = await client.request<{
      refundCreate: {
        refund: { id: string; totalRefundedSet: { shopMoney: { amount: string } } } | null;
        userErrors: ShopifyUserError[];
      } | null;
    }>(REFUND, {
      key: context.idempotencyKey,
      input: {
        orderId: order.id,
        note: noteFor(p, context.idempotencyKey),
        notify: false,
        refundLineItems: p.lines.map((l) => ({
          lineItemId: `gid://shopify/LineItem/${l.lineItemId}`,
          quantity: l.quantity,
          restockType: "RETURN",
        })),
        transactions: [{
          orderId: order.id,
          parentId: sale.id,
          gateway: sale.gateway,
          kind: "REFUND",
          amount: p.amount.toFixed(2),
        }],
      },
    });
    const refund = data.refundCreate?.refund;
    if (!refund) return refused("the refund", userErrorsOf(data.refundCreate));
    return {
      ok: true,
      result: {
        refundId: refund.id,
        orderId: order.id,
        amount: refund.totalRefundedSet.shopMoney.amount,
      },
    };
  },
};
