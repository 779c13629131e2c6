import assert from "node:assert/strict";
import { checkReturn, DEFAULT_RETURN_POLICY, reasonOf, type ReturnLine } from "./returns_policy.ts";

const now = new Date("2026-11-22T12:00:00Z");
const line = (over: Partial<ReturnLine> = {}): ReturnLine => ({
  lineItemId: "1",
  title: "Mug",
  refundableQuantity: 2,
  unitNet: 12.5,
  productTags: [],
  ...over,
});
const order = (daysAgo: number) => ({
  createdAt: new Date(now.getTime() - daysAgo * 86_400_000),
  cancelled: false,
});

Deno.test("an order inside the window refunds its lines in full", () => {
  const check = checkReturn(DEFAULT_RETURN_POLICY, order(10), [line()], "damaged", now);
  assert.equal(check.eligible, true);
  assert.equal(check.refundAmount, 25);
  assert.equal(check.daysSinceOrder, 10);
});

Deno.test("past the window, nothing is refunded and the reason says why", () => {
  const check = checkReturn(DEFAULT_RETURN_POLICY, order(45), [line()], "damaged", now);
  assert.equal(check.eligible, false);
  assert.match(check.reasons[0]!, /45 days old; the return window is 30 days/);
  assert.equal(check.refundAmount, 0);
});

Deno.test("final-sale lines stay, and a fee applies only to customer reasons", () => {
  const policy = { ...DEFAULT_RETURN_POLICY, restockingFeePercent: 10 };
  const lines = [line(), line({ lineItemId: "2", productTags: ["Final-Sale"], unitNet: 99 })];
  const mind = checkReturn(policy, order(3), lines, "changed_mind", now);
  assert.equal(mind.subtotal, 25);
  assert.equal(mind.restockingFee, 2.5);
  assert.equal(mind.refundAmount, 22.5);
  assert.equal(mind.lines[1]!.why, "final sale");
  const broken = checkReturn(policy, order(3), lines, "damaged", now);
  assert.equal(broken.restockingFee, 0);
  assert.equal(broken.refundAmount, 25);
});

Deno.test("a reason the store does not accept, or a fully refunded order, is refused", () => {
  const policy = { ...DEFAULT_RETURN_POLICY, allowedReasons: ["damaged"] };
  assert.equal(checkReturn(policy, order(1), [line()], "changed_mind", now).eligible, false);
  const done = checkReturn(
    DEFAULT_RETURN_POLICY,
    order(1),
    [line({ refundableQuantity: 0 })],
    "damaged",
    now,
  );
  assert.deepEqual(done.reasons, ["Everything on the order has already been refunded."]);
});

Deno.test("reasonOf maps a merchant's words to the policy's reasons", () => {
  assert.equal(reasonOf("it arrived broken"), "damaged");
  assert.equal(reasonOf("the shoes are too small"), "size_or_fit");
  assert.equal(reasonOf("customer wants a refund for #1042"), "changed_mind");
});
