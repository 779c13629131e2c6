/**
 * The Predictive department over a real mirror: a shop whose every week is
 * the same, so its forecasts are known by hand, and stock-out dates follow
 * from counting units.
 */
import assert from "node:assert/strict";
import type { DepartmentInput } from "../agents/department.ts";
import type { Plan } from "../agents/plan.ts";
import { predictiveDepartment } from "../agents/predictive.ts";
import type { Tx } from "../db/database.ts";
import { kpiScope } from "../metrics/scope.ts";
import { loadSyncState, markSynced } from "../mirror/sync_state.ts";
import { upsertOrders } from "../mirror/upsert_orders.ts";
import { upsertProducts } from "../mirror/upsert_products.ts";
import { fixtureOrder, fixtureProduct } from "./helpers/fixture_shop.ts";
import { createUser, dbTest, type TestDatabase } from "./helpers/test_db.ts";

/** Orders a day, Monday first: 18 a week, for each of the two products. */
const WEEK = [3, 2, 2, 2, 2, 3, 4];
const TODAY = "2026-03-30"; // a Monday; the history is the 84 days before it

/** A shop with `days` days of identical weeks before TODAY: $50 Trail Runners, $30 Sun Hats. */
async function steadyShop(t: TestDatabase, days: number) {
  const userId = await createUser(t.db);
  const scope = await t.db.withTenant(userId, async (tx: Tx) => {
    const [account] = await tx`
      insert into linked_accounts (user_id, provider, account_identifier, encrypted_access_token)
      values (${userId}, 'shopify', 'steady.myshopify.com', '\\x01') returning id`;
    const mirror = { userId, accountId: account!.id as string };
    await loadSyncState(tx, mirror);
    await tx`update store_sync_state set shop_timezone = 'America/New_York'
             where linked_account_id = ${mirror.accountId}`;
    await markSynced(tx, mirror);
    await upsertProducts(tx, mirror, [
      fixtureProduct("101", "Trail Runner", 40),
      fixtureProduct("102", "Sun Hat", 500),
    ]);
    const orders = [];
    for (let d = days; d >= 1; d--) {
      const day = new Date(Date.parse(`${TODAY}T17:00:00Z`) - d * 86_400_000); // noon in New York
      const count = WEEK[(day.getUTCDay() + 6) % 7]!;
      for (let n = 0; n < count; n++) {
        const at = new Date(day.getTime() + n * 60_000).toISOString();
        orders.push(fixtureOrder(`${d}0${n}1`, at, [["101", 1, 50]]));
        orders.push(fixtureOrder(`${d}0${n}2`, at, [["102", 1, 30]]));
      }
    }
    await upsertOrders(tx, mirror, orders);
    return (await kpiScope(tx, userId, mirror.accountId))!;
  });
  const run = (input: Record<string, unknown>) =>
    predictiveDepartment(t.db).invoke(
      {
        requestId: crypto.randomUUID(),
        prompt: "",
        scope,
        today: TODAY,
        currency: "USD",
        plan: {} as Plan,
        task: { key: "forecast", input },
        prior: [],
      } satisfies DepartmentInput,
    );
  return { run };
}

