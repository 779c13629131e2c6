/**
 * Predictive Analysis (seed 000 §6, class 2; issue #12): what comes next,
 * computed from the mirror's daily rollup with metrics/forecast.ts — never by
 * a model.
 *
 * - `forecast`: net sales, orders or units over a period (the shop's or one
 *   product's), with 80% and 95% intervals. Days of the period already over
 *   are actuals; today and later are forecast (today is not over). With a
 *   target ("will I hit $50k this month?") it gives the chance of reaching it.
 * - `stockout`: when each tracked variant runs out at its forecast demand
 *   (its product's forecast units × its share of them over the last eight
 *   weeks) against its stock on hand, with the earliest and latest likely
 *   days; with a deadline ("before Christmas") whether it happens by then.
 */
import { RunnableLambda } from "@langchain/core/runnables";
import { z } from "zod";
import type { Database, Tx } from "../db/database.ts";
import { addDays, describeRange, spanDays } from "../metrics/calendar.ts";
import {
  dailySeries,
  SERIES_MEASURES,
  type SeriesMeasure,
  stockPositions,
} from "../metrics/demand.ts";
import {
  forecastSeries,
  MAX_HORIZON_DAYS,
  MIN_HISTORY_DAYS,
  sharedSeason,
} from "../metrics/forecast.ts";
import { round } from "../metrics/sales.ts";
import { bounds, DateRangeSchema, type KpiScope, type Provenance } from "../metrics/scope.ts";
import { type DepartmentInput, type DepartmentResult, emptyResult } from "./department.ts";
import { type Fact, type FactUnit, formatFact } from "./facts.ts";

const productId = z.string().regex(/^\d{1,19}$/);

export const PredictiveInput = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("forecast"),
    measure: z.enum(SERIES_MEASURES),
    range: DateRangeSchema,
    productId: productId.optional(),
    /** A figure the merchant wants to reach over the range. */
    target: z.number().positive().optional(),
  }),
  z.object({
    kind: z.literal("stockout"),
    productIds: z.array(productId).max(50).optional(),
    /** The last day of a deadline ("before Christmas": the 24th). */
    by: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  }),
]);
export type PredictiveInput = z.infer<typeof PredictiveInput>;

const MEASURE: Record<SeriesMeasure, { label: string; unit: FactUnit }> = {
  netSales: { label: "Net sales", unit: "money" },
  orders: { label: "Orders", unit: "count" },
  unitsSold: { label: "Units sold", unit: "count" },
};

/** Weeks of sales a variant's share of its product's demand is measured over. */
const SHARE_DAYS = 56;
/** Stock-outs listed when no product is named: the soonest. */
const STOCKOUT_LIST = 10;
/** Products forecast for stock-outs when none is named: the best sellers of the last weeks. */
const STOCKOUT_PRODUCTS = 100;

const listOf = (items: string[]) =>
  items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;

export function predictiveDepartment(db: Database) {
  return RunnableLambda.from(async (input: DepartmentInput): Promise<DepartmentResult> => {
    const task = PredictiveInput.parse(input.task.input);
    return await db.withTenant(
      input.scope.userId,
      (tx) => task.kind === "forecast" ? forecastOf(tx, input, task) : stockoutsOf(tx, input, task),
    );
  }).withConfig({ runName: "predictive_analysis" });
}

/** Where the forecast's history came from: the rollup's days up to yesterday. */
async function historyProvenance(
  tx: Tx,
  scope: KpiScope,
  range: { from: string; to: string },
  productId?: string,
): Promise<Provenance> {
  const [span] = await bounds(tx, range, scope.timezone);
  const [counts] = await tx<{ orders: number; lines: number; refunds: number }[]>`
    select coalesce(sum(orders), 0)::int as orders, coalesce(sum(lines), 0)::int as lines,
           coalesce(sum(refunds), 0)::int as refunds
    from shop_sales_daily where linked_account_id = ${scope.accountId}
      and ${productId ? tx`product_id = ${productId} and variant_id = 0` : tx`product_id = 0`}
      and day between ${range.from}::date and ${range.to}::date`;
  return {
    kpi: "forecast",
    source: "store mirror",
    range: {
      ...range,
      timezone: scope.timezone,
      startsAt: span!.starts_at.toISOString(),
      endsAt: span!.ends_at.toISOString(),
    },
    filters: productId ? { productIds: [productId] } : {},
    rows: { orders: counts!.orders, orderLines: counts!.lines, refunds: counts!.refunds },
    syncedAt: scope.syncedAt?.toISOString() ?? null,
  };
}

