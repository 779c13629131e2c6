/**
 * Issue #5's figures: the initial import of the demo shop (bulk operations
 * streamed into Postgres), an incremental sync of 100 changed orders, and each
 * KPI of the metrics layer over a year of the demo shop (p50/p95 of repeated
 * runs, each in its own tenant transaction as the agents will run them).
 *
 * Real parts throughout: an embedded PostgreSQL, the migrated schema with RLS,
 * the dev store over HTTP under Shopify's Standard-plan bucket.
 */
import { cohorts, lifetimeValue, newVsReturning } from "../metrics/customers.ts";
import { inventoryKpis } from "../metrics/inventory.ts";
import { salesKpis } from "../metrics/sales.ts";
import { kpiScope } from "../metrics/scope.ts";
import type { Tx } from "../db/database.ts";
import { importStore } from "../mirror/import.ts";
import { startDemoStack } from "./demo_stack.ts";
import { syncChanges } from "../mirror/incremental.ts";

export interface MirrorFigures {
  orders: number;
  rows: number;
  importMs: number[];
  incremental: { orders: number; ms: number; requests: number; points: number }[];
  kpis: Array<{ name: string; p50: number; p95: number; runs: number }>;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

export async function measureMirror(options: { imports: number; kpiRuns: number }) {
  const { db, store, userId, accountId, mirror: deps, close } = await startDemoStack({
    bucket: { maximum: 1000, restoreRate: 100 },
  });
  try {
    const scope = { userId, accountId };

    const importMs: number[] = [];
    for (let i = 0; i < options.imports; i++) {
      // From scratch each time: an empty mirror, as when a store is first linked.
      await db.withTenant(userId, async (tx) => {
        await tx`delete from shop_orders`;
        await tx`delete from shop_products`;
        await tx`delete from shop_customers`;
        await tx`delete from store_sync_state`;
      });
      const started = performance.now();
      let last = performance.now();
      await importStore(deps, scope, {
        pollIntervalMs: 50,
        onProgress: Deno.env.get("MIRROR_BENCH_TRACE")
          ? (resource, committed) => {
            console.error(resource, committed, Math.round(performance.now() - last), "ms");
            last = performance.now();
          }
          : undefined,
      });
      importMs.push(performance.now() - started);
    }
    const [counts] = await db.withTenant(
      userId,
      (tx) =>
        tx`select (select count(*) from shop_orders)::int as orders,
        ((select count(*) from shop_orders) + (select count(*) from shop_order_lines)
         + (select count(*) from shop_refunds) + (select count(*) from shop_refund_lines)
         + (select count(*) from shop_products) + (select count(*) from shop_variants)
         + (select count(*) from shop_customers) + (select count(*) from shop_product_collections))::int
         as rows`,
    );

    const incremental: MirrorFigures["incremental"] = [];
    for (let i = 0; i < 3; i++) {
      // 100 orders changed in Shopify (a tag added, say) since the last sync.
      const at = Date.now() + 1000 * (i + 1);
      for (
        const order of store.shop.orders.slice(-100 - i * 100, store.shop.orders.length - i * 100)
      ) {
        order.note = `changed ${i}`;
        order.updatedAt = new Date(at).toISOString();
      }
      const report = await syncChanges(deps, scope, { pollIntervalMs: 100 });
      incremental.push({
        orders: report.orders,
        ms: report.ms,
        requests: report.requests,
        points: report.pointsSpent,
      });
    }

    const kpi = await db.withTenant(userId, (tx) => kpiScope(tx, userId, accountId));
    const today = store.shop.today;
    const yearAgo = new Date(Date.parse(today) - 364 * 86_400_000).toISOString().slice(0, 10);
    const year = { from: yearAgo, to: today };
    const run = (fn: (tx: Tx) => Promise<unknown>) => db.withTenant(userId, fn);
    const cases: Array<[string, () => Promise<unknown>]> = [
      [
        "sales totals (all sales measures)",
        () => run((tx) => salesKpis(tx, kpi!, { range: year })),
      ],
      ["sales by day", () => run((tx) => salesKpis(tx, kpi!, { range: year, groupBy: "day" }))],
      ["sales by week", () => run((tx) => salesKpis(tx, kpi!, { range: year, groupBy: "week" }))],
      ["sales by month", () => run((tx) => salesKpis(tx, kpi!, { range: year, groupBy: "month" }))],
      [
        "sales by product, top 10",
        () =>
          run((tx) =>
            salesKpis(tx, kpi!, { range: year, groupBy: "product", orderBy: "netSales", limit: 10 })
          ),
      ],
      [
        "sales by variant",
        () => run((tx) => salesKpis(tx, kpi!, { range: year, groupBy: "variant" })),
      ],
      [
        "sales by collection",
        () => run((tx) => salesKpis(tx, kpi!, { range: year, groupBy: "collection" })),
      ],
      ["new vs returning, repeat rate", () => run((tx) => newVsReturning(tx, kpi!, year))],
      ["cohorts with retention", () => run((tx) => cohorts(tx, kpi!, year))],
      ["lifetime value", () => run((tx) => lifetimeValue(tx, kpi!, year))],
      ["inventory, days of cover, sell-through", () => run((tx) => inventoryKpis(tx, kpi!, year))],
    ];
    const kpis: MirrorFigures["kpis"] = [];
    for (const [name, fn] of cases) {
      for (let i = 0; i < 3; i++) await fn(); // warm the plan and buffer caches
      const times: number[] = [];
      for (let i = 0; i < options.kpiRuns; i++) {
        const started = performance.now();
        await fn();
        times.push(performance.now() - started);
      }
      kpis.push({
        name,
        p50: percentile(times, 50),
        p95: percentile(times, 95),
        runs: options.kpiRuns,
      });
    }
    return { orders: counts!.orders, rows: counts!.rows, importMs, incremental, kpis };
  } finally {
    await close();
  }
}

if (import.meta.main) {
  console.log(JSON.stringify(await measureMirror({ imports: 1, kpiRuns: 20 }), null, 2));
}
