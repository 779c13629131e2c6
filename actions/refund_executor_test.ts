import assert from "node:assert/strict";
import { DEFAULT_RETURN_POLICY } from "./returns_policy.ts";
import { type LiveOrder, refundStillAllowed } from "./refund_executor.ts";

const now = new Date("2026-11-20T12:00:00Z");

function order(overrides: Partial<LiveOrder> = {}): LiveOrder {
  return {
    id: "gid://shopify/Order/1",
    name: "#1001",
    createdAt: "2026-11-10T09:00:00Z",
    cancelledAt: null,
    currencyCode: "USD",
    totalPriceSet: { shopMoney: { amount: "60.00" } },
    totalRefundedSet: { shopMoney: { amount: "0.00" } },
    transactions: [{
      id: "gid://shopify/OrderTransaction/11",
      kind: "SALE",
      status: "SUCCESS",
      gateway: "bogus",
    }],
    lineItems: {
      nodes: [{
        id: "gid://shopify/LineItem/7",
        title: "Trail Runner",
        refundableQuantity: 2,
        discountedUnitPriceAfterAllDiscountsSet: { shopMoney: { amount: "25.00" } },
        product: { tags: [] },
      }],
    },
    refunds: [],
    ...overrides,
  };
}

const params = {
  orderId: "1",
  orderName: "#1001",
  lines: [{ lineItemId: "7", quantity: 2 }],
  amount: 50,
  restockingFee: 0,
  reason: "damaged",
  currency: "USD",
};

Deno.test("a refund that still fits the policy and the money left is allowed", () => {
  assert.deepEqual(refundStillAllowed(DEFAULT_RETURN_POLICY, order(), params, now), { ok: true });
});

Deno.test("a refund past the window, above the policy or of refunded items is refused", () => {
  const late = refundStillAllowed(
    DEFAULT_RETURN_POLICY,
    order(),
    params,
    new Date("2026-12-20T12:00:00Z"),
  );
  assert.equal(late.ok, false);
  assert.match((late as { reason: string }).reason, /return window is 30 days/);

  const more = refundStillAllowed(DEFAULT_RETURN_POLICY, order(), { ...params, amount: 55 }, now);
  assert.deepEqual(more, { ok: false, reason: "the policy allows 50.00 USD, not 55.00" });

  const partly = order();
  partly.lineItems.nodes[0]!.refundableQuantity = 1;
  assert.deepEqual(refundStillAllowed(DEFAULT_RETURN_POLICY, partly, params, now), {
    ok: false,
    reason: 'only 1 of "Trail Runner" can still be refunded',
  });

  const finalSale = order();
  finalSale.lineItems.nodes[0]!.product = { tags: ["Final-Sale"] };
  assert.equal(refundStillAllowed(DEFAULT_RETURN_POLICY, finalSale, params, now).ok, false);
});

Deno.test("the money already refunded caps the refund, and the currency must match", () => {
  const paidBack = order({ totalRefundedSet: { shopMoney: { amount: "20.00" } } });
  assert.deepEqual(refundStillAllowed(DEFAULT_RETURN_POLICY, paidBack, params, now), {
    ok: false,
    reason: "only 40.00 USD is left to refund",
  });
  assert.deepEqual(
    refundStillAllowed(DEFAULT_RETURN_POLICY, order(), { ...params, currency: "CAD" }, now),
    { ok: false, reason: "the order is in USD, not CAD" },
  );
});

Deno.test("a changed-mind return pays the restocking fee; a damaged one does not", () => {
  const policy = { ...DEFAULT_RETURN_POLICY, restockingFeePercent: 10 };
  assert.equal(
    refundStillAllowed(policy, order(), { ...params, reason: "changed_mind", amount: 50 }, now).ok,
    false,
  );
  assert.equal(
    refundStillAllowed(policy, order(), { ...params, reason: "changed_mind", amount: 45 }, now).ok,
    true,
  );
  assert.equal(refundStillAllowed(policy, order(), params, now).ok, true);
});
