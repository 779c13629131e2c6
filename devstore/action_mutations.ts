/**
 * The dev store's side of the actions a merchant approves (issue #8): the
 * mutations Alatar runs and the reads it recovers with, each checked the way
 * Shopify checks it and answering in Shopify's shapes (userErrors in a 200,
 * not HTTP errors).
 *
 * - `discountCodeBasicCreate`, and `codeDiscountNodeByCode` to find one;
 * - `draftOrderCreate`, and `draftOrders(query: "tag:…")`;
 * - `productUpdate` (SEO title and description);
 * - `refundCreate` with the `@idempotent(key:)` directive: the same key and
 *   input answer the first result again without refunding twice; the same key
 *   with other input is refused; from API version 2026-04 the key is
 *   required, as in Shopify.
 */
import { getDirectiveValues, GraphQLError, type GraphQLResolveInfo } from "graphql";
import { connection, type Context, gid, idOf, requireScope } from "./admin_helpers.ts";
import type { MutationChange } from "./changes.ts";
import type {
  DevCustomer,
  DevDiscount,
  DevDraftOrder,
  DevOrder,
  DevProduct,
  DevShop,
  DevVariant,
} from "./seed.ts";

/** The first API version in which refundCreate requires `@idempotent`. */
export const IDEMPOTENCY_REQUIRED_FROM = "2026-04";

interface UserError {
  field: string[] | null;
  message: string;
  code?: string;
}

interface DiscountCodeBasicInput {
  title?: string | null;
  code?: string | null;
  startsAt?: Date | string | null;
  endsAt?: Date | string | null;
  usageLimit?: number | null;
  customerGets?: {
    value?: { percentage?: number | null } | null;
    items?: { all?: boolean | null; products?: { productsToAdd?: string[] | null } | null } | null;
  } | null;
}

interface DraftOrderInput {
  purchasingEntity?: { customerId?: string | null } | null;
  lineItems?: Array<{ variantId?: string | null; quantity: number }> | null;
  note?: string | null;
  tags?: string[] | null;
}

interface ProductUpdateInput {
  id: string;
  seo?: { title?: string | null; description?: string | null } | null;
}

interface RefundInput {
  orderId: string;
  note?: string | null;
  refundLineItems?: Array<{ lineItemId: string; quantity: number; restockType?: string }> | null;
  transactions?:
    | Array<
      { orderId: string; parentId?: string | null; gateway: string; kind: string; amount: string }
    >
    | null;
}

