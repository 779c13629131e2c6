/**
 * Anomalies (issue #12): a day or a week whose actual value falls well
 * outside what the forecast expected from the history before it. Pure: the
 * daily series come in (oldest first, ending on the day or week checked), an
 * anomaly or null goes out; the daily check reads the series from the mirror.
 *
 * The rule, in one sentence: forecast the day (or the week's total) from the
 * days before it with metrics/forecast.ts, and call it an anomaly when the
 * actual lies outside the 95% prediction interval by a quarter of its
 * half-width more ({@link SURPRISE}), moved at least {@link MIN_CHANGE} down
 * (or {@link MIN_RISE} up) from the forecast, and by at least the check's
 * smallest count. The interval
 * already carries the shop's own day-to-day noise (it is the spread of the
 * model's own past errors), so a noisy shop needs a bigger move than a steady
 * one; the margin and the floors keep a shop's dozen checks a day to under one
 * false alert a month (measured in `deno task bench insights`).
 *
 * A best seller that stops selling is a run of days without a sale, and a
 * band is the wrong test for it (a product selling three a day has quiet days
 * by chance): the run counts when the forecast expected at least
 * {@link STALL_UNITS} units over it (Poisson: e^-8, under one in a
 * thousand) and when the product's own quiet days make such a run that
 * unlikely too ({@link STALL_CHANCE}; units come in bunches, so a product
 * selling one a day on average may still sell on only half the days).
 */
import { addDays } from "./calendar.ts";
import { forecastSeries, MIN_HISTORY_DAYS, type SharedSeason, sharedSeason } from "./forecast.ts";

/** How far out an actual must lie, in half-widths of the 95% band on its side (1 is its edge). */
export const SURPRISE = 1.25;
/** The smallest fall from the forecast that is worth a merchant's attention. */
export const MIN_CHANGE = 0.25;
/** The smallest rise worth interrupting a merchant for: a good day has to be a very good day. */
export const MIN_RISE = 0.5;
/** Units a stalled product was expected to sell over its run of days without a sale. */
export const STALL_UNITS = 8;
/** The largest chance of the run by its quiet days alone: (share of days without a sale)^run. */
export const STALL_CHANCE = 0.01;

export type AnomalyMeasure =
  | "netSales"
  | "orders"
  | "averageOrderValue"
  | "refunds"
  | "unitsSold";

export interface AnomalyCheck {
  measure: AnomalyMeasure;
  /** Oldest first, one value a day, ending on the last day checked. */
  values: number[];
  /** The day of the last value. */
  lastDay: string;
  /** Only a rise counts (refunds: fewer than expected is good news). */
  upOnly?: boolean;
  /** The smallest absolute move that counts (counts: a shop of five orders a day moves by 3). */
  minDeviation?: number;
  /** For a product: its shop's series of the same measure, aligned day for day. */
  shopValues?: number[];
}

export interface Anomaly {
  measure: AnomalyMeasure;
  /** The days checked (one day, or a Monday-to-Sunday week). */
  from: string;
  to: string;
  actual: number;
  expected: number;
  lower95: number;
  upper95: number;
  direction: "up" | "down";
  /** (actual − expected) ÷ expected. */
  change: number;
  /** How far outside the band, in half-widths of it on that side (1 is on its edge). */
  surprise: number;
}

/** The last day of `check.values` against its one-day-ahead forecast. */
export function dayAnomaly(check: AnomalyCheck): Anomaly | null {
  return anomalyOver(check, 1);
}

/** The last seven days of `check.values` (a week) against the forecast of their total. */
export function weekAnomaly(check: AnomalyCheck): Anomaly | null {
  return anomalyOver(check, 7);
}

/**
 * The run of days without a sale that ends on the last day of `check.values`, when the forecast
 * from before the run expected at least {@link STALL_UNITS} units over it.
 */
export function stallAnomaly(check: AnomalyCheck): Anomaly | null {
  const { values } = check;
  let run = 0;
  while (run < values.length && values[values.length - 1 - run] === 0) run++;
  // A product that sold nothing for four weeks is not news any more (its stall was, and a shop
  // without orders gets no alerts).
  if (run === 0 || run > 28) return null;
  const history = values.slice(0, values.length - run);
  if (history.length < MIN_HISTORY_DAYS) return null;
  const origin = addDays(check.lastDay, -run);
  const shared = check.shopValues &&
    sharedSeason(check.shopValues.slice(0, check.shopValues.length - run), origin);
  const forecast = forecastSeries(history, origin, Math.max(7, run), shared);
  const band = forecast.total([0, run - 1]);
  if (band.value < STALL_UNITS) return null;
  // The share of quiet days over the eight weeks before the run, one of each added (so eight
  // weeks without a quiet day do not make any quiet day impossible).
  const recent = history.slice(-56);
  const quiet = (recent.filter((v) => v === 0).length + 1) / (recent.length + 2);
  if (quiet ** run > STALL_CHANCE) return null;
  return {
    measure: check.measure,
    from: addDays(check.lastDay, -(run - 1)),
    to: check.lastDay,
    actual: 0,
    expected: band.value,
    lower95: band.lower95,
    upper95: band.upper95,
    direction: "down",
    change: -1,
    surprise: band.value > band.lower95 ? band.value / (band.value - band.lower95) : Infinity,
  };
}

