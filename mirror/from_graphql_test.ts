import assert from "node:assert/strict";
import type { MoneyBag, Order } from "../shopify/queries.ts";
import { orderRecord } from "./from_graphql.ts";

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
});
