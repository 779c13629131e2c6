/**
 * Issue #10: every month of the demo shop's year, imported through the real
 * client into the mirror, gives the sales figures Shopify's reports would:
 * the same values computed straight from the dev store's objects by
 * Shopify's rules (eval/expected.ts, which shares no code with the rollup),
 * to the cent. The year holds cancelled orders, some cancelled on a later
 * shop day than they were placed, and refunds in later months.
 */
import assert from "node:assert/strict";
import { checkMonthlySales } from "../eval/monthly_sales.ts";
import { shopDay } from "../eval/expected.ts";
import { SYNC_QUEUE } from "../mirror/sync_queue.ts";
import { linkedStoreTest } from "./helpers/linked_store.ts";

linkedStoreTest(
  "each month's gross, discounts, returns, net, shipping, taxes, total, orders and AOV match Shopify's rules",
  async ({ t, store, userId, accountId, waitForJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    const { shop } = store;
    // The cases the rules are about are really in the data.
    const cancelled = shop.orders.filter((o) => o.cancelledAt && !o.test);
    assert.ok(cancelled.length >= 50, `${cancelled.length} cancelled orders`);
    assert.ok(
      cancelled.some((o) =>
        shopDay(o.createdAt, shop.timezone) !== shopDay(o.cancelledAt!, shop.timezone)
      ),
      "an order cancelled on a later shop day than it was placed",
    );
    const checks = await checkMonthlySales(t.db, shop, { userId, accountId });
    assert.equal(checks.length, 13);
    assert.deepEqual(
      checks.filter((c) => c.differences.length).map((c) => `${c.month}: ${c.differences}`),
      [],
    );
  },
  { worker: true },
);
