import assert from "node:assert/strict";
import { previewOf, previewOfStored } from "./preview.ts";

Deno.test("a discount's preview states its code, size, reach and dates", () => {
  assert.equal(
    previewOf("create_discount_code", {
      code: "SLOW15",
      title: "Slow movers",
      percentage: 0.15,
      productIds: ["1", "2"],
      startsAt: "2026-11-23",
      endsAt: "2026-11-30",
      usageLimit: 100,
    }),
    "Create discount code SLOW15: 15% off 2 products, from 2026-11-23 to 2026-11-30, at most 100 uses.",
  );
});

Deno.test("a discount's preview says the margin it leaves, or that it is unknown", () => {
  const base = {
    code: "SLOW20",
    title: "Slow movers",
    percentage: 0.2,
    productIds: ["1"],
    startsAt: "2026-11-23",
    endsAt: "2026-11-30",
  };
  assert.equal(
    previewOf("create_discount_code", { ...base, marginLeft: 0.0625 }),
    "Create discount code SLOW20: 20% off 1 product, from 2026-11-23 to 2026-11-30. Leaves at least 6.3% margin on each product.",
  );
  assert.equal(
    previewOf("create_discount_code", { ...base, marginLeft: null }),
    "Create discount code SLOW20: 20% off 1 product, from 2026-11-23 to 2026-11-30. Margin left unknown: a product has no cost in Shopify.",
  );
});

Deno.test("a refund's preview states the amount, order and fee", () => {
  assert.equal(
    previewOf("refund_order", {
      orderId: "1",
      orderName: "#1001",
      lines: [{ lineItemId: "5", quantity: 1 }],
      amount: 45,
      restockingFee: 5,
      reason: "damaged",
      currency: "USD",
    }),
    "Refund 45 USD on order #1001 (damaged), after a 5 restocking fee.",
  );
});

Deno.test("a stored action whose parameters no longer parse shows its description", () => {
  assert.equal(
    previewOfStored("create_discount_code", { percent: 10 }, "10% off slow movers"),
    "10% off slow movers",
  );
  assert.equal(previewOfStored("launch_rocket", {}, "A mystery"), "A mystery");
});

Deno.test("a draft order's preview counts items and lines and shows its note", () => {
  assert.equal(
    previewOf("create_draft_order", {
      customerId: "42",
      lines: [{ variantId: "1", quantity: 2 }, { variantId: "2", quantity: 1 }],
      note: "Replacement for #1042 (damaged)",
    }),
    'Create a draft order of 3 items on 2 lines for customer 42: "Replacement for #1042 (damaged)".',
  );
  assert.equal(
    previewOf("create_draft_order", { lines: [{ variantId: "1", quantity: 1 }] }),
    "Create a draft order of 1 item on 1 line.",
  );
});

Deno.test("a stored action's preview names the store it acts on", () => {
  const parameters = {
    productId: "7",
    seoTitle: "Trail Runner | Alatar",
    seoDescription: "Light trail shoes.",
  };
  assert.equal(
    previewOfStored("update_product_seo", parameters, "SEO", "alatar-eu.myshopify.com"),
    `Set product 7's search title to "Trail Runner | Alatar" and its description to ` +
      `"Light trail shoes.". Store: alatar-eu.myshopify.com.`,
  );
});
