import assert from "node:assert/strict";
import { forecastSeries, knownEvents, MIN_HISTORY_DAYS } from "./forecast.ts";

/** Days from `last` back, oldest first, with `value(day, i)` for each. */
function series(last: string, days: number, value: (day: string, i: number) => number): number[] {
  const lastMs = Date.parse(`${last}T00:00:00Z`);
  return Array.from({ length: days }, (_, i) => {
    const day = new Date(lastMs - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10);
    return value(day, i);
  });
}
const weekday = (day: string) => (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
/** Monday first; sums to 7, so the level of the week is 1. */
const WEEK = [1.2, 0.8, 0.8, 1.0, 1.0, 1.1, 1.1];

/** A deterministic noise in [-1, 1) (a linear congruential generator). */
function noise(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 30 - 1;
  };
}

Deno.test("a steady week repeats: each weekday forecast at its share of the level", () => {
  // 2026-11-29 is a Sunday: the next day is a Monday.
  const f = forecastSeries(
    series("2026-11-29", 84, (d) => 100 * WEEK[weekday(d)]!),
    "2026-11-29",
    14,
  );
  assert.equal(f.points[0]!.day, "2026-11-30");
  const expected = [120, 80, 80, 100, 100, 110, 110, 120, 80, 80, 100, 100, 110, 110];
  f.points.forEach((p, i) => assert.ok(Math.abs(p.value - expected[i]!) < 1e-6, `${p.day}`));
  // No error in the history, so no spread around it.
  assert.ok(f.points.every((p) => Math.abs(p.upper95 - p.lower95) < 1e-6));
  assert.equal(f.yearly, false);
});

Deno.test("a growing shop is forecast above its last level, and the trend is damped", () => {
  const f = forecastSeries(series("2026-11-29", 84, (_, i) => 100 + i), "2026-11-29", 28);
  const values = f.points.map((p) => p.value);
  // The last day was 183 and sales grow by one a day: the damped trend adds under 10.
  assert.ok(values[0]! > 183 && values[0]! < 185, `${values[0]}`);
  assert.ok(values[27]! > values[0]! && values[27]! < 183 + 10, `${values[27]}`);
});

Deno.test("with two years of history, December's yearly jump is forecast", () => {
  const history = series("2026-11-30", 728, (d) => (d.slice(5, 7) === "12" ? 200 : 100));
  const f = forecastSeries(history, "2026-11-30", 28);
  assert.equal(f.yearly, true);
  const tenth = f.points.find((p) => p.day === "2026-12-10")!;
  assert.ok(Math.abs(tenth.value - 200) / 200 < 0.05, `${tenth.value}`);
  // Without the year before, the same shop's level carries on.
  const short = forecastSeries(history.slice(-120), "2026-11-30", 28);
  assert.equal(short.yearly, false);
  assert.ok(Math.abs(short.points[9]!.value - 100) < 1);
});

Deno.test("Black Friday is forecast from last year's Black Friday, on its new date", () => {
  const fridays = new Set([2024, 2025, 2026].map((y) => knownEvents(y)[0]![0]));
  assert.ok(fridays.has("2025-11-28") && fridays.has("2026-11-27"));
  const history = series("2026-11-20", 728, (d) => (fridays.has(d) ? 300 : 100));
  const f = forecastSeries(history, "2026-11-20", 14);
  const friday = f.points.find((p) => p.day === "2026-11-27")!;
  assert.equal(friday.event, "Black Friday");
  assert.ok(Math.abs(friday.value - 300) / 300 < 0.05, `${friday.value}`);
  const saturday = f.points.find((p) => p.day === "2026-11-28")!;
  assert.ok(Math.abs(saturday.value - 100) / 100 < 0.05, `${saturday.value}`);
});

Deno.test("bands come from the model's own errors: ordered, wider at 95%, and honest on noise", () => {
  const next = noise(7);
  // Level 100, the week's pattern, ±30% uniform noise: 80% of days fall within ±24 of the
  // pattern, 95% within ±28.5 (the uniform distribution's quantiles).
  const history = series("2026-11-29", 364, (d) => 100 * WEEK[weekday(d)]! + 30 * next());
  const f = forecastSeries(history, "2026-11-29", 28);
  for (const p of f.points) {
    assert.ok(p.lower95 <= p.lower80 && p.lower80 <= p.value && p.value <= p.upper80);
    assert.ok(p.upper80 <= p.upper95);
  }
  const width80 = f.points.map((p) => p.upper80 - p.lower80).reduce((a, b) => a + b) / 28;
  assert.ok(width80 > 2 * 24 * 0.8 && width80 < 2 * 24 * 1.5, `${width80}`);
  // Coverage on the next 28 days of the same process.
  const future = series("2026-12-27", 28, (d) => 100 * WEEK[weekday(d)]! + 30 * next());
  const inside =
    future.filter((y, i) => y >= f.points[i]!.lower80 && y <= f.points[i]!.upper80).length;
  assert.ok(inside >= 18 && inside <= 28, `${inside} of 28 inside the 80% band`);
});

Deno.test("a total's interval and the chance of reaching a figure", () => {
  const next = noise(11);
  const history = series("2026-11-29", 200, (d) => 100 * WEEK[weekday(d)]! + 30 * next());
  const f = forecastSeries(history, "2026-11-29", 31);
  const total = f.total([0, 30]);
  const sum = f.points.reduce((s, p) => s + p.value, 0);
  assert.ok(Math.abs(total.value - sum) < 1e-9);
  assert.ok(total.lower95 < total.lower80 && total.lower80 < sum && sum < total.upper80);
  assert.ok(Math.abs(total.chanceAtLeast(sum) - 0.5) < 0.01);
  assert.ok(Math.abs(total.chanceAtLeast(total.upper80) - 0.1) < 0.01);
  // (simple-statistics tabulates the normal distribution to three decimals.)
  assert.ok(total.chanceAtLeast(total.upper95 * 2) < 0.002);
  assert.ok(total.chanceAtLeast(total.lower95) > 0.97);
  // A month's total is far tighter, relative to itself, than one day's band.
  const day = f.points[0]!;
  assert.ok((total.upper80 - total.lower80) / sum < (day.upper80 - day.lower80) / day.value);
});

Deno.test("a product borrows its shop's week, and too short a history is refused", () => {
  const shop = series("2026-11-29", 84, (d) => 100 * WEEK[weekday(d)]!);
  const shopForecast = forecastSeries(shop, "2026-11-29", 7);
  const product = series("2026-11-29", 84, (d) => 2 * WEEK[weekday(d)]!);
  const f = forecastSeries(product, "2026-11-29", 7, {
    weekdays: shopForecast.weekdays,
    base: shop.map((v, i) => v / WEEK[i % 7]!), // 2026-09-07, the first day, is a Monday
  });
  assert.ok(Math.abs(f.points[0]!.value - 2.4) < 1e-6); // Monday: 2 × 1.2
  assert.throws(
    () => forecastSeries(shop.slice(-(MIN_HISTORY_DAYS - 1)), "2026-11-29", 7),
    /56 days of history/,
  );
  assert.throws(() => forecastSeries(shop, "2026-11-29", 0), /horizon/);
});
