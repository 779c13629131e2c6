import assert from "node:assert/strict";
import { rankedProducts, readFollowUp } from "./follow_up.ts";
import { planOffline } from "./offline_planner.ts";

// Friday 4 December 2026; last week is Monday 23 to Sunday 29 November.
const TODAY = "2026-12-04";
const PRODUCTS = [{ id: "11", title: "Trail Runner" }, { id: "12", title: "Trail Runner Pro" }];
const turn = (prompt: string) => ({ prompt, plan: planOffline(prompt, TODAY) });
const follow = (question: string, previous: Parameters<typeof readFollowUp>[2]) =>
  readFollowUp(question, TODAY, previous, { products: PRODUCTS });

Deno.test("a new period keeps the figures, split and filters", () => {
  const sales = turn("How were sales last week?");
  const before = follow("and the week before?", sales)!;
  assert.equal(before.intent, "metric_query");
  assert.deepEqual(before.spec!.metrics, ["netSales", "orders", "averageOrderValue"]);
  assert.deepEqual(before.spec!.range, { from: "2026-11-16", to: "2026-11-22" });
  assert.match(
    before.assumptions.at(-1)!,
    /net sales, orders and average order value, from your previous question/,
  );
  const october = follow("what about October?", sales)!;
  assert.deepEqual(october.spec!.range, { from: "2026-10-01", to: "2026-10-31" });
  // The month before a whole month is the calendar month before it.
  const monthBefore = follow("and the month before?", {
    prompt: "what about October?",
    plan: planOffline("how were sales in october", TODAY),
  })!;
  assert.deepEqual(monthBefore.spec!.range, { from: "2026-09-01", to: "2026-09-30" });
});

Deno.test("a new split, a filter and a new figure change only themselves", () => {
  const sales = turn("How were sales last week?");
  const byProduct = follow("break that down by product", sales)!;
  assert.deepEqual(byProduct.spec!.dimensions, ["product"]);
  assert.deepEqual(byProduct.spec!.range, { from: "2026-11-23", to: "2026-11-29" });
  assert.deepEqual(byProduct.spec!.sort, { metric: "netSales", direction: "desc" });
  const perChannel = follow("per channel", sales)!;
  assert.deepEqual(perChannel.spec!.dimensions, ["channel"]);
  const online = follow("just online orders", sales)!;
  assert.deepEqual(online.spec!.filters, { sourceName: "web" });
  assert.deepEqual(online.spec!.metrics, ["netSales", "orders", "averageOrderValue"]);
  const aov = follow("and AOV?", sales)!;
  assert.deepEqual(aov.spec!.metrics, ["averageOrderValue"]);
  assert.deepEqual(aov.spec!.range, { from: "2026-11-23", to: "2026-11-29" });
  // The longest title named wins; a product ranking filtered to one product loses its split.
  const ranking = {
    prompt: "top products last week",
    plan: planOffline("top products last week", TODAY),
  };
  const trail = follow("only the Trail Runner Pro", ranking)!;
  assert.deepEqual(trail.spec!.filters, { productIds: ["12"] });
  assert.deepEqual(trail.spec!.dimensions, []);
  // A follow-up of a follow-up carries the filter on.
  const weekBefore = follow("and the week before?", {
    prompt: "only the Trail Runner Pro",
    plan: { ...ranking.plan, spec: trail.spec! },
  })!;
  assert.deepEqual(weekBefore.spec!.filters, { productIds: ["12"] });
  assert.match(weekBefore.assumptions.at(-1)!, /Trail Runner Pro/);
});

Deno.test("why, a year's comparison and a discount lean on the previous question", () => {
  const sales = turn("How were sales last week?");
  const why = follow("why?", sales)!;
  assert.equal(why.intent, "explain_change");
  assert.deepEqual(why.spec!.range, { from: "2026-11-23", to: "2026-11-29" });
  assert.deepEqual(why.comparison, { from: "2026-11-16", to: "2026-11-22" });
  // After a filtered question, the explanation is the whole store's, and says so.
  const online = {
    prompt: "just online orders",
    plan: { ...sales.plan, spec: follow("just online orders", sales)!.spec! },
  };
  const whyOnline = follow("why?", online)!;
  assert.deepEqual(whyOnline.spec!.filters, {});
  assert.match(whyOnline.assumptions.at(-1)!, /explained for the whole store/);
  const lastYear = follow("compare that with last year", sales)!;
  assert.deepEqual(lastYear.spec!.range, { from: "2026-11-23", to: "2026-11-29" });
  assert.deepEqual(lastYear.spec!.comparison, { from: "2025-11-23", to: "2025-11-29" });
  const discount = follow("ok, make a discount for them", sales)!;
  assert.equal(discount.intent, "discount_candidates");
  assert.deepEqual(discount.spec!.range, { from: "2026-11-23", to: "2026-11-29" });
});

Deno.test("a question that stands on its own is read on its own; one that says nothing asks back", () => {
  const sales = turn("How were sales last week?");
  assert.equal(follow("How many orders did I get in October?", sales), null);
  assert.equal(readFollowUp("and the week before?", TODAY, null), null);
  const unclear = follow("and that other thing?", sales)!;
  assert.equal(unclear.intent, "unanswerable");
  assert.equal(unclear.spec, null);
  assert.match(
    unclear.declined!,
    /could not tell what to change in your previous question\. Say a period/,
  );
  // Nothing follows a declined question.
  assert.equal(follow("and the week before?", turn("what's the weather in Paris")), null);
});

Deno.test("'a discount for the worst one' is for the product the previous answer ranked weakest", () => {
  const why = {
    ...turn("Why did sales drop last week?"),
    ranked: rankedProducts({
      drivers: {
        rows: [
          { productId: "12", title: "Trail Runner Pro", change: -120 },
          { productId: "11", title: "Trail Runner", change: -900 },
          { productId: "13", title: "Day Pack", change: 300 },
        ],
      },
    }),
  };
  const worst = follow("ok, make a discount for the worst one", why)!;
  assert.equal(worst.intent, "discount_candidates");
  assert.deepEqual(worst.spec!.filters, { productIds: ["11"] });
  assert.deepEqual(worst.spec!.range, { from: "2026-11-23", to: "2026-11-29" });
  assert.match(worst.assumptions.at(-1)!, /"the worst one" read as Trail Runner/);
  const best = follow("create a promo for the best one", why)!;
  assert.deepEqual(best.spec!.filters, { productIds: ["13"] });

  // A split by product ranks by its first figure, the lowest first.
  const byProduct = rankedProducts({
    breakdown: {
      dimension: "product",
      columns: [{ key: "netSales" }],
      rows: [
        { key: "11", title: "Trail Runner", netSales: 5000 },
        { key: "14", title: "Beanie", netSales: 40 },
      ],
    } as never,
  });
  assert.deepEqual(byProduct.map((p) => p.title), ["Beanie", "Trail Runner"]);

  // Nothing ranked before: asked back, never guessed.
  const sales = turn("How were sales last week?");
  const unclear = follow("make a discount for the worst one", { ...sales, ranked: [] })!;
  assert.equal(unclear.intent, "unanswerable");
  assert.match(unclear.declined!, /ranked no products/);
});
