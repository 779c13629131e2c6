/** Class-2 departments over a real mirror (the hand-computed fixture shop). */
import assert from "node:assert/strict";
import { quantitativeDepartment } from "../agents/quantitative.ts";
import { fixtureShop, P1 } from "./helpers/fixture_shop.ts";
import { dbTest } from "./helpers/test_db.ts";

dbTest(
  "Quantitative Analysis turns KPIs into cited facts, with period-over-period change",
  async (t) => {
    const { scope } = await fixtureShop(t);
    const department = quantitativeDepartment(t.db);
    const result = await department.invoke({
      scope,
      input: {
        kpis: ["sales", "sales_by_day", "sales_by_product"],
        range: { from: "2026-03-07", to: "2026-03-08" },
        comparisonRange: { from: "2026-03-05", to: "2026-03-06" },
      },
    });
    const fact = (id: string) => result.facts.find((f) => f.id === id);
    assert.equal(fact("sales.netSales")!.value, 264);
    assert.equal(fact("sales.orders")!.value, 6); // #904, cancelled the same day, was placed
    assert.equal(fact("sales.netSales.previous")!.value, 0);
    assert.equal(fact("sales.netSales.change"), undefined, "no change from zero is stated");
    assert.equal(fact(`product.${P1}.netSales`)!.value, 140);
    assert.equal(fact("sales.netSales")!.provenance!.range.timezone, "America/New_York");
    assert.deepEqual(
      result.tables.salesByDay!.rows.map((r) => [r.day, r.netSales]),
      [["2026-03-07", 120], ["2026-03-08", 144]],
    );

    const week = await department.invoke({
      scope,
      input: {
        kpis: ["sales"],
        range: { from: "2026-03-07", to: "2026-03-08" },
        comparisonRange: { from: "2026-03-09", to: "2026-03-10" },
      },
    });
    // 264 now against 50 (order 908 on 10 March): +428 %.
    assert.equal(week.facts.find((f) => f.id === "sales.netSales.change")!.value, 4.28);
  },
);

dbTest("Quantitative Analysis refuses a malformed task rather than guessing", async (t) => {
  const { scope } = await fixtureShop(t);
  await assert.rejects(
    quantitativeDepartment(t.db).invoke({
      scope,
      input: { kpis: ["made_up" as never], range: { from: "2026-03-08", to: "2026-03-07" } },
    }),
    /kpis|range/,
  );
});
