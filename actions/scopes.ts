/**
 * The Shopify access scopes each action needs (seed 000 §7), in one table.
 * Checked against the linked store's granted scopes when the merchant
 * approves, before anything is sent to Shopify. Shopify's
 * `discountCodeBasicCreate` requires `write_discounts` and accepts no other
 * grant (the seed's `write_price_rules` belongs to the retired price-rule API),
 * so no equivalents are listed.
 */
import type { ActionType } from "./action_types.ts";

export const ACTION_SCOPES: Record<ActionType, readonly string[]> = {
  create_discount_code: ["write_discounts"],
  create_draft_order: ["write_draft_orders"],
  refund_order: ["write_orders"],
  update_product_seo: ["write_products"],
};

/** The scopes `actionType` needs that `granted` lacks. */
export function missingScopes(actionType: ActionType, granted: readonly string[]): string[] {
  return ACTION_SCOPES[actionType].filter((scope) => !granted.includes(scope));
}
