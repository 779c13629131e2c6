/** The executor of each action type: every type the agent may propose can be run. */
import type { ActionType } from "./action_types.ts";
import { discountExecutor } from "./discount_executor.ts";
import { draftOrderExecutor } from "./draft_order_executor.ts";
import type { ActionExecutor } from "./execution.ts";
import { productSeoExecutor } from "./product_seo_executor.ts";
import { refundExecutor } from "./refund_executor.ts";

// Each executor takes its own type's parameters; they are parsed by that type's schema first.
export const EXECUTORS: Record<ActionType, ActionExecutor<never>> = {
  create_discount_code: discountExecutor,
  create_draft_order: draftOrderExecutor,
  refund_order: refundExecutor,
  update_product_seo: productSeoExecutor,
};
