/**
 * `deno task bench forecast`: how good metrics/forecast.ts is, by rolling-origin
 * backtests. From every seventh day after the first twelve weeks, the model
 * forecasts the next 28 days from the history before it alone, and is scored
 * against what happened:
 *
 * - accuracy: its mean absolute error against a seasonal-naive forecast's
 *   (the last week repeated) over the same days — below 1 it beats repeating
 *   last week (issue #12 asks < 0.9);
 * - calibration: the share of days inside the 80% and 95% bands (75–85% asked
 *   for the 80% band), and of 28-day totals inside theirs.
 *
 * On the demo shop's daily net sales and orders (computed from the dev
 * store's raw orders by eval/expected.ts, the eval's own arithmetic) and on
 * two synthetic shops made here with other seasons and trends: a growing shop
 * with two years, a summer peak, a weekday week and a Black Friday spike; a
 * small shrinking shop with a winter peak and a weekend week.
 */
import { generateShop, SHOP_TIMEZONE } from "../devstore/seed.ts";
import { expectedSales, shopDay } from "../eval/expected.ts";
import { blackFriday } from "../metrics/calendar.ts";
import { forecastSeries } from "../metrics/forecast.ts";

const HORIZON = 28;
const FIRST_ORIGIN = 84;
const DAY = 86_400_000;

export interface Backtest {
  shop: string;
  days: number;
  origins: number;
  /** Model MAE ÷ seasonal-naive MAE over the same days. */
  relativeMae: number;
  cover80: number;
  cover95: number;
  totalCover80: number;
  /** Mean absolute percentage error of the 28-day totals. */
  totalError: number;
  /** Median time of one forecast (with its backtested bands), ms. */
  forecastMs: number;
}

const dayOf = (lastDay: string, back: number) =>
  new Date(Date.parse(`${lastDay}T00:00:00Z`) - back * DAY).toISOString().slice(0, 10);

export function backtest(name: string, series: number[], lastDay: string): Backtest {
  let model = 0, naive = 0, n = 0, in80 = 0, in95 = 0, totals = 0, totalsIn = 0, totalError = 0;
  const times: number[] = [];
  for (let o = FIRST_ORIGIN - 1; o + HORIZON <= series.length - 1; o += 7) {
    const history = series.slice(0, o + 1);
    const started = performance.now();
    const f = forecastSeries(history, dayOf(lastDay, series.length - 1 - o), HORIZON);
    times.push(performance.now() - started);
    for (let h = 1; h <= HORIZON; h++) {
      const y = series[o + h]!;
      const p = f.points[h - 1]!;
      model += Math.abs(y - p.value);
      naive += Math.abs(y - history[history.length - 7 + ((h - 1) % 7)]!);
      if (y >= p.lower80 && y <= p.upper80) in80++;
      if (y >= p.lower95 && y <= p.upper95) in95++;
      n++;
    }
    const total = f.total([0, HORIZON - 1]);
    const actual = series.slice(o + 1, o + 1 + HORIZON).reduce((a, b) => a + b, 0);
    if (actual >= total.lower80 && actual <= total.upper80) totalsIn++;
    totalError += Math.abs(actual - total.value) / actual;
    totals++;
  }
  times.sort((a, b) => a - b);
  return {
    shop: name,
    days: series.length,
    origins: totals,
    relativeMae: model / naive,
    cover80: in80 / n,
    cover95: in95 / n,
    totalCover80: totalsIn / totals,
    totalError: totalError / totals,
    forecastMs: times[Math.floor(times.length / 2)]!,
  };
}

/** A deterministic uniform generator in [0, 1). */
function uniform(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Poisson counts (normal approximation past 50) and log-normal order values around $55. */
export function syntheticShop(kind: "growing" | "shrinking", lastDay: string): number[] {
  const next = uniform(kind === "growing" ? 7 : 11);
  const normal = () => Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
  const poisson = (rate: number) => {
    if (rate > 50) return Math.max(0, Math.round(rate + Math.sqrt(rate) * normal()));
    const limit = Math.exp(-rate);
    let k = 0, p = 1;
    do {
      k++;
      p *= next();
    } while (p > limit);
    return k - 1;
  };
  const days = kind === "growing" ? 730 : 500;
  return Array.from({ length: days }, (_, i) => {
    const day = dayOf(lastDay, days - 1 - i);
    const date = new Date(`${day}T00:00:00Z`);
    const dayOfYear = (date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / DAY;
    const weekday = (date.getUTCDay() + 6) % 7;
    let rate = kind === "growing"
      ? 40 * (1 + 0.4 * i / 365) * (1 + 0.35 * Math.cos(2 * Math.PI * (dayOfYear - 190) / 365)) *
        [1.1, 1.2, 1.15, 1.05, 0.95, 0.75, 0.8][weekday]!
      : 9 * (1 - 0.25 * i / 365) * (1 + 0.3 * Math.cos(2 * Math.PI * (dayOfYear - 350) / 365)) *
        [0.8, 0.8, 0.85, 0.9, 1.1, 1.35, 1.2][weekday]!;
    if (day === blackFriday(date.getUTCFullYear())) rate *= 2.5;
    if (day.endsWith("-12-25")) rate *= 0.3;
    let value = 0;
    for (let k = poisson(rate); k > 0; k--) value += Math.exp(Math.log(55) + 0.5 * normal());
    return value;
  });
}

export function measureForecasts(): Backtest[] {
  const now = new Date();
  const shop = generateShop({ today: now });
  const lastDay = dayOf(shopDay(now.toISOString(), SHOP_TIMEZONE), 1); // yesterday: complete
  const first = dayOf(lastDay, 364);
  const demo = Array.from({ length: 365 }, (_, i) => {
    const day = dayOf(lastDay, 364 - i);
    return day < first ? null : expectedSales(shop, { from: day, to: day });
  }).filter((d) => d !== null);
  return [
    backtest("demo shop, daily net sales", demo.map((d) => d.netSales), lastDay),
    backtest("demo shop, daily orders", demo.map((d) => d.orders), lastDay),
    backtest("synthetic, growing (2 years)", syntheticShop("growing", lastDay), lastDay),
    backtest("synthetic, small and shrinking", syntheticShop("shrinking", lastDay), lastDay),
  ];
}
