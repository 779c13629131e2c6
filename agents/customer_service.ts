/**
 * Customer Service (from seed 003): finds an order by its number ("#1042") or
 * the customer's e-mail (matched through the mirror's keyed hash, so no
 * address is stored), checks the store's returns policy, and hands a refund
 * candidate to Recommendation when the merchant asked for one and the policy
 * allows it. It proposes; a refund runs only after the merchant approves it.
 */
import { RunnableLambda } from "@langchain/core/runnables";
import { z } from "zod";
import type { Database } from "../db/database.ts";
import { contactHash } from "../mirror/upsert_customers.ts";
import { type DepartmentInput, type DepartmentResult, emptyResult } from "./department.ts";
import { type Fact, formatFact } from "./facts.ts";
import {
  checkReturn,
  reasonOf,
  type ReturnLine,
  returnPolicyOf,
} from "../actions/returns_policy.ts";

export const CustomerServiceInput = z.object({
  orderNumber: z.string().regex(/^\d{1,10}$/).nullable().default(null),
  email: z.string().email().max(254).nullable().default(null),
  wantsRefund: z.boolean().default(false),
  /** A replacement sent as a draft order, for items the shop got wrong. */
  wantsReplacement: z.boolean().default(false),
}).passthrough();

/** Reasons where the shop is at fault, so a replacement goes out at no charge. */
const REPLACEABLE = new Set(["damaged", "defective", "wrong_item", "not_as_described"]);

interface OrderRow {
  shopify_id: string;
  name: string;
  created_at: Date;
  cancelled: boolean;
  currency: string;
  total_price: number;
  total_refunded: number;
  customer_id: string | null;
}

