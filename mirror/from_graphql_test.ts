import assert from "node:assert/strict";
import type { MoneyBag, Order } from "../shopify/queries.ts";
import { lineChangeRecords, orderRecord } from "./from_graphql.ts";

const usd = (amount: string): MoneyBag => ({
  shopMoney: { amount, currencyCode: "USD" },
  presentmentMoney: { amount, currencyCode: "USD" },
});

Deno.test("an order with the money sets Shopify's schema lets be null is mirrored, not refused", () => {
  const order: Order = {
    id: "gid://shopify/Order/1001",
    name: "#1001",
    createdAt: "2026-11-02T15:00:00Z",
    updatedAt: "2026-11-04T09:30:00Z",
    cancelledAt: null,
    test: false,
    sourceName: "web",
    currencyCode: "USD",
    presentmentCurrencyCode: "USD",
    discountCodes: [],
    customer: null,
    subtotalPriceSet: null,
    totalDiscountsSet: null,
    totalShippingPriceSet: usd("5.00"),
    totalTaxSet: null,
    totalPriceSet: usd("62.50"),
    totalRefundedSet: usd("0.00"),
    lineItems: {
      nodes: [
        {
          id: "gid://shopify/LineItem/1",
          title: "Trail Runner",
          sku: "TR-1",
          quantity: 2,
          isGiftCard: false,
          product: { id: "gid://shopify/Product/11" },
          variant: { id: "gid://shopify/ProductVariant/111" },
          originalUnitPriceSet: usd("24.95"),
          totalDiscountSet: usd("4.90"),
        },
        {
          id: "gid://shopify/LineItem/2",
          title: "Wool Socks",
          sku: null,
          quantity: 1,
          isGiftCard: false,
          product: null,
          variant: null,
          originalUnitPriceSet: usd("12.50"),
          totalDiscountSet: usd("0.00"),
        },
      ],
      pageInfo: { hasNextPage: false },
    },
    refunds: [{
      id: "gid://shopify/Refund/7",
      createdAt: null,
      note: null,
      totalRefundedSet: usd("12.50"),
      refundLineItems: {
        nodes: [{
          lineItem: { id: "gid://shopify/LineItem/2" },
          quantity: 1,
          subtotalSet: usd("12.50"),
          totalTaxSet: usd("0.91"),
        }],
      },
    }],
  };
  const record = orderRecord(order);
  // Lines: 2 × 24.95 + 12.50 = 62.40, less 4.90 of discounts = 57.50.
  assert.equal(record.subtotal, "57.50");
  assert.equal(record.totalDiscounts, "4.90");
  assert.equal(record.totalTax, "0.00");
  // A refund without a time is dated when the order last changed.
  assert.equal(record.refunds[0]!.createdAt, "2026-11-04T09:30:00Z");
  // Sets that are present are taken as Shopify sent them.
  const sent = orderRecord({ ...order, subtotalPriceSet: usd("60.00"), totalTaxSet: usd("3.10") });
  assert.equal(sent.subtotal, "60.00");
  assert.equal(sent.totalTax, "3.10");
  // Mirrored as sent, and flagged: the provenance of a figure it counts in says so.
  assert.deepEqual(record.flags, ["null_money_set"]);
  assert.deepEqual(sent.flags, ["null_money_set"]); // the discounts set is still null
  const whole = { ...order, subtotalPriceSet: usd("57.50"), totalDiscountsSet: usd("4.90") };
  assert.deepEqual(orderRecord({ ...whole, totalTaxSet: usd("0") }).flags, []);
  assert.deepEqual(
    orderRecord({ ...whole, totalTaxSet: usd("0"), currencyCode: "ZZQ" }).flags,
    ["unknown_currency"],
  );
  // A refund of more than the line's 12.50 (or of more units than it had).
  const over = {
    ...whole,
    totalTaxSet: usd("0"),
    refunds: [{
      ...order.refunds[0]!,
      refundLineItems: {
        nodes: [{ ...order.refunds[0]!.refundLineItems.nodes[0]!, subtotalSet: usd("12.51") }],
      },
    }],
  };
  assert.deepEqual(orderRecord(over).flags, ["refund_exceeds_line"]);
  // The refund's tax is its own; without refundShippingLines its shipping is not known.
  assert.equal(record.refunds[0]!.lines[0]!.tax, "0.91");
  assert.equal(record.refunds[0]!.shipping, null);
  // An order never edited nor returned has no changes; one edited whose agreements were not
  // fetched leaves the mirror's as they are.
  assert.deepEqual(record.changes, []);
  assert.equal(orderRecord({ ...order, edited: true }).changes, undefined);
});

Deno.test("an edit's and an exchange's product sales become line changes; refunds and the placement do not", () => {
  const sale = (
    actionType: string,
    lineItem: string,
    quantity: number,
    total: string,
    discount: string,
    tax: string,
  ) => ({
    actionType,
    lineType: "PRODUCT",
    quantity,
    totalAmount: usd(total),
    totalDiscountAmountBeforeTaxes: usd(discount),
    totalTaxAmount: usd(tax),
    lineItem: { id: `gid://shopify/LineItem/${lineItem}` },
  });
  const agreement = (__typename: string, id: number, happenedAt: string, sales: unknown[]) => ({
    __typename,
    id: `gid://shopify/SalesAgreement/${id}`,
    happenedAt,
    sales: { nodes: sales as never[], pageInfo: { hasNextPage: false } },
  });
  const changes = lineChangeRecords([
    agreement("OrderAgreement", 1, "2026-11-02T15:00:00Z", [
      sale("ORDER", "1", 2, "48.57", "4.90", "3.57"),
    ]),
    // Shopify signs what is taken back negative; the mirror keeps magnitudes and the action.
    agreement("OrderEditAgreement", 2, "2026-11-03T10:00:00Z", [
      sale("ORDER", "3", 1, "32.18", "0.00", "2.18"),
      sale("RETURN", "1", -1, "-24.28", "-2.45", "-1.78"),
    ]),
    // A refunded return: its units come with the refund, not here.
    agreement("ReturnAgreement", 3, "2026-11-05T10:00:00Z", [
      sale("RETURN", "2", -1, "-13.41", "0", "-0.91"),
    ]),
    agreement("RefundAgreement", 4, "2026-11-05T10:00:00Z", [
      sale("RETURN", "2", -1, "-13.41", "0", "-0.91"),
    ]),
    // An exchange: one unit back, another variant out, on the return's day.
    agreement("ReturnAgreement", 5, "2026-11-09T10:00:00Z", [
      sale("RETURN", "1", -1, "-24.28", "-2.45", "-1.78"),
      sale("ORDER", "4", 1, "26.76", "0", "1.81"),
    ]),
  ]);
  assert.deepEqual(
    changes.map((
      c,
    ) => [c.agreementId, c.lineItemId, c.kind, c.action, c.quantity, c.amount, c.discount, c.tax]),
    [
      ["2", "3", "edit", "ORDER", 1, "30.00", "0.00", "2.18"],
      ["2", "1", "edit", "RETURN", 1, "22.50", "2.45", "1.78"],
      ["5", "1", "exchange", "RETURN", 1, "22.50", "2.45", "1.78"],
      ["5", "4", "exchange", "ORDER", 1, "24.95", "0.00", "1.81"],
    ],
  );
});