dbTest(
  "a forecast of a steady shop repeats its week, and pacing adds what already happened",
  async (t) => {
    const { run } = await steadyShop(t, 84);
    const fact = (r: Awaited<ReturnType<typeof run>>, id: string) =>
      r.facts.find((f) => f.id === id)?.value;

    // This week, Monday to Sunday: 18 orders of each, $80 a pair of orders.
    const week = await run({
      kind: "forecast",
      measure: "netSales",
      range: { from: "2026-03-30", to: "2026-04-05" },
    });
    assert.equal(fact(week, "forecast.total"), 18 * 80);
    // Every week of the history was the same, so the model's errors were nil and so is its range.
    assert.equal(fact(week, "forecast.lower80"), 18 * 80);
    assert.equal(fact(week, "forecast.upper95"), 18 * 80);
    const chart = week.tables.forecast!.rows;
    assert.equal(chart.filter((r) => "actual" in r).length, 28);
    assert.deepEqual(
      chart.filter((r) => "forecast" in r).map((r) => r.forecast),
      WEEK.map((n) => n * 80),
    );
    assert.match(week.findings.join(" "), /cannot include a yearly season/);

    // March: 1 March (a Sunday) and four whole weeks happened; 30 and 31 March are forecast.
    const march = await run({
      kind: "forecast",
      measure: "netSales",
      range: { from: "2026-03-01", to: "2026-03-31" },
      target: 7000,
    });
    const happened = 4 * 80 + 4 * 18 * 80;
    assert.equal(fact(march, "forecast.actualSoFar"), happened);
    assert.equal(fact(march, "forecast.total"), happened + 3 * 80 + 2 * 80);
    // 6,480 with no spread: 7,000 is out of reach.
    assert.equal(fact(march, "forecast.chance"), 0);
    assert.match(march.findings.join(" "), /Reaching \$7,000 is very unlikely: about a 0% chance/);

    const orders = await run({
      kind: "forecast",
      measure: "orders",
      range: { from: "2026-04-06", to: "2026-04-12" },
    });
    assert.equal(fact(orders, "forecast.total"), 2 * 18);

    // One product's units: the Trail Runner's 18 a week.
    const product = await run({
      kind: "forecast",
      measure: "unitsSold",
      productId: "101",
      range: { from: "2026-03-30", to: "2026-04-12" },
    });
    assert.equal(fact(product, "forecast.total"), 36);
  },
);

dbTest("stock-out dates count forecast units against stock on hand", async (t) => {
  const { run } = await steadyShop(t, 84);
  // 40 Trail Runners at 3, 2, 2, 2, 2, 3, 4 a day from Monday 30 March: 18 sold by Sunday, 36 by
  // the next, and the 40th on Tuesday 14 April (39 by Monday). With Poisson spread (the history
  // varies less than that), ±1.28 √units: 36 + 7.7 ≥ 40 on Sunday 12 April at the earliest;
  // 50 − 9.1 ≥ 40 on Saturday 18 April at the latest (47 − 8.8 falls short on the Friday).
  const r = await run({ kind: "stockout", productIds: ["101"], by: "2026-04-15" });
  assert.deepEqual(r.tables.stockouts!.rows, [{
    title: "Trail Runner",
    onHand: 40,
    perDay: 2.5714,
    runsOutOn: "2026-04-14",
    earliest: "2026-04-12",
    latest: "2026-04-18",
  }]);
  assert.match(r.findings[0]!, /runs out around 14 April 2026/);
  assert.match(r.findings[0]!, /So yes, it is likely to run out by 15 April 2026/);

  const later = await run({ kind: "stockout", productIds: ["101"], by: "2026-04-10" });
  assert.match(later.findings[0]!, /should last past 10 April 2026/);

  // Unnamed: the soonest first; 500 Sun Hats last beyond the forecast's reach.
  const all = await run({ kind: "stockout" });
  assert.deepEqual(all.tables.stockouts!.rows.map((r) => r.title), ["Trail Runner"]);
});

dbTest("a shop with under eight weeks of sales gets no forecast, and is told why", async (t) => {
  const { run } = await steadyShop(t, 20);
  const r = await run({
    kind: "forecast",
    measure: "netSales",
    range: { from: "2026-04-01", to: "2026-04-30" },
  });
  assert.equal(r.facts.find((f) => f.id === "forecast.total"), undefined);
  assert.equal(r.facts.find((f) => f.id === "forecast.historyDays")?.value, 20);
  assert.match(r.findings[0]!, /needs 56 days of sales history.*the store has 20 days/);
  const stock = await run({ kind: "stockout" });
  assert.match(stock.findings[0]!, /no stock-out forecast yet/);
});
