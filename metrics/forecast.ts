/**
 * Daily forecasts with prediction intervals (issue #12), from a shop's daily
 * series (net sales, orders or units, in the shop's calendar). Pure: the
 * series comes in, the forecast goes out; the Predictive department reads the
 * series from the mirror's rollup.
 *
 * The model, in one paragraph (docs/analysis.md has it for merchants):
 * each weekday's share of the week is measured over the last twelve weeks;
 * dividing it out leaves a weekday-free series, whose level and trend at the
 * last day are a weighted straight-line fit over the last 13 weeks (recent
 * days weigh most: half-life two weeks), with the trend damped so it adds
 * at most ten days' worth (a trend read off a few weeks is mostly noise). When the history holds the same days a year earlier
 * (52 weeks, so weekdays line up), the yearly season multiplies in: how much
 * the weekday-free series moved last year from the origin to the target day,
 * and a known event (Black Friday, Cyber Monday, Christmas Eve, the days
 * after Christmas, New Year's Day) how far its day last year stood above its
 * own week. The intervals are not assumed: the same model is re-run from
 * earlier origins in the history, and the spread of its own errors there
 * (by week of horizon, as a share of the forecast's level) gives the 80% and
 * 95% bands — split-conformal order statistics for days, a normal fit for
 * totals. Tuned (half-life, damping) on the backtests in `deno task bench
 * forecast`, which report their accuracy and coverage.
 *
 * @example
 * ```ts
 * const f = forecastSeries(dailyNetSales, "2026-12-06", 28);
 * f.points[0]; // { day: "2026-12-07", value, lower80, upper80, lower95, upper95 }
 * f.total([0, 27]); // the 28 days' sum with its intervals
 * ```
 */
import { cumulativeStdNormalProbability, mean, probit } from "simple-statistics";
import { addDays, blackFriday } from "./calendar.ts";

/** Less history than this and there is no forecast: too little to tell a week from noise. */
export const MIN_HISTORY_DAYS = 56;
/** The furthest day forecast: beyond a quarter the intervals say nothing useful. */
export const MAX_HORIZON_DAYS = 120;

const WEEKDAY_WINDOW = 84;
const LEVEL_WINDOW = 91;
const LEVEL_HALF_LIFE = 14;
const TREND_DAMPING = 0.9;
const YEAR = 364;
/** Backtest origins for the intervals: one a week, this many weeks back at most. */
const BACKTEST_ORIGINS = 26;

export interface ForecastPoint {
  day: string;
  value: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
  /** The known event the day is, when it is one. */
  event?: string;
}

export interface Interval {
  value: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
  /** P(sum ≥ x) under the same normal fit, for pacing questions. */
  chanceAtLeast(x: number): number;
}

export interface Forecast {
  /** Day 1 to `horizon` after the last day of the history. */
  points: ForecastPoint[];
  /** The sum over points[from..to] (inclusive indexes), with intervals for the sum. */
  total(span: [number, number]): Interval;
  /** Whether the yearly season and events were used (a year of history is needed). */
  yearly: boolean;
  /** Each weekday's factor, Monday first. */
  weekdays: number[];
}

/** The shared parts a product forecast borrows from its shop's (its own data is too sparse). */
export interface SharedSeason {
  weekdays: number[];
  /** The shop's weekday-free series, aligned with the product's. */
  base: number[];
}

/** Known trading events of `year`, as [day, name]. */
export function knownEvents(year: number): Array<[string, string]> {
  const friday = blackFriday(year);
  return [
    [friday, "Black Friday"],
    [addDays(friday, 3), "Cyber Monday"],
    [`${year}-12-24`, "Christmas Eve"],
    [`${year}-12-25`, "Christmas Day"],
    [`${year}-12-26`, "Boxing Day"],
    [`${year}-12-31`, "New Year's Eve"],
    [`${year}-01-01`, "New Year's Day"],
  ];
}

