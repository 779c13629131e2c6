/**
 * The daily check of one store (issue #12): yesterday in the shop's calendar
 * against its forecasts, its best sellers' stock, and on a Monday the week
 * before (its total against the week's forecast, and the weekly digest). Each
 * finding becomes an insight explained by an analysis request run through the
 * usual pipeline; a cause already found in the week before extends that
 * insight instead (one insight per cause, not one a day while it lasts).
 *
 * The series are read in one transaction, judged outside any (the forecasts
 * are CPU work, and a connection should not wait on them), and the insights
 * written in a second; a check run twice for a day writes nothing new.
 *
 * @example
 * ```ts
 * const outcome = await runDailyCheck({ db, boss, log }, { userId, accountId });
 * outcome.created; // [{ id, kind: "anomaly", title: "Net sales fell 36% on Tuesday" }]
 * ```
 */
import type { Database, Tx } from "../db/database.ts";
import type { Enqueuer } from "../jobs/enqueue.ts";
import { insertAnalysisRequest } from "../graph/requests.ts";
import { addDays } from "../metrics/calendar.ts";
import { checkShopDay, checkShopWeek, DEDUPE_DAYS, type ShopSeries } from "../metrics/anomalies.ts";
import { kpiScope } from "../metrics/scope.ts";
import {
  describeFinding,
  describeStockout,
  describeWeek,
  type InsightDraft,
  type InsightKind,
} from "./describe.ts";
import { type BestSeller, bestSellers, shopSeries, soldOut } from "./shop_series.ts";
import type { StockPosition } from "../metrics/demand.ts";

export const INSIGHTS_CHECK_QUEUE = "insights.check";

export interface CheckJob {
  userId: string;
  accountId: string;
  /** The shop day to check; yesterday in the shop's calendar when omitted. */
  day?: string;
}

export interface CheckOutcome {
  day: string;
  /** Whether the week ending on `day` was checked too (the day is a Sunday). */
  weekly: boolean;
  created: Array<{ id: string; kind: InsightKind; title: string }>;
  /** Insights of causes already found, extended to this day. */
  extended: number;
  /** Why nothing was checked (a store not linked, still importing, without sales). */
  skipped?: string;
}

export interface CheckDeps {
  db: Database;
  boss: Enqueuer;
}

type Reading =
  | { skipped: string; day: string }
  | {
    day: string;
    currency: string | null;
    best: BestSeller[];
    series: ShopSeries;
    stock: StockPosition[];
  };

export async function runDailyCheck(deps: CheckDeps, job: CheckJob): Promise<CheckOutcome> {
  const read = await deps.db.withTenant(job.userId, async (tx): Promise<Reading> => {
    const [account] = await tx<
      { status: string; imported: boolean; currency: string | null; today: string }[]
    >`
      select a.status, s.import_finished_at is not null as imported, s.shop_currency as currency,
             to_char(now() at time zone coalesce(s.shop_timezone, 'UTC'), 'YYYY-MM-DD') as today
      from linked_accounts a left join store_sync_state s on s.linked_account_id = a.id
      where a.id = ${job.accountId}`;
    const day = job.day ?? (account ? addDays(account.today, -1) : "");
    if (!account) return { day, skipped: "There is no such linked store." };
    if (account.status !== "active") return { day, skipped: "The store is no longer linked." };
    const scope = await kpiScope(tx, job.userId, job.accountId);
    if (!account.imported || !scope) {
      return { day, skipped: "The store's first import has not finished." };
    }
    const best = await bestSellers(tx, scope, day);
    const series = await shopSeries(tx, scope, day, best);
    const stock = await soldOut(tx, scope, day, best);
    return { day, currency: account.currency, best, series, stock };
  });
  const { day } = read;
  const weekly = day !== "" && new Date(`${day}T00:00:00Z`).getUTCDay() === 0;
  if ("skipped" in read) return { day, weekly, created: [], extended: 0, skipped: read.skipped };
  const { currency, best, series, stock } = read;
  if (!series.orders.slice(-28).some((o) => o > 0)) {
    return {
      day,
      weekly,
      created: [],
      extended: 0,
      skipped: "The store has had no orders lately.",
    };
  }
  const titleOf = (id?: string) => best.find((p) => p.id === id)?.title;
  const drafts: InsightDraft[] = [
    ...checkShopDay(series).map((f) => describeFinding(f, currency, titleOf(f.productId))),
    ...stock.map((p) => describeStockout(p, day)),
  ];
  if (weekly) {
    drafts.push(...checkShopWeek(series).map((f) => describeFinding(f, currency)));
    const sum = (values: number[], from: number, to: number) =>
      values.slice(values.length - to, values.length - from).reduce((s, v) => s + v, 0);
    const totals = {
      netSales: sum(series.netSales, 0, 7),
      orders: sum(series.orders, 0, 7),
      previousNetSales: sum(series.netSales, 7, 14),
      previousOrders: sum(series.orders, 7, 14),
    };
    if (totals.orders > 0) {
      drafts.push(describeWeek({ from: addDays(day, -6), to: day }, totals, currency));
    }
  }
  return await deps.db.withTenant(job.userId, async (tx) => {
    const outcome: CheckOutcome = { day, weekly, created: [], extended: 0 };
    for (const draft of drafts) {
      const written = await recordInsight(tx, deps.boss, job, draft);
      if (written.created) {
        outcome.created.push({ id: written.id, kind: draft.kind, title: draft.title });
      } else if (written.extended) outcome.extended++;
    }
    return outcome;
  });
}

/**
 * Writes a draft: extends the insight of the same cause found in the week before, or inserts a
 * new one with the analysis request that explains it (the insight is ready when that ends).
 */
async function recordInsight(
  tx: Tx,
  boss: Enqueuer,
  job: CheckJob,
  draft: InsightDraft,
): Promise<{ id: string; created: boolean; extended: boolean }> {
  const [going] = await tx<{ id: string; period_to: string }[]>`
    select id, to_char(period_to, 'YYYY-MM-DD') as period_to from insights
    where linked_account_id = ${job.accountId} and cause = ${draft.cause}
      and period_to >= ${addDays(draft.range.from, -DEDUPE_DAYS)}::date
      and period_from <= ${draft.range.to}::date
    order by period_to desc limit 1`;
  if (going) {
    if (going.period_to >= draft.range.to) return { id: going.id, created: false, extended: false };
    await tx`update insights set period_to = ${draft.range.to}::date, updated_at = now()
             where id = ${going.id}`;
    return { id: going.id, created: false, extended: true };
  }
  const [row] = await tx<{ id: string }[]>`
    insert into insights (user_id, linked_account_id, kind, cause, severity, title, summary,
      period_from, period_to, facts)
    values (${job.userId}, ${job.accountId}, ${draft.kind}, ${draft.cause}, ${draft.severity},
      ${draft.title}, ${draft.summary}, ${draft.range.from}::date, ${draft.range.to}::date,
      ${tx.json(draft.facts as never)})
    on conflict (linked_account_id, cause, period_from) do nothing
    returning id`;
  if (!row) return { id: "", created: false, extended: false };
  const requestId = await insertAnalysisRequest(tx, boss, {
    userId: job.userId,
    accountId: job.accountId,
    prompt: draft.prompt,
  });
  await tx`update insights set analysis_request_id = ${requestId} where id = ${row.id}`;
  return { id: row.id, created: true, extended: false };
}
