import assert from "node:assert/strict";
import { ACTION_TYPES } from "./action_types.ts";
import { ACTION_SCOPES, missingScopes } from "./scopes.ts";

Deno.test("every action type names the scopes it needs", () => {
  for (const type of ACTION_TYPES) assert.ok(ACTION_SCOPES[type].length > 0, type);
});

Deno.test("missing scopes are those not granted, with no stand-ins", () => {
  assert.deepEqual(missingScopes("create_discount_code", ["read_discounts"]), ["write_discounts"]);
  assert.deepEqual(missingScopes("create_discount_code", ["write_price_rules"]), [
    "write_discounts",
  ]);
  assert.deepEqual(missingScopes("create_discount_code", ["write_discounts"]), []);
  assert.deepEqual(missingScopes("refund_order", ["write_orders", "read_orders"]), []);
});
