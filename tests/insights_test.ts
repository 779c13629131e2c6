/**
 * The proactive daily check over the real mirror of the dev store, whose last
 * week holds a known dip (its best seller out of stock), with the worker
 * explaining what it finds through the analysis pipeline.
 */
import assert from "node:assert/strict";
import { expectedSales } from "../eval/expected.ts";
import { runDailyCheck } from "../insights/check.ts";
import { checkCron, checkMinute, reconcileSchedules } from "../insights/schedule.ts";
import { INSIGHTS_CHECK_QUEUE } from "../insights/check.ts";
import { INSIGHT_DELIVERY_QUEUE } from "../notifications/delivery_queue.ts";
import { SYNC_QUEUE } from "../mirror/sync_queue.ts";
import { waitForRequest } from "./helpers/analysis.ts";
import { gql, signUp } from "./helpers/api.ts";
import { linkedStoreTest, TEST_TODAY, weekBefore } from "./helpers/linked_store.ts";

const INSIGHTS = `query($unreadOnly: Boolean) {
  insights(first: 50, unreadOnly: $unreadOnly) {
    unreadCount
    edges { node { id kind severity title summary range { from to } linkedAccountId readAt
      analysisRequest { id status } } }
  }
}`;
const MARK_READ = `mutation($id: ID!) {
  markInsightRead(id: $id) { insight { id readAt } userErrors { code field message } }
}`;

const addDays = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

