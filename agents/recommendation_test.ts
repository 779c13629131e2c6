import assert from "node:assert/strict";
import { emptyResult } from "./department.ts";
import type { DepartmentInput } from "./department.ts";
import { depthWithinMargin, marginLeft, recommendationDepartment } from "./recommendation.ts";

Deno.test("a discount steps down to what the margin covers, and never below cost", () => {
  assert.equal(depthWithinMargin(0.3, 0.45), 0.3);
  assert.equal(depthWithinMargin(0.3, 0.25), 0.2); // 30 % off would sell under cost
  assert.equal(depthWithinMargin(0.3, 0.15), 0.1);
  assert.equal(depthWithinMargin(0.3, 0.08), null); // not even 10 %
  assert.equal(depthWithinMargin(0.1, 0.1), 0.1); // at cost, not below
  assert.equal(depthWithinMargin(0.2, null), 0.2, "an unknown cost keeps the rule's depth");
});

Deno.test("the margin left is the thinnest across products, unknown if any cost is", () => {
  // 20 % off a 50 % margin: cost 0.5 of a price now 0.8 → 1 − 0.5 / 0.8 = 0.375;
  // a 40 % margin: 1 − 0.6 / 0.8 = 0.25, the thinner.
  assert.equal(marginLeft(0.2, [0.5, 0.4]), 0.25);
  assert.equal(marginLeft(0.1, [0.5, null]), null);
});

Deno.test("slow-stock proposals keep every product at or above cost", async () => {
  const slowStock = {
    provenance: null,
    rows: [
      // 400 days of cover: the rule says 30 %; margins decide.
      { productId: "1", title: "Parka", onHand: 40, daysOfCover: 400, tags: [], lowestMargin: 0.5 },
      {
        productId: "2",
        title: "Beanie",
        onHand: 40,
        daysOfCover: 400,
        tags: [],
        lowestMargin: 0.25,
      },
      {
        productId: "3",
        title: "Socks",
        onHand: 40,
        daysOfCover: 400,
        tags: [],
        lowestMargin: 0.05,
      },
      {
        productId: "4",
        title: "Scarf",
        onHand: 40,
        daysOfCover: 400,
        tags: [],
        lowestMargin: null,
      },
    ],
  };
  const prior = { ...emptyResult(), tables: { slowStock } };
  const result = await recommendationDepartment().invoke({
    today: "2026-12-06",
    plan: { intent: "recommend" },
    task: { key: "discounts", input: { actionType: "create_discount_code" } },
    prior: [{ department: "quantitative", taskKey: "q", result: prior }],
  } as unknown as DepartmentInput);
  const offers = result.candidates.map((c) => [
    c.parameters.percentage,
    c.parameters.productIds,
    c.parameters.marginLeft,
  ]);
  assert.deepEqual(offers, [
    // Parka 30 % (1 − 0.5 / 0.7 = 0.2857 left); Scarf keeps 30 % with its margin unknown.
    [0.3, ["1", "4"], null],
    // Beanie steps down to 20 %: 1 − 0.75 / 0.8 = 0.0625 left.
    [0.2, ["2"], 0.0625],
    // Socks (5 % margin) get no discount at all.
  ]);
});

Deno.test("a product that fell because it sold out gets restocking, not a discount", async () => {
  const drivers = {
    provenance: null,
    rows: [
      // Sold out: the fall is a stock problem.
      { productId: "1", title: "Trail Runner", change: -900, lowestMargin: 0.5, onHand: 0 },
      // In stock, fell too: a win-back offer may help.
      { productId: "2", title: "Day Pack", change: -300, lowestMargin: 0.4, onHand: 25 },
      // Not tracked by Shopify: never called sold out.
      { productId: "3", title: "Gift Card", change: -100, lowestMargin: null, onHand: null },
    ],
  };
  const prior = { ...emptyResult(), tables: { drivers } };
  const result = await recommendationDepartment().invoke({
    today: "2026-12-06",
    plan: { intent: "explain_change" },
    task: { key: "actions", input: {} },
    prior: [{ department: "comparative", taskKey: "c", result: prior }],
  } as unknown as DepartmentInput);
  assert.deepEqual(
    result.candidates.map((c) => c.parameters.productIds),
    [["2", "3"]],
  );
  assert.ok(
    result.findings.some((f) => f.startsWith("Restock Trail Runner first")),
    result.findings.join(" | "),
  );
});

Deno.test("a product the merchant named is offered a discount even when it is not slow", async () => {
  const slowStock = {
    provenance: null,
    rows: [
      // Named, selling well (20 days of cover): offered, at the shallowest step.
      {
        productId: "1",
        title: "Trail Runner",
        onHand: 30,
        daysOfCover: 20,
        tags: [],
        lowestMargin: 0.5,
      },
      // Named and sold out: restock first, no discount.
      { productId: "2", title: "Day Pack", onHand: 0, daysOfCover: 0, tags: [], lowestMargin: 0.5 },
      // Not named, not slow: nothing.
      { productId: "3", title: "Beanie", onHand: 30, daysOfCover: 20, tags: [], lowestMargin: 0.5 },
    ],
  };
  const result = await recommendationDepartment().invoke({
    today: "2026-12-06",
    plan: { intent: "discount_candidates" },
    task: {
      key: "discounts",
      input: { actionType: "create_discount_code", filters: { productIds: ["1", "2"] } },
    },
    prior: [{
      department: "quantitative",
      taskKey: "q",
      result: { ...emptyResult(), tables: { slowStock } },
    }],
  } as unknown as DepartmentInput);
  assert.deepEqual(
    result.candidates.map((c) => [c.parameters.productIds, c.parameters.percentage]),
    [[["1"], 0.1]],
  );
  assert.ok(
    result.findings.some((f) => f.startsWith("Day Pack is out of stock")),
    result.findings.join(" | "),
  );
});