export interface ActionLookups {
  products: Map<number, DevProduct>;
  variants: Map<number, DevVariant>;
  customers: Map<number, DevCustomer>;
  refunded: (order: DevOrder) => number;
  /** Shopify announces what a mutation changed with webhooks; the store delivers them. */
  onMutation: (change: MutationChange) => void;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** How many units of one order line can still be refunded: less those refunded, removed or exchanged. */
export function refundableQuantity(order: DevOrder, lineItemId: number): number {
  const line = order.lineItems.find((l) => l.id === lineItemId);
  if (!line) return 0;
  const refunded = order.refunds.flatMap((r) => r.lines)
    .filter((l) => l.lineItemId === lineItemId)
    .reduce((s, l) => s + l.quantity, 0);
  const takenBack = order.changes.flatMap((c) => c.sales)
    .filter((s) => s.lineItemId === lineItemId && s.action === "RETURN")
    .reduce((sum, s) => sum + s.quantity, 0);
  return line.quantity - refunded - takenBack;
}

/** The order's one payment: Shopify lists it as a SALE transaction on the order. */
export function saleTransactionId(order: DevOrder): number {
  return order.id * 10 + 1;
}

export function actionResolvers(shop: DevShop, lookups: ActionLookups) {
  // refundCreate's idempotency keys: what the first request asked and got.
  const refundKeys = new Map<string, { input: string; result: unknown }>();
  let nextId = 7_000_000_000;

  const orderTotal = (o: DevOrder) =>
    o.lineItems.reduce((s, l) => s + l.unitPrice * l.quantity - l.discount, 0) + o.shipping +
    o.tax;

  function createRefund(input: RefundInput): { refund: unknown; order: DevOrder } | {
    userErrors: UserError[];
  } {
    const errors: UserError[] = [];
    const order = shop.orders.find((o) => o.id === idOf(input.orderId, "Order"));
    if (!order) return { userErrors: [{ field: ["orderId"], message: "Order does not exist" }] };
    const lines: DevOrder["refunds"][number]["lines"] = [];
    for (const [i, item] of (input.refundLineItems ?? []).entries()) {
      const lineId = idOf(item.lineItemId, "LineItem");
      const line = order.lineItems.find((l) => l.id === lineId);
      if (!line) {
        errors.push({
          field: ["refundLineItems", String(i), "lineItemId"],
          message: "Line item does not exist on this order",
        });
        continue;
      }
      if (item.quantity < 1 || item.quantity > refundableQuantity(order, line.id)) {
        errors.push({
          field: ["refundLineItems", String(i), "quantity"],
          message: "Quantity cannot refund more items than were purchased",
        });
        continue;
      }
      const unitNet = (line.unitPrice * line.quantity - line.discount) / line.quantity;
      // The refund carries what its transactions paid back in its lines (below); it gives no
      // tax back unless paid, so the dev store records none.
      lines.push({
        lineItemId: line.id,
        quantity: item.quantity,
        amount: unitNet * item.quantity,
        tax: 0,
      });
    }
    let paid = 0;
    for (const [i, t] of (input.transactions ?? []).entries()) {
      const amount = Number(t.amount);
      if (t.kind !== "REFUND") {
        errors.push({ field: ["transactions", String(i), "kind"], message: "Kind is invalid" });
      } else if (idOf(t.parentId, "OrderTransaction") !== saleTransactionId(order)) {
        errors.push({
          field: ["transactions", String(i), "parentId"],
          message: "Parent transaction does not exist",
        });
      } else if (!(amount > 0)) {
        errors.push({
          field: ["transactions", String(i), "amount"],
          message: "Amount must be greater than 0",
        });
      } else paid += amount;
    }
    const refundable = round2(orderTotal(order) - lookups.refunded(order));
    if (round2(paid) > refundable) {
      errors.push({
        field: ["transactions"],
        message: `Refund amount ${paid.toFixed(2)} is greater than the refundable amount ${
          refundable.toFixed(2)
        }`,
      });
    }
    if (lines.length === 0 && paid === 0 && errors.length === 0) {
      errors.push({ field: null, message: "Refund must include line items or transactions" });
    }
    if (errors.length > 0) return { userErrors: errors };
    // The money refunded is what the transactions paid back; the lines carry it in proportion
    // (a restocking fee kept by the shop lowers each line's share).
    const subtotal = lines.reduce((s, l) => s + l.amount, 0);
    const share = subtotal > 0 ? paid / subtotal : 0;
    const at = new Date().toISOString();
    const refund = {
      id: nextId++,
      createdAt: at,
      note: input.note ?? null,
      lines: lines.map((l) => ({ ...l, amount: round2(l.amount * share) })),
      shipping: subtotal > 0 ? 0 : round2(paid),
    };
    order.refunds.push(refund);
    order.updatedAt = at;
    lookups.onMutation({ refund, order });
    return { refund: { refund, order }, order };
  }

  return {
    types: {
      DraftOrder: {
        id: (d: DevDraftOrder) => gid("DraftOrder", d.id),
        customer: (d: DevDraftOrder) =>
          d.customerId ? lookups.customers.get(d.customerId) ?? null : null,
        note2: (d: DevDraftOrder) => d.note,
        lineItems: (d: DevDraftOrder, args: { first?: number; after?: string }, ctx: Context) =>
          connection(
            d.lines.map((l) => ({ ...l, variant: lookups.variants.get(l.variantId) ?? null })),
            args,
            ctx.bulk,
          ),
      },
    },
    Query: {
      codeDiscountNodeByCode: (_: unknown, args: { code: string }, ctx: Context) => {
        requireScope(ctx, "read_discounts", "codeDiscountNodeByCode");
        return shop.discounts.find((d) => d.code.toLowerCase() === args.code.toLowerCase()) ??
          null;
      },
      order: (_: unknown, args: { id: string }, ctx: Context) => {
        requireScope(ctx, "read_orders", "order");
        return shop.orders.find((o) => o.id === idOf(args.id, "Order")) ?? null;
      },
      draftOrders: (
        _: unknown,
        args: { first: number; after?: string | null; query?: string | null },
        ctx: Context,
      ) => {
        requireScope(ctx, "read_draft_orders", "draftOrders");
        const tag = /\btag:'?([^'\s]+)'?/.exec(args.query ?? "")?.[1];
        return connection(shop.draftOrders.filter((d) => !tag || d.tags.includes(tag)), args);
      },
    },
    Mutation: {
      discountCodeBasicCreate: (
        _: unknown,
        args: { basicCodeDiscount: DiscountCodeBasicInput },
        ctx: Context,
      ) => {
        requireScope(ctx, "write_discounts", "discountCodeBasicCreate");
        const created = createCodeDiscount(shop.discounts, args.basicCodeDiscount);
        if ("userErrors" in created) return { codeDiscountNode: null, ...created };
        shop.discounts.push(created.discount);
        return { codeDiscountNode: created.discount, userErrors: [] };
      },
      draftOrderCreate: (_: unknown, args: { input: DraftOrderInput }, ctx: Context) => {
        requireScope(ctx, "write_draft_orders", "draftOrderCreate");
        const errors: UserError[] = [];
        const customerId = args.input.purchasingEntity?.customerId;
        const customer = customerId ? idOf(customerId, "Customer") : null;
        if (customerId && (customer === null || !lookups.customers.has(customer))) {
          errors.push({ field: ["purchasingEntity", "customerId"], message: "Customer not found" });
        }
        const lines: DevDraftOrder["lines"] = [];
        for (const [i, item] of (args.input.lineItems ?? []).entries()) {
          const variant = lookups.variants.get(idOf(item.variantId, "ProductVariant") ?? -1);
          if (!variant) {
            errors.push({
              field: ["lineItems", String(i), "variantId"],
              message: "Product variant not found",
            });
          } else if (item.quantity < 1) {
            errors.push({
              field: ["lineItems", String(i), "quantity"],
              message: "Quantity must be greater than or equal to 1",
            });
          } else {
            const product = lookups.products.get(variant.productId)!;
            lines.push({
              variantId: variant.id,
              title: product.title,
              quantity: item.quantity,
              unitPrice: variant.price,
            });
          }
        }
        if (lines.length === 0 && errors.length === 0) {
          errors.push({ field: ["lineItems"], message: "Add at least 1 product" });
        }
        if (errors.length > 0) return { draftOrder: null, userErrors: errors };
        const id = nextId++;
        const draft: DevDraftOrder = {
          id,
          name: `#D${shop.draftOrders.length + 1}`,
          customerId: customer,
          lines,
          note: args.input.note ?? null,
          tags: args.input.tags ?? [],
          status: "OPEN",
          createdAt: new Date().toISOString(),
        };
        shop.draftOrders.push(draft);
        return { draftOrder: draft, userErrors: [] };
      },
      productUpdate: (_: unknown, args: { product: ProductUpdateInput }, ctx: Context) => {
        requireScope(ctx, "write_products", "productUpdate");
        const product = lookups.products.get(idOf(args.product.id, "Product") ?? -1);
        if (!product) {
          return {
            product: null,
            userErrors: [{ field: ["id"], message: "Product does not exist" }],
          };
        }
        const seo = args.product.seo;
        if (seo?.title && seo.title.length > 255) {
          return {
            product: null,
            userErrors: [{ field: ["seo", "title"], message: "SEO title is too long" }],
          };
        }
        if (seo) {
          product.seo = {
            title: seo.title === undefined ? product.seo.title : seo.title,
            description: seo.description === undefined ? product.seo.description : seo.description,
          };
        }
        product.updatedAt = new Date().toISOString();
        lookups.onMutation({ product });
        return { product, userErrors: [] };
      },
      refundCreate: (
        _: unknown,
        args: { input: RefundInput },
        ctx: Context,
        info: GraphQLResolveInfo,
      ) => {
        requireScope(ctx, "write_orders", "refundCreate");
        const key = idempotencyKey(info);
        if (!key && ctx.apiVersion >= IDEMPOTENCY_REQUIRED_FROM) {
          throw new GraphQLError("The @idempotent directive is required for this mutation.", {
            extensions: { code: "BAD_REQUEST" },
          });
        }
        const input = JSON.stringify(args.input);
        const seen = key ? refundKeys.get(key) : undefined;
        if (seen) {
          if (seen.input !== input) {
            throw new GraphQLError(
              "The idempotency key was already used with different parameters.",
              { extensions: { code: "IDEMPOTENCY_KEY_PARAMETER_MISMATCH" } },
            );
          }
          return seen.result;
        }
        const created = createRefund(args.input);
        const result = "userErrors" in created
          ? { refund: null, order: null, ...created }
          : { refund: created.refund, order: created.order, userErrors: [] };
        // Like Shopify, only a request that did something is remembered under its key.
        if (key && !("userErrors" in created)) refundKeys.set(key, { input, result });
        return result;
      },
    },
  };
}