/** Monday = 0 … Sunday = 6. */
const weekdayOf = (day: string) => (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;

function eventOn(day: string): string | undefined {
  return knownEvents(Number(day.slice(0, 4))).find(([d]) => d === day)?.[1];
}

/**
 * Each weekday's factor: its days' ratio to the centred 7-day average around them, over the
 * last twelve weeks (classical decomposition, so growth within the window is not read as a
 * weekday), averaged per weekday and scaled to a mean of one.
 */
function weekdayFactors(values: number[], lastDay: string): number[] {
  const n = values.length;
  const ratios: number[][] = Array.from({ length: 7 }, () => []);
  for (let i = Math.max(3, n - WEEKDAY_WINDOW); i <= n - 4; i++) {
    const around = mean(values.slice(i - 3, i + 4));
    if (around > 0) ratios[weekdayOf(addDays(lastDay, i - (n - 1)))]!.push(values[i]! / around);
  }
  const raw = ratios.map((r) => (r.length ? mean(r) : 1));
  const scale = mean(raw);
  // Clamped: a weekday with (almost) no sales must not divide the series by zero.
  return raw.map((r) => Math.min(3, Math.max(0.2, r / scale)));
}

/** The series with each day's weekday factor divided out. */
function weekdayFree(values: number[], lastDay: string, weekdays: number[]): number[] {
  const first = weekdayOf(addDays(lastDay, -(values.length - 1)));
  return values.map((v, i) => v / weekdays[(first + i) % 7]!);
}

/** Level at the last day and daily slope: weighted least squares over the recent window. */
function levelAndTrend(base: number[]): { level: number; slope: number } {
  const n = Math.min(base.length, LEVEL_WINDOW);
  let sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    const x = -i; // days before the last
    const y = base[base.length - 1 - i]!;
    const w = 0.5 ** (i / LEVEL_HALF_LIFE);
    sw += w, sx += w * x, sy += w * y, sxx += w * x * x, sxy += w * x * y;
  }
  const denominator = sw * sxx - sx * sx;
  const slope = denominator > 0 ? (sw * sxy - sx * sy) / denominator : 0;
  return { level: (sy - slope * sx) / sw, slope };
}

/** Mean of base[from..to] (inclusive, clipped) over the days that are no event, or null. */
function meanOf(base: number[], from: number, to: number, events: boolean[]): number | null {
  const part: number[] = [];
  for (let i = Math.max(0, from); i <= Math.min(base.length - 1, to); i++) {
    if (!events[i]) part.push(base[i]!);
  }
  return part.length ? mean(part) : null;
}

/** Point forecasts for days 1..horizon after the end of `values`. */
function pointForecast(
  values: number[],
  lastDay: string,
  horizon: number,
  shared?: SharedSeason,
): { values: number[]; yearly: boolean; weekdays: number[]; events: Array<string | undefined> } {
  const weekdays = shared?.weekdays ?? weekdayFactors(values, lastDay);
  const base = weekdayFree(values, lastDay, weekdays);
  const { level, slope } = levelAndTrend(base);
  // The yearly season is the shop's (a product's own year is mostly noise).
  const season = shared?.base ?? base;
  const last = season.length - 1;
  const yearly = season.length >= YEAR + 28;
  // Event days are left out of the season's averages: their own factor says how they differ.
  const isEvent = yearly ? season.map((_, i) => !!eventOn(addDays(lastDay, i - last))) : [];
  const lastYearOrigin = yearly ? meanOf(season, last - YEAR - 27, last - YEAR, isEvent) : null;
  const out: number[] = [];
  const events: Array<string | undefined> = [];
  let damped = 0;
  for (let h = 1; h <= horizon; h++) {
    damped += TREND_DAMPING ** h;
    const day = addDays(lastDay, h);
    let value = level + slope * damped;
    const event = eventOn(day);
    if (lastYearOrigin && lastYearOrigin > 0) {
      const at = last + h - YEAR;
      const then = meanOf(season, at - 3, at + 3, isEvent);
      if (then !== null) value *= then / lastYearOrigin;
      // The same event last year (its date moves: Black Friday is a weekday, not a date).
      const lastYear = event
        ? knownEvents(Number(day.slice(0, 4)) - 1).find(([, name]) => name === event)?.[0]
        : undefined;
      if (lastYear) {
        const i = last - Math.round((Date.parse(lastDay) - Date.parse(lastYear)) / 86_400_000);
        const around = meanOf(season, i - 7, i - 1, isEvent);
        if (i >= 0 && around && around > 0) value *= season[i]! / around;
      }
    }
    events.push(event);
    out.push(Math.max(0, value * weekdays[weekdayOf(day)]!));
  }
  return { values: out, yearly: lastYearOrigin !== null && lastYearOrigin > 0, weekdays, events };
}

/**
 * The forecast of the `horizon` days after `lastDay`, the last day of `values` (oldest
 * first). Throws when the history is shorter than {@link MIN_HISTORY_DAYS}.
 */