function anomalyOver(check: AnomalyCheck, days: number): Anomaly | null {
  const history = check.values.slice(0, check.values.length - days);
  if (history.length < MIN_HISTORY_DAYS) return null;
  // A shop (or product) that sold nothing lately has nothing to fall from: no alerts.
  if (!history.slice(-28).some((v) => v > 0)) return null;
  const origin = addDays(check.lastDay, -days);
  const shared: SharedSeason | undefined = check.shopValues &&
    sharedSeason(check.shopValues.slice(0, check.shopValues.length - days), origin);
  // Seven days ahead even for one: the band of day one then rests on 7 × 26 past errors
  // (its week of horizon), not 26.
  const forecast = forecastSeries(history, origin, 7, shared);
  const band = days === 1 ? forecast.points[0]! : forecast.total([0, 6]);
  const actual = check.values.slice(-days).reduce((s, v) => s + v, 0);
  const expected = band.value;
  if (!(expected > 0)) return null;
  const direction = actual >= expected ? "up" : "down";
  if (direction === "down" && check.upOnly) return null;
  const halfWidth = direction === "up" ? band.upper95 - expected : expected - band.lower95;
  const deviation = Math.abs(actual - expected);
  // No spread at all (a perfectly regular history): any move of size is a surprise.
  const surprise = halfWidth > 0 ? deviation / halfWidth : Infinity;
  const change = (actual - expected) / expected;
  // Refunds rise only, and a rise of them is bad news: held to the bar of a fall.
  const minChange = direction === "down" || check.upOnly ? MIN_CHANGE : MIN_RISE;
  if (surprise < SURPRISE || Math.abs(change) < minChange) return null;
  if (deviation < (check.minDeviation ?? 0)) return null;
  return {
    measure: check.measure,
    from: addDays(check.lastDay, -(days - 1)),
    to: check.lastDay,
    actual,
    expected,
    lower95: band.lower95,
    upper95: band.upper95,
    direction,
    change,
    surprise,
  };
}

/**
 * A day's average order value from its net sales and orders; a day without orders carries
 * the last day's value forward (it has no average, and a zero would read as a collapse).
 */
export function averageOrderValues(netSales: number[], orders: number[]): number[] {
  let last = 0;
  const first = orders.findIndex((o) => o > 0);
  if (first >= 0) last = netSales[first]! / orders[first]!;
  return orders.map((o, i) => (o > 0 ? (last = netSales[i]! / o) : last));
}

/** A shop's daily series, oldest first and aligned day for day, ending on the day checked. */
export interface ShopSeries {
  lastDay: string;
  netSales: number[];
  orders: number[];
  /** Money given back by refunds and returns dated each day. */
  refunds: number[];
  unitsSold: number[];
  /** Its best sellers' units sold. */
  products: Array<{ id: string; unitsSold: number[] }>;
}

/** One anomaly with what identifies its cause while it lasts (one insight per cause). */
export interface Finding {
  /** `netSales:down`, `unitsSold:<product>:up`, `stall:<product>`, … */
  cause: string;
  productId?: string;
  anomaly: Anomaly;
}

/**
 * Every check of one day: net sales, orders, order value and refunds for the shop, and each
 * best seller's units (a run without sales, or a surge of at least {@link STALL_UNITS} units).
 */
export function checkShopDay(s: ShopSeries): Finding[] {
  const found: Finding[] = [];
  const add = (cause: string, anomaly: Anomaly | null, productId?: string) => {
    if (anomaly) found.push({ cause, anomaly, ...(productId ? { productId } : {}) });
  };
  const shop = (measure: AnomalyMeasure, values: number[], extra: Partial<AnomalyCheck> = {}) => {
    const anomaly = dayAnomaly({ measure, values, lastDay: s.lastDay, ...extra });
    add(`${measure}:${anomaly?.direction}`, anomaly);
  };
  shop("netSales", s.netSales);
  shop("orders", s.orders, { minDeviation: 3 });
  shop("averageOrderValue", averageOrderValues(s.netSales, s.orders));
  shop("refunds", s.refunds, { upOnly: true });
  for (const p of s.products) {
    const check = {
      measure: "unitsSold" as const,
      values: p.unitsSold,
      lastDay: s.lastDay,
      minDeviation: STALL_UNITS,
      shopValues: s.unitsSold,
    };
    add(`stall:${p.id}`, stallAnomaly(check), p.id);
    // A surge; a fall is a stall (a band on a few units a day flags every quiet day).
    add(`unitsSold:${p.id}:up`, dayAnomaly({ ...check, upOnly: true }), p.id);
  }
  return found;
}

/** The week ending on `s.lastDay` (a Sunday): its net sales and orders against their forecasts. */
export function checkShopWeek(s: ShopSeries): Finding[] {
  const found: Finding[] = [];
  for (const measure of ["netSales", "orders"] as const) {
    const anomaly = weekAnomaly({ measure, values: s[measure], lastDay: s.lastDay });
    if (anomaly) found.push({ cause: `week:${measure}:${anomaly.direction}`, anomaly });
  }
  return found;
}

/**
 * A cause seen again within this many days of its last alert is the same insight going on
 * (a stock-out that lasts, a refund run), not a new one.
 */
export const DEDUPE_DAYS = 7;