/** The key of the field's `@idempotent(key:)` directive, variables resolved. */
function idempotencyKey(info: GraphQLResolveInfo): string | null {
  const directive = info.schema.getDirective("idempotent");
  if (!directive) return null;
  const values = getDirectiveValues(directive, info.fieldNodes[0]!, info.variableValues);
  return typeof values?.key === "string" && values.key.length > 0 ? values.key : null;
}

/**
 * Shopify's checks on a new code discount, with its error shapes: a blank
 * title or code, a code already taken (case-insensitively), a percentage
 * outside 0–1, an end before the start.
 */
function createCodeDiscount(
  existing: DevDiscount[],
  input: DiscountCodeBasicInput,
): { discount: DevDiscount } | { userErrors: UserError[] } {
  const errors: UserError[] = [];
  const error = (field: string[], message: string, code: string) =>
    errors.push({ field: ["basicCodeDiscount", ...field], message, code });
  const code = input.code?.trim() ?? "";
  if (!input.title?.trim()) error(["title"], "Title can't be blank", "BLANK");
  if (!code) error(["code"], "Code can't be blank", "BLANK");
  else if (code.length > 255) error(["code"], "Code is too long", "TOO_LONG");
  else if (existing.some((d) => d.code.toLowerCase() === code.toLowerCase())) {
    error(["code"], "Code must be unique. Please try a different code.", "TAKEN");
  }
  const percentage = input.customerGets?.value?.percentage;
  if (percentage === undefined || percentage === null) {
    error(["customerGets", "value"], "Value can't be blank", "BLANK");
  } else if (percentage <= 0 || percentage > 1) {
    error(
      ["customerGets", "value", "percentage"],
      "Value must be between 0.0 and 1.0",
      "VALUE_OUTSIDE_RANGE",
    );
  }
  const startsAt = input.startsAt ? new Date(input.startsAt) : new Date();
  const endsAt = input.endsAt ? new Date(input.endsAt) : null;
  if (endsAt && endsAt < startsAt) {
    error(["endsAt"], "Ends at needs to be after starts_at", "INVALID");
  }
  const products = input.customerGets?.items?.products?.productsToAdd ?? null;
  const productIds = products?.map((value) => idOf(value, "Product"));
  if (productIds?.some((id) => id === null)) {
    error(["customerGets", "items", "products"], "Product ids are invalid", "INVALID");
  }
  if (errors.length > 0) return { userErrors: errors };
  const id = Math.max(9_000_000, ...existing.map((d) => d.id)) + 2;
  return {
    discount: {
      id,
      code,
      title: input.title!.trim(),
      // Stored in percent, like the seeded discounts.
      percentage: round2(percentage! * 100),
      startsAt: startsAt.toISOString(),
      endsAt: endsAt?.toISOString() ?? null,
      productIds: productIds?.map(Number),
      usageLimit: input.usageLimit ?? null,
    },
  };
}