linkedStoreTest(
  "last week's dip is found once, with its cause, and each insight is explained before it shows",
  async ({ api, t, store, userId, accountId, token, waitForJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    const deps = { db: t.db, boss: api.boss };
    const week = weekBefore(TEST_TODAY);
    // No quiet hours, so the deliveries below do not wait for the morning in New York.
    await t.owner`insert into user_preferences (user_id, quiet_hours_start, quiet_hours_end)
                  values (${userId}, 0, 0)
                  on conflict (user_id) do update set quiet_hours_start = 0, quiet_hours_end = 0`;
    const outcomes = [];
    for (let day = week.from; day <= week.to; day = addDays(day, 1)) {
      outcomes.push(await runDailyCheck(deps, { userId, accountId, day }));
    }
    assert.ok(outcomes.every((o) => !o.skipped), JSON.stringify(outcomes));
    assert.deepEqual(outcomes.map((o) => o.weekly), [
      false,
      false,
      false,
      false,
      false,
      false,
      true,
    ]);

    // The seed takes its best seller (its first product) off sale for the week: the check finds
    // it stalled by the second or third quiet day, and the days after extend that one insight.
    const best = store.shop.products[0]!;
    const rows = await t.owner<
      {
        id: string;
        kind: string;
        cause: string;
        severity: string;
        title: string;
        summary: string;
        period_from: string;
        period_to: string;
        facts: Record<string, number>;
        analysis_request_id: string;
      }[]
    >`select id, kind, cause, severity, title, summary, to_char(period_from, 'YYYY-MM-DD') as period_from,
             to_char(period_to, 'YYYY-MM-DD') as period_to, facts, analysis_request_id
      from insights order by created_at, id`;
    const stalls = rows.filter((r) => r.cause === `stall:${best.id}`);
    assert.equal(stalls.length, 1, JSON.stringify(rows.map((r) => r.cause)));
    const stall = stalls[0]!;
    assert.equal(stall.period_from, week.from);
    // Extended while the product stayed quiet, never past the days checked.
    assert.ok(stall.period_to >= addDays(week.from, 1) && stall.period_to <= week.to);
    assert.equal(stall.severity, "critical");
    assert.equal(stall.title, `${best.title} stopped selling`);
    const foundOn = outcomes.findIndex((o) => o.created.some((c) => c.id === stall.id));
    assert.ok(foundOn === 1 || foundOn === 2, `found on day ${foundOn + 1} of the dip`);

    // Sunday: the weekly digest, its numbers those of the dev store's own orders.
    const digest = rows.find((r) => r.kind === "digest");
    assert.ok(digest, JSON.stringify(rows.map((r) => r.cause)));
    assert.equal(digest.cause, `digest:${week.from}`);
    const sales = expectedSales(store.shop, week);
    assert.ok(Math.abs(digest.facts.netSales! - sales.netSales) < 0.01);
    assert.equal(digest.facts.orders, sales.orders);

    // Run again, nothing new: one insight per cause.
    const again = await runDailyCheck(deps, { userId, accountId, day: week.to });
    assert.deepEqual(again.created, []);
    const [count] = await t.owner`select count(*)::int as n from insights`;
    assert.equal(count!.n, rows.length);

    // Each insight is explained by an analysis run through the pipeline, and is ready (shown)
    // once that has ended. The stall's explanation names the product.
    for (const row of rows) {
      const request = await waitForRequest(t, api.app, token, row.analysis_request_id);
      assert.equal(request.status, "COMPLETED", JSON.stringify(request));
    }
    const ready = await t.owner`select count(*)::int as n from insights where ready_at is not null`;
    assert.equal(ready[0]!.n, rows.length);
    const [explained] = await t.owner<{ summary: string }[]>`
      select result->>'summary' as summary from analysis_requests
      where id = ${stall.analysis_request_id}`;
    assert.ok(explained!.summary.includes(best.title), explained!.summary);

    // Ready, each is delivered (no APNs here: listed only), and the digest is e-mailed.
    await waitForJob(
      INSIGHT_DELIVERY_QUEUE,
      (r) => (r.result as { emailed?: boolean })?.emailed === true,
    );
    const [mail] = await t.owner<{ subject: string }[]>`select subject from email_outbox`;
    assert.equal(mail!.subject, digest.title);

    // Over GraphQL: newest first, with the explanation, an unread count, and marked read once.
    const list = await gql(api.app, INSIGHTS, {}, { token: token });
    const page = list.body.data.insights;
    assert.equal(page.unreadCount, rows.length);
    const listed = page.edges.map((e: { node: { id: string } }) => e.node.id);
    assert.deepEqual(listed, rows.map((r) => r.id).reverse());
    const node = page.edges.find((e: { node: { id: string } }) => e.node.id === stall.id).node;
    assert.deepEqual(
      {
        kind: node.kind,
        severity: node.severity,
        range: node.range,
        accountId: node.linkedAccountId,
      },
      {
        kind: "ANOMALY",
        severity: "CRITICAL",
        range: { from: stall.period_from, to: stall.period_to },
        accountId,
      },
    );
    assert.equal(node.analysisRequest.status, "COMPLETED");
    assert.equal(node.readAt, null);
    const read = await gql(api.app, MARK_READ, { id: stall.id }, { token: token });
    assert.deepEqual(read.body.data.markInsightRead.userErrors, []);
    const readAt = read.body.data.markInsightRead.insight.readAt;
    assert.ok(readAt);
    const again2 = await gql(api.app, MARK_READ, { id: stall.id }, { token: token });
    assert.equal(again2.body.data.markInsightRead.insight.readAt, readAt);
    const counted = await gql(api.app, `{ unreadInsightCount }`, {}, { token: token });
    assert.equal(counted.body.data.unreadInsightCount, rows.length - 1);
    const unread = await gql(api.app, INSIGHTS, { unreadOnly: true }, { token: token });
    assert.equal(unread.body.data.insights.edges.length, rows.length - 1);

    // Another merchant sees none of it, and cannot mark it.
    const other = await signUp(api.app);
    const theirs = await gql(api.app, INSIGHTS, {}, { token: other.accessToken });
    assert.deepEqual(theirs.body.data.insights.edges, []);
    assert.equal(theirs.body.data.insights.unreadCount, 0);
    const forged = await gql(api.app, MARK_READ, { id: digest.id }, { token: other.accessToken });
    assert.equal(forged.body.data.markInsightRead.userErrors[0].code, "NOT_FOUND");
    const [untouched] = await t.owner`select read_at from insights where id = ${digest.id}`;
    assert.equal(untouched!.read_at, null);
  },
  { worker: true },
);

linkedStoreTest(
  "each linked store gets one daily check at 06:mm in its own timezone",
  async ({ api, t, accountId, waitForJob }) => {
    await waitForJob(SYNC_QUEUE, (r) => r.outcome === "completed");
    // The worker's own pass at start may have come before or after the store was linked.
    const first = await reconcileSchedules({ db: t.db, boss: api.boss });
    assert.equal(first.changed + first.removed, 0);
    const [schedule] = await api.boss.getSchedules(INSIGHTS_CHECK_QUEUE, accountId);
    assert.equal(schedule!.cron, checkCron(accountId));
    assert.equal(schedule!.cron, `${checkMinute(accountId)} 6 * * *`);
    const [zone] = await t.owner`select shop_timezone from store_sync_state`;
    assert.equal(schedule!.timezone, zone!.shop_timezone);
    // Nothing to do the second time; the store's zone moves, the schedule follows; unlinked, gone.
    assert.deepEqual(await reconcileSchedules({ db: t.db, boss: api.boss }), {
      added: 0,
      changed: 0,
      removed: 0,
    });
    await t.owner`update store_sync_state set shop_timezone = 'Europe/Berlin'`;
    assert.deepEqual(await reconcileSchedules({ db: t.db, boss: api.boss }), {
      added: 0,
      changed: 1,
      removed: 0,
    });
    const [moved] = await api.boss.getSchedules(INSIGHTS_CHECK_QUEUE, accountId);
    assert.equal(moved!.timezone, "Europe/Berlin");
    await t.owner`update linked_accounts set status = 'revoked'`;
    assert.deepEqual(await reconcileSchedules({ db: t.db, boss: api.boss }), {
      added: 0,
      changed: 0,
      removed: 1,
    });
    assert.deepEqual(await api.boss.getSchedules(INSIGHTS_CHECK_QUEUE, accountId), []);
  },
  { worker: true },
);
