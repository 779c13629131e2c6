import assert from "node:assert/strict";
import { checkAction } from "./action_types.ts";

const discount = {
  key: "discount.1",
  actionType: "create_discount_code",
  description: "15% off slow movers",
  parameters: {
    code: "SLOW15",
    title: "Slow movers",
    percentage: 0.15,
    productIds: ["101"],
    startsAt: "2026-11-23",
    endsAt: "2026-12-07",
  },
};

Deno.test("checkAction accepts a well-formed discount", () => {
  assert.equal(checkAction(discount).ok, true);
});

Deno.test("checkAction refuses a 100% discount, unknown types and stray fields", () => {
  const full = checkAction({ ...discount, parameters: { ...discount.parameters, percentage: 1 } });
  assert.equal(full.ok, false);
  assert.equal(checkAction({ ...discount, actionType: "delete_shop" }).ok, false);
  const extra = checkAction({ ...discount, parameters: { ...discount.parameters, all: true } });
  assert.equal(extra.ok, false);
  const backwards = checkAction({
    ...discount,
    parameters: { ...discount.parameters, endsAt: "2026-11-01" },
  });
  assert.equal(backwards.ok, false);
});