export function forecastSeries(
  values: number[],
  lastDay: string,
  horizon: number,
  shared?: SharedSeason,
): Forecast {
  if (values.length < MIN_HISTORY_DAYS) {
    throw new RangeError(`a forecast needs ${MIN_HISTORY_DAYS} days of history`);
  }
  if (!(horizon >= 1 && horizon <= MAX_HORIZON_DAYS)) {
    throw new RangeError(`the horizon is 1 to ${MAX_HORIZON_DAYS} days`);
  }
  const point = pointForecast(values, lastDay, horizon, shared);
  const level = mean(point.values);

  // The model's own errors from earlier origins: day errors by week of horizon, as a share of
  // that run's level; and each run's relative error on sums, kept per run for total().
  const buckets: number[][] = [[], [], [], []];
  const runs: Array<{ forecast: number[]; actual: number[] }> = [];
  for (let k = 1; k <= BACKTEST_ORIGINS; k++) {
    const origin = values.length - 1 - 7 * k;
    if (origin + 1 < MIN_HISTORY_DAYS) break;
    const ahead = Math.min(horizon, values.length - 1 - origin);
    const history = values.slice(0, origin + 1);
    const originDay = addDays(lastDay, origin - (values.length - 1));
    const sharedThen = shared && {
      weekdays: shared.weekdays,
      base: shared.base.slice(0, shared.base.length - (values.length - 1 - origin)),
    };
    const run = pointForecast(history, originDay, ahead, sharedThen).values;
    const runLevel = mean(run);
    if (!(runLevel > 0)) continue;
    const actual = values.slice(origin + 1, origin + 1 + ahead);
    actual.forEach((y, i) =>
      buckets[Math.min(3, Math.floor(i / 7))]!.push((y - run[i]!) / runLevel)
    );
    runs.push({ forecast: run, actual });
  }
  const sorted = buckets.map((b) => b.sort((a, z) => a - z));
  // A horizon week with no errors of its own borrows from the furthest week that has some.
  const errorsFor = (h: number): number[] => {
    for (let b = Math.min(3, Math.floor((h - 1) / 7)); b >= 0; b--) {
      if (sorted[b]!.length) return sorted[b]!;
    }
    return [];
  };
  // Split-conformal order statistics: with n errors, the ⌈(n+1)p⌉-th (⌊(n+1)p⌋-th below the
  // median) covers p of new days; plain quantiles of a few errors come out too narrow.
  const band = (value: number, errors: number[], p: number) => {
    const n = errors.length;
    if (!n) return value;
    const rank = p > 0.5 ? Math.ceil((n + 1) * p) : Math.floor((n + 1) * p);
    const error = errors[Math.min(n, Math.max(1, rank)) - 1]!;
    return Math.max(0, value + error * level);
  };

  const points = point.values.map((value, i) => {
    const errors = errorsFor(i + 1);
    return {
      day: addDays(lastDay, i + 1),
      value,
      lower80: band(value, errors, 0.1),
      upper80: band(value, errors, 0.9),
      lower95: band(value, errors, 0.025),
      upper95: band(value, errors, 0.975),
      ...(point.events[i] ? { event: point.events[i] } : {}),
    };
  });

  return {
    points,
    yearly: point.yearly,
    weekdays: point.weekdays,
    total([from, to]) {
      const value = points.slice(from, to + 1).reduce((s, p) => s + p.value, 0);
      // Relative errors of earlier runs' sums over the same days of their horizon.
      const errors = runs.filter((r) => r.actual.length > to).map((r) => {
        const f = r.forecast.slice(from, to + 1).reduce((s, v) => s + v, 0);
        const a = r.actual.slice(from, to + 1).reduce((s, v) => s + v, 0);
        return f > 0 ? (a - f) / f : 0;
      });
      // Fewer than four earlier runs reach that far: the day bands' sum, which overstates.
      if (errors.length < 4) {
        const sum = (key: keyof ForecastPoint) =>
          points.slice(from, to + 1).reduce((s, p) => s + (p[key] as number), 0);
        const spread = Math.max(sum("upper80") - value, value - sum("lower80")) / probit(0.9);
        return intervalOf(value, spread);
      }
      // Root mean square, so a bias of earlier runs widens the band instead of moving it.
      return intervalOf(value, Math.sqrt(mean(errors.map((e) => e * e))) * value);
    },
  };
}

/** An interval from a normal fit around `value` with spread `sd`, never below zero. */
function intervalOf(value: number, spread: number): Interval {
  // Rounding leaves a spread of 1e-13 where a history had no error: that is none.
  const sd = spread > 1e-9 * Math.max(1, Math.abs(value)) ? spread : 0;
  const at = (p: number) => Math.max(0, value + probit(p) * sd);
  return {
    value,
    lower80: at(0.1),
    upper80: at(0.9),
    lower95: at(0.025),
    upper95: at(0.975),
    chanceAtLeast: (x) =>
      sd > 0 ? 1 - cumulativeStdNormalProbability((x - value) / sd) : (value >= x ? 1 : 0),
  };
}

/** The shop's week and weekday-free series, for forecasts of its products. */
export function sharedSeason(values: number[], lastDay: string): SharedSeason {
  const weekdays = weekdayFactors(values, lastDay);
  return { weekdays, base: weekdayFree(values, lastDay, weekdays) };
}