async function forecastOf(
  tx: Tx,
  input: DepartmentInput,
  task: Extract<PredictiveInput, { kind: "forecast" }>,
): Promise<DepartmentResult> {
  const { scope, currency } = input;
  const result = emptyResult();
  const yesterday = addDays(input.today, -1);
  const { label, unit } = MEASURE[task.measure];
  const fact = (
    id: string,
    factLabel: string,
    value: number,
    factUnit: FactUnit,
    p: Provenance | null,
  ) => {
    const f: Fact = { id, label: factLabel, value: round(value), unit: factUnit, provenance: p };
    result.facts.push(f);
    return f;
  };
  const f = (x: Fact) => formatFact(x, currency);
  const series = await dailySeries(tx, scope, {
    measure: task.measure,
    through: yesterday,
    productId: task.productId,
  });
  const title = task.productId
    ? (await tx<{ title: string }[]>`select title from shop_products
        where linked_account_id = ${scope.accountId} and shopify_id = ${task.productId}`)[0]?.title
    : undefined;
  if (task.productId && !title) {
    result.findings.push(
      "That product is not in the store's catalog, so there is nothing to forecast.",
    );
    return result;
  }
  const what = `${label}${title ? ` of ${title}` : ""}`;
  const period = describeRange(task.range);

  if (series.values.length < MIN_HISTORY_DAYS) {
    const have = fact(
      "forecast.historyDays",
      "Days of sales history",
      series.values.length,
      "days",
      null,
    );
    const need = fact(
      "forecast.minimumDays",
      "Days of history a forecast needs",
      MIN_HISTORY_DAYS,
      "days",
      null,
    );
    result.findings.push(
      `There is no forecast yet: it needs ${
        f(need)
      } of sales history to tell the store's weekly pattern from chance, and the store has ${
        f(have)
      }.`,
    );
    return result;
  }
  const horizon = spanDays({ from: yesterday, to: task.range.to }) - 1;
  if (horizon > MAX_HORIZON_DAYS) {
    const most = fact(
      "forecast.maximumDays",
      "Days ahead a forecast reaches",
      MAX_HORIZON_DAYS,
      "days",
      null,
    );
    result.findings.push(
      `${period} is too far ahead: forecasts reach ${
        f(most)
      } ahead, beyond which their range says nothing useful.`,
    );
    return result;
  }
  const provenance = await historyProvenance(
    tx,
    scope,
    { from: series.from, to: series.through },
    task.productId,
  );

  // Days of the period already over are what happened.
  const pastTo = task.range.to < input.today ? task.range.to : yesterday;
  const past = task.range.from <= pastTo
    ? series.values.slice(
      spanDays({ from: series.from, to: task.range.from }) - 1,
      spanDays({ from: series.from, to: pastTo }),
    )
    : [];
  const actual = past.reduce((s, v) => s + v, 0);

  let forecast = null;
  if (horizon >= 1) {
    const shared = task.productId
      ? sharedSeason(
        (await dailySeries(tx, scope, { measure: "unitsSold", through: yesterday })).values,
        yesterday,
      )
      : undefined;
    forecast = forecastSeries(series.values, yesterday, horizon, shared);
  }
  const firstAhead = task.range.from > input.today ? task.range.from : input.today;
  const span: [number, number] = [
    spanDays({ from: input.today, to: firstAhead }) - 1,
    horizon - 1,
  ];
  const ahead = forecast && horizon >= 1 ? forecast.total(span) : null;

  const total = fact(
    `forecast.total`,
    `${what} forecast for ${period}`,
    actual + (ahead?.value ?? 0),
    unit,
    provenance,
  );
  if (ahead) {
    const low80 = fact(
      "forecast.lower80",
      `${what}: low end of the 80% range`,
      actual + ahead.lower80,
      unit,
      provenance,
    );
    const high80 = fact(
      "forecast.upper80",
      `${what}: high end of the 80% range`,
      actual + ahead.upper80,
      unit,
      provenance,
    );
    fact(
      "forecast.lower95",
      `${what}: low end of the 95% range`,
      actual + ahead.lower95,
      unit,
      provenance,
    );
    fact(
      "forecast.upper95",
      `${what}: high end of the 95% range`,
      actual + ahead.upper95,
      unit,
      provenance,
    );
    // The range's own chance is a fact too: every number an answer states is one.
    const level = fact("forecast.rangeChance", "Chance the range holds", 0.8, "ratio", null);
    let sentence = `${what} for ${period} ${
      past.length ? "are on course for" : "are forecast at"
    } ${f(total)}, with an ${f(level)} chance of landing between ${f(low80)} and ${f(high80)}`;
    if (past.length) {
      const so = fact(
        "forecast.actualSoFar",
        `${what} so far in ${period}`,
        actual,
        unit,
        provenance,
      );
      sentence += `: ${f(so)} so far and the rest forecast`;
    }
    result.findings.push(`${sentence}.`);
    if (task.target !== undefined) {
      const target = fact("forecast.target", "The figure asked about", task.target, unit, null);
      const chance = fact(
        "forecast.chance",
        `Chance of reaching ${f(target)}`,
        ahead.chanceAtLeast(task.target - actual),
        "ratio",
        provenance,
      );
      const verdict = chance.value >= 0.8
        ? "very likely"
        : chance.value >= 0.5
        ? "more likely than not"
        : chance.value >= 0.2
        ? "possible but unlikely"
        : "very unlikely";
      result.findings.push(
        `Reaching ${f(target)} is ${verdict}: about a ${f(chance)} chance at the current pace.`,
      );
    }
    result.findings.push(
      forecast!.yearly
        ? "The forecast follows the store's weekly pattern, its recent level and last year's season."
        : "The forecast follows the store's weekly pattern and its recent level; with under a year of history it cannot include a yearly season.",
    );
    const events = [
      ...new Set(forecast!.points.slice(span[0], span[1] + 1).map((p) => p.event).filter(Boolean)),
    ];
    if (events.length) {
      result.findings.push(
        `${listOf(events as string[])} ${events.length > 1 ? "are" : "is"} in the period${
          forecast!.yearly
            ? ", forecast from last year's"
            : ", but with no year before to learn from it is forecast as an ordinary day"
        }.`,
      );
    }
  } else {
    result.findings.push(`${what} for ${period} were ${f(total)}.`);
  }

  // The chart: the last four weeks as they were, then the forecast with its bands.
  const recentFrom = Math.max(0, series.values.length - 28);
  result.tables.forecast = {
    provenance,
    rows: [
      ...series.values.slice(recentFrom).map((value, i) => ({
        day: addDays(series.through, i - (series.values.length - 1 - recentFrom)),
        actual: round(value),
      })),
      ...(forecast?.points ?? []).map((p) => ({
        day: p.day,
        forecast: round(p.value),
        lower80: round(p.lower80),
        upper80: round(p.upper80),
        lower95: round(p.lower95),
        upper95: round(p.upper95),
      })),
    ],
    columns: [{ key: "forecast", label, unit }],
  };
  return result;
}

