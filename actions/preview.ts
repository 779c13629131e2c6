/**
 * What an action will do, in the words the merchant approves: built from the
 * validated parameters, never from text a model wrote.
 */
import { formatAmount } from "../metrics/format.ts";
import { type ActionType, parseActionParameters } from "./action_types.ts";

const percent = (fraction: number) => formatAmount(fraction, "ratio");
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export function previewOf(actionType: ActionType, p: Record<string, unknown>): string {
  switch (actionType) {
    case "create_discount_code": {
      const products = (p.productIds as string[]).length;
      const limit = p.usageLimit ? `, at most ${p.usageLimit} uses` : "";
      const margin = p.marginLeft === undefined
        ? ""
        : p.marginLeft === null
        ? " Margin left unknown: a product has no cost in Shopify."
        : ` Leaves at least ${percent(p.marginLeft as number)} margin on each product.`;
      return `Create discount code ${p.code}: ${percent(p.percentage as number)} off ${
        plural(products, "product")
      }, from ${p.startsAt} to ${p.endsAt}${limit}.${margin}`;
    }
    case "create_draft_order": {
      const lines = p.lines as { quantity: number }[];
      const units = lines.reduce((s, l) => s + l.quantity, 0);
      const customer = p.customerId ? ` for customer ${p.customerId}` : "";
      const note = p.note ? `: "${p.note}"` : "";
      return `Create a draft order of ${plural(units, "item")} on ${
        plural(lines.length, "line")
      }${customer}${note}.`;
    }
    case "refund_order":
      return `Refund ${p.amount} ${p.currency} on order ${p.orderName} (${p.reason})${
        (p.restockingFee as number) > 0 ? `, after a ${p.restockingFee} restocking fee` : ""
      }.`;
    case "update_product_seo":
      return `Set product ${p.productId}'s search title to "${p.seoTitle}" and its description to "${p.seoDescription}".`;
  }
}

/**
 * The preview of a stored action, whose parameters are checked first: one
 * that does not parse (an unknown type, or a row changed since) shows its
 * description instead, and approving it will fail the same check.
 */
export function previewOfStored(
  actionType: string,
  parameters: unknown,
  description: string,
  /** The store it acts on: a merchant with several approves knowing which. */
  shop: string | null = null,
) {
  const checked = parseActionParameters(actionType, parameters);
  const preview = checked.ok ? previewOf(checked.actionType, checked.parameters) : description;
  return shop ? `${preview} Store: ${shop}.` : preview;
}