export function customerServiceDepartment(db: Database, lookupKey: Uint8Array) {
  return RunnableLambda.from(async (input: DepartmentInput): Promise<DepartmentResult> => {
    const task = CustomerServiceInput.parse(input.task.input);
    const { scope } = input;
    return await db.withTenant(scope.userId, async (tx) => {
      const result = emptyResult();
      const account = scope.accountId;
      let orders: OrderRow[] = [];
      const columns =
        tx`o.shopify_id::text, o.name, o.created_at, o.cancelled_at is not null as cancelled,
        o.currency, o.total_price::float8 as total_price, o.total_refunded::float8 as total_refunded,
        o.customer_id::text`;
      if (task.orderNumber) {
        orders = await tx<OrderRow[]>`
          select ${columns} from shop_orders o
          where o.linked_account_id = ${account} and o.name = ${`#${task.orderNumber}`}`;
      } else if (task.email) {
        orders = await tx<OrderRow[]>`
          select ${columns} from shop_orders o
          join shop_customers c on c.linked_account_id = o.linked_account_id
            and c.shopify_id = o.customer_id
          where o.linked_account_id = ${account}
            and c.email_hash = ${contactHash(lookupKey, "email", task.email)}
          order by o.created_at desc limit 5`;
      }
      if (orders.length === 0) {
        result.findings.push(
          task.orderNumber
            ? `There is no order #${task.orderNumber} in this store.`
            : task.email
            ? "No orders were found for that e-mail address."
            : "Name an order number (like #1042) or the customer's e-mail to look an order up.",
        );
        result.tables.orderLookup = { provenance: null, rows: [] };
        return result;
      }
      result.tables.orderLookup = {
        provenance: null,
        rows: orders.map((o) => ({
          orderId: o.shopify_id,
          name: o.name,
          createdAt: o.created_at.toISOString(),
          cancelled: o.cancelled,
          totalPrice: o.total_price,
          totalRefunded: o.total_refunded,
          currency: o.currency,
        })),
      };
      const order = orders[0]!;
      const fact = (id: string, label: string, value: number, unit: Fact["unit"]) => {
        const f: Fact = { id, label, value, unit, provenance: null };
        result.facts.push(f);
        return f;
      };
      const total = fact(
        `order.${order.shopify_id}.total`,
        `Total of ${order.name}`,
        order.total_price,
        "money",
      );
      fact(
        `order.${order.shopify_id}.refunded`,
        `Already refunded on ${order.name}`,
        order.total_refunded,
        "money",
      );
      result.findings.push(
        `Order ${order.name} was placed on ${order.created_at.toISOString().slice(0, 10)} for ${
          formatFact(total, order.currency)
        }.`,
      );

      const lines = await tx<(ReturnLine & { variantId: string | null })[]>`
        select l.shopify_id::text as "lineItemId", l.title, l.variant_id::text as "variantId",
               (l.quantity - coalesce((select sum(rl.quantity) from shop_refund_lines rl
                  where rl.linked_account_id = l.linked_account_id and rl.line_item_id = l.shopify_id), 0))::int
                 as "refundableQuantity",
               ((l.unit_price * l.quantity - l.total_discount) / nullif(l.quantity, 0))::float8 as "unitNet",
               coalesce(p.tags, '{}') as "productTags"
        from shop_order_lines l
        left join shop_products p on p.linked_account_id = l.linked_account_id and p.shopify_id = l.product_id
        where l.linked_account_id = ${account} and l.order_id = ${order.shopify_id}
        order by l.shopify_id`;
      const policy = await returnPolicyOf(tx, account);
      const reason = reasonOf(input.prompt);
      const reasonInWords = reason.replaceAll("_", " ");
      const check = checkReturn(
        policy,
        { createdAt: order.created_at, cancelled: order.cancelled },
        lines,
        reason,
        new Date(`${input.today}T12:00:00Z`),
      );
      fact(
        `order.${order.shopify_id}.ageDays`,
        `Days since ${order.name} was placed`,
        check.daysSinceOrder,
        "days",
      );
      fact("policy.returnWindowDays", "Return window", policy.returnWindowDays, "days");
      const refund = fact(
        `order.${order.shopify_id}.refundAmount`,
        `Refund due on ${order.name}`,
        check.refundAmount,
        "money",
      );
      const fee = fact(
        `order.${order.shopify_id}.restockingFee`,
        `Restocking fee on ${order.name}`,
        check.restockingFee,
        "money",
      );
      result.tables.returnCheck = {
        provenance: null,
        rows: check.lines.map((l) => ({
          lineItemId: l.lineItemId,
          title: l.title,
          quantity: l.refundableQuantity,
          returnable: l.returnable,
          why: l.why ?? null,
        })),
      };
      if (!check.eligible) {
        result.findings.push(
          `It cannot be refunded under the store's policy: ${check.reasons.join(" ")}`,
        );
      } else {
        result.findings.push(
          `Under the store's policy it can be refunded: ${formatFact(refund, order.currency)}${
            fee.value > 0 ? ` after a ${formatFact(fee, order.currency)} restocking fee` : ""
          }.`,
        );
        if (task.wantsRefund) {
          result.candidates.push({
            key: `refund.${order.shopify_id}`,
            actionType: "refund_order",
            description: `Refund ${
              formatFact(refund, order.currency)
            } on order ${order.name} (${reasonInWords})`,
            parameters: {
              orderId: order.shopify_id,
              orderName: order.name,
              lines: check.lines.filter((l) => l.returnable).map((l) => ({
                lineItemId: l.lineItemId,
                quantity: l.refundableQuantity,
              })),
              amount: check.refundAmount,
              restockingFee: check.restockingFee,
              reason,
              currency: order.currency,
            },
          });
        }
        const variantOf = new Map(lines.map((l) => [l.lineItemId, l.variantId]));
        const resend = check.lines.filter((l) => l.returnable && variantOf.get(l.lineItemId));
        if (task.wantsReplacement && REPLACEABLE.has(reason) && resend.length > 0) {
          result.findings.push(
            `The items arrived ${reasonInWords}, so a replacement can go out.`,
          );
          result.candidates.push({
            key: `replacement.${order.shopify_id}`,
            actionType: "create_draft_order",
            description:
              `Send a replacement for order ${order.name} (${reasonInWords}) as a draft order`,
            parameters: {
              ...(order.customer_id ? { customerId: order.customer_id } : {}),
              lines: resend.map((l) => ({
                variantId: variantOf.get(l.lineItemId)!,
                quantity: l.refundableQuantity,
              })),
              note: `Replacement for ${order.name} (${reasonInWords})`,
            },
          });
        }
      }
      return result;
    });
  }).withConfig({ runName: "customer_service" });
}