async function stockoutsOf(
  tx: Tx,
  input: DepartmentInput,
  task: Extract<PredictiveInput, { kind: "stockout" }>,
): Promise<DepartmentResult> {
  const { scope } = input;
  const result = emptyResult();
  const yesterday = addDays(input.today, -1);
  const shop = await dailySeries(tx, scope, { measure: "unitsSold", through: yesterday });
  if (shop.values.length < MIN_HISTORY_DAYS) {
    const have = { value: shop.values.length, unit: "days" as const };
    result.facts.push({
      id: "forecast.historyDays",
      label: "Days of sales history",
      ...have,
      provenance: null,
    });
    result.facts.push({
      id: "forecast.minimumDays",
      label: "Days of history a forecast needs",
      value: MIN_HISTORY_DAYS,
      unit: "days",
      provenance: null,
    });
    result.findings.push(
      `There is no stock-out forecast yet: it needs ${
        formatFact({ value: MIN_HISTORY_DAYS, unit: "days" })
      } of sales history, and the store has ${formatFact(have)}.`,
    );
    return result;
  }
  const season = sharedSeason(shop.values, yesterday);
  const positions = await stockPositions(tx, scope, {
    through: yesterday,
    days: SHARE_DAYS,
    productIds: task.productIds,
  });
  const byProduct = new Map<string, typeof positions>();
  for (const p of positions) byProduct.set(p.productId, [...(byProduct.get(p.productId) ?? []), p]);
  const products = [...byProduct.entries()]
    .map(([id, variants]) => ({
      id,
      variants,
      recent: variants.reduce((s, v) => s + v.recentUnits, 0),
    }))
    .sort((a, b) => b.recent - a.recent || a.id.localeCompare(b.id))
    .slice(0, task.productIds?.length ? undefined : STOCKOUT_PRODUCTS);
  const provenance = await historyProvenance(tx, scope, { from: shop.from, to: shop.through });

  interface Outlook {
    productId: string;
    variantId: string;
    title: string;
    onHand: number;
    perDay: number;
    runsOutOn: string | null;
    earliest: string | null;
    latest: string | null;
  }
  const outlooks: Outlook[] = [];
  for (const product of products) {
    const units = product.recent > 0
      ? (await dailySeries(tx, scope, {
        measure: "unitsSold",
        through: yesterday,
        productId: product.id,
      })).values
      : [];
    const demand = product.recent > 0
      ? forecastSeries(units, yesterday, MAX_HORIZON_DAYS, season).points.map((p) => p.value)
      : [];
    // Day-to-day spread beyond a Poisson count's (≥ 1): how far the cumulative demand may stray.
    const recent = units.slice(-SHARE_DAYS);
    const meanUnits = recent.reduce((s, v) => s + v, 0) / (recent.length || 1);
    const variance = recent.reduce((s, v) => s + (v - meanUnits) ** 2, 0) /
      Math.max(1, recent.length - 1);
    const dispersion = meanUnits > 0 ? Math.max(1, variance / meanUnits) : 1;
    for (const v of product.variants) {
      const share = product.recent > 0 ? v.recentUnits / product.recent : 0;
      const title = v.variantTitle === "Default Title"
        ? v.productTitle
        : `${v.productTitle} – ${v.variantTitle}`;
      const outlook: Outlook = {
        productId: v.productId,
        variantId: v.variantId,
        title,
        onHand: v.onHand,
        perDay: round(share * (demand.slice(0, 28).reduce((s, x) => s + x, 0) / 28)),
        runsOutOn: v.onHand <= 0 ? input.today : null,
        earliest: v.onHand <= 0 ? input.today : null,
        latest: v.onHand <= 0 ? input.today : null,
      };
      if (v.onHand > 0 && share > 0) {
        let cum = 0;
        for (let h = 0; h < demand.length; h++) {
          cum += demand[h]! * share;
          const spread = 1.2816 * Math.sqrt(dispersion * cum);
          const day = addDays(input.today, h);
          if (!outlook.earliest && cum + spread >= v.onHand) outlook.earliest = day;
          if (!outlook.runsOutOn && cum >= v.onHand) outlook.runsOutOn = day;
          if (!outlook.latest && cum - spread >= v.onHand) outlook.latest = day;
        }
      }
      outlooks.push(outlook);
    }
  }
  const soonest = outlooks
    .filter((o) => o.runsOutOn || o.earliest)
    .sort((a, b) =>
      (a.runsOutOn ?? a.earliest ?? "9").localeCompare(b.runsOutOn ?? b.earliest ?? "9") ||
      a.variantId.localeCompare(b.variantId)
    );
  const named = task.productIds?.length
    ? [...soonest, ...outlooks.filter((o) => !soonest.includes(o))]
    : soonest.slice(0, STOCKOUT_LIST);
  const lastDay = addDays(input.today, MAX_HORIZON_DAYS - 1);

  for (const o of named) {
    const onHand: Fact = {
      id: `stockout.${o.variantId}.onHand`,
      label: `${o.title} on hand`,
      value: o.onHand,
      unit: "count",
      provenance,
    };
    const perDay: Fact = {
      id: `stockout.${o.variantId}.perDay`,
      label: `${o.title} forecast units a day`,
      value: o.perDay,
      unit: "count",
      provenance,
    };
    result.facts.push(onHand, perDay);
    const when = (day: string) => describeRange({ from: day, to: day });
    let sentence: string;
    if (o.onHand <= 0) {
      sentence = `${o.title} is out of stock now.`;
    } else if (o.perDay === 0) {
      sentence = `${o.title} has ${
        formatFact(onHand)
      } on hand and has not sold lately, so it is not forecast to run out.`;
    } else if (!o.runsOutOn) {
      sentence = `${o.title} has ${formatFact(onHand)} on hand, selling about ${
        formatFact(perDay)
      } a day: it lasts beyond ${when(lastDay)}.`;
    } else {
      const range = o.earliest && o.latest && o.earliest !== o.latest
        ? ` (likely between ${when(o.earliest)} and ${when(o.latest)})`
        : o.earliest && !o.latest
        ? ` (as early as ${when(o.earliest)}, perhaps later than ${when(lastDay)})`
        : "";
      sentence = `${o.title} has ${formatFact(onHand)} on hand, selling about ${
        formatFact(perDay)
      } a day: it runs out around ${when(o.runsOutOn)}${range}.`;
    }
    if (task.by) {
      const out = o.onHand <= 0 || (o.runsOutOn !== null && o.runsOutOn <= task.by);
      const maybe = !out && o.earliest !== null && o.earliest <= task.by;
      sentence += out
        ? ` So yes, it is likely to run out by ${when(task.by)}.`
        : maybe
        ? ` It could run out by ${when(task.by)}, but is more likely to last.`
        : ` It should last past ${when(task.by)}.`;
    }
    result.findings.push(sentence);
  }
  if (!named.length) {
    result.findings.push(
      task.productIds?.length
        ? "That product has no variant whose stock Shopify tracks, so it cannot run out."
        : `No product is forecast to run out by ${describeRange({ from: lastDay, to: lastDay })}.`,
    );
  }
  result.tables.stockouts = {
    provenance,
    rows: named.map((o) => ({
      title: o.title,
      onHand: o.onHand,
      perDay: o.perDay,
      runsOutOn: o.runsOutOn,
      earliest: o.earliest,
      latest: o.latest,
    })),
  };
  return result;
}
