/**
 * Expected ranges are written by hand for a shop whose day is Friday
 * 2026-12-04: this week began Monday 30 November, last week ran 23–29
 * November, Thanksgiving 2026 is Thursday 26 November (the fourth Thursday:
 * 5, 12, 19, 26), so Black Friday is the 27th and Cyber Monday the 30th.
 */
import assert from "node:assert/strict";
import {
  dayFirstIn,
  describeRange,
  InvalidDateError,
  previousPeriod,
  readDates,
} from "./calendar.ts";

const TODAY = "2026-12-04";
const r = (from: string, to: string) => ({ from, to });
const rangeOf = (q: string) => readDates(q, TODAY).range;

Deno.test("explicit months, days, ranges and years", () => {
  const cases: Array<[string, { from: string; to: string }]> = [
    ["how many orders did i get in october 2026", r("2026-10-01", "2026-10-31")],
    ["What was my revenue in September 2026?", r("2026-09-01", "2026-09-30")],
    ["gross sales from 2026-10-01 to 2026-10-31 please", r("2026-10-01", "2026-10-31")],
    [
      "What were total orders, gross sales and AOV from 2026-11-01 up to but not including 2026-12-01?",
      r("2026-11-01", "2026-11-30"),
    ],
    ["sales in october", r("2026-10-01", "2026-10-31")],
    ["sales in Oct", r("2026-10-01", "2026-10-31")],
    ["orders on Oct 3", r("2026-10-03", "2026-10-03")],
    ["orders on 3/10", r("2026-03-10", "2026-03-10")],
    ["between Nov 1 and Nov 7", r("2026-11-01", "2026-11-07")],
    ["sales since Nov 15", r("2026-11-15", "2026-12-04")],
    ["revenue in 2025", r("2025-01-01", "2025-12-31")],
    ["sales in december", r("2026-12-01", "2026-12-04")],
    // A month after this one without a year is last year's.
    ["how did we do in december 2025", r("2025-12-01", "2025-12-31")],
  ];
  for (const [q, want] of cases) assert.deepEqual(rangeOf(q), want, q);
});

Deno.test("relative periods in the shop's calendar", () => {
  const cases: Array<[string, { from: string; to: string }]> = [
    ["sales today", r("2026-12-04", "2026-12-04")],
    ["What were net sales yesterday?", r("2026-12-03", "2026-12-03")],
    ["How were sales last week?", r("2026-11-23", "2026-11-29")],
    ["How is this week going?", r("2026-11-30", "2026-12-04")],
    ["last 7 days", r("2026-11-28", "2026-12-04")],
    ["past 14 days", r("2026-11-21", "2026-12-04")],
    ["last month", r("2026-11-01", "2026-11-30")],
    ["this month", r("2026-12-01", "2026-12-04")],
    ["last quarter", r("2026-07-01", "2026-09-30")],
    ["this quarter", r("2026-10-01", "2026-12-04")],
    ["Q3", r("2026-07-01", "2026-09-30")],
    ["q1 2026", r("2026-01-01", "2026-03-31")],
    ["third quarter of 2025", r("2025-07-01", "2025-09-30")],
    ["last year", r("2025-01-01", "2025-12-31")],
    ["so far this year", r("2026-01-01", "2026-12-04")],
    ["ytd", r("2026-01-01", "2026-12-04")],
    ["Black Friday weekend", r("2026-11-27", "2026-11-30")],
    ["black friday", r("2026-11-27", "2026-11-27")],
    ["cyber monday", r("2026-11-30", "2026-11-30")],
    ["last 3 months", r("2026-09-05", "2026-12-04")],
  ];
  for (const [q, want] of cases) assert.deepEqual(rangeOf(q), want, q);
});

Deno.test("no period named is said as such, vague words are read and stated", () => {
  assert.equal(rangeOf("what is my aov"), null);
  const lately = readDates("how are sales lately", TODAY);
  assert.deepEqual(lately.range, r("2026-11-05", "2026-12-04"));
  assert.match(lately.assumptions.join(), /lately.*last 30 days/);
  assert.match(readDates("orders on 3/10", TODAY).assumptions.join(), /month first/);
});

Deno.test("comparisons: X vs Y, same period last year, previous period", () => {
  const vs = readDates("October vs September", TODAY);
  assert.deepEqual([vs.range, vs.comparison], [
    r("2026-10-01", "2026-10-31"),
    r("2026-09-01", "2026-09-30"),
  ]);
  const compare = readDates("compare last week with the week before last", TODAY);
  assert.deepEqual(compare.range, r("2026-11-23", "2026-11-29"));
  const yoy = readDates("sales last month compared to the same period last year", TODAY);
  assert.deepEqual([yoy.range, yoy.comparison], [
    r("2026-11-01", "2026-11-30"),
    r("2025-11-01", "2025-11-30"),
  ]);
  const before = readDates("last week vs the previous period", TODAY);
  assert.deepEqual(before.comparison, r("2026-11-16", "2026-11-22"));
});

Deno.test("a weekday alone is the latest one up to today; 'last' on that weekday is a week ago", () => {
  // TODAY is Friday 4 December 2026.
  const cases: Array<[string, { from: string; to: string }]> = [
    ["how were sales on tuesday?", r("2026-12-01", "2026-12-01")],
    ["orders this tuesday", r("2026-12-01", "2026-12-01")],
    ["sales last tuesday", r("2026-12-01", "2026-12-01")],
    ["sales on friday", r("2026-12-04", "2026-12-04")],
    ["sales last friday", r("2026-11-27", "2026-11-27")],
    ["how did saturday go", r("2026-11-28", "2026-11-28")],
  ];
  for (const [q, expected] of cases) assert.deepEqual(rangeOf(q), expected, q);
  assert.deepEqual(readDates("how were sales on tuesday?", TODAY).assumptions, [
    '"tuesday" read as Tuesday 1 December 2026',
  ]);
});

Deno.test("the same day a week, a month or a year earlier", () => {
  const cases: Array<[string, { from: string; to: string }, { from: string; to: string }]> = [
    [
      "sales on tuesday compared to the same day last week",
      r("2026-12-01", "2026-12-01"),
      r("2026-11-24", "2026-11-24"),
    ],
    [
      "orders on Tuesday 1 December 2026 compared to the same day a week earlier",
      r("2026-12-01", "2026-12-01"),
      r("2026-11-24", "2026-11-24"),
    ],
    ["sales yesterday vs a week ago", r("2026-12-03", "2026-12-03"), r("2026-11-26", "2026-11-26")],
    [
      "revenue this week vs the same days last week",
      r("2026-11-30", "2026-12-04"),
      r("2026-11-23", "2026-11-27"),
    ],
    [
      "sales yesterday compared with the same day last year",
      r("2026-12-03", "2026-12-03"),
      r("2025-12-03", "2025-12-03"),
    ],
    [
      "sales on 31 March 2026 vs a month earlier",
      r("2026-03-31", "2026-03-31"),
      r("2026-02-28", "2026-02-28"),
    ],
    [
      "sales in november vs the same month last year",
      r("2026-11-01", "2026-11-30"),
      r("2025-11-01", "2025-11-30"),
    ],
  ];
  for (const [q, range, comparison] of cases) {
    const read = readDates(q, TODAY);
    assert.deepEqual([read.range, read.comparison], [range, comparison], q);
  }
});

Deno.test("future days are flagged, days that do not exist are errors naming them", () => {
  assert.equal(readDates("forecast sales for next month", TODAY).future, true);
  assert.equal(readDates("what will sales be tomorrow", TODAY).future, true);
  assert.equal(readDates("sales last week", TODAY).future, false);
  assert.throws(() => readDates("sales on February 30", TODAY), (e: Error) => {
    assert.ok(e instanceof InvalidDateError);
    assert.match(e.message, /February 30/);
    return true;
  });
  assert.throws(() => readDates("orders on 2026-02-29", TODAY), InvalidDateError);
  assert.throws(() => readDates("orders on 31 april", TODAY), InvalidDateError);
  assert.deepEqual(rangeOf("orders on 2024-02-29"), r("2024-02-29", "2024-02-29"));
});

Deno.test("ranges in words", () => {
  assert.equal(describeRange(r("2026-10-01", "2026-10-31")), "1–31 October 2026");
  assert.equal(describeRange(r("2026-11-03", "2026-11-03")), "3 November 2026");
  assert.equal(describeRange(r("2026-11-27", "2026-12-01")), "27 November – 1 December 2026");
  assert.equal(describeRange(r("2025-12-28", "2026-01-03")), "28 December 2025 – 3 January 2026");
});

Deno.test("the period before: whole months step back by months, other ranges by days", () => {
  assert.deepEqual(previousPeriod(r("2026-03-01", "2026-03-31")), r("2026-02-01", "2026-02-28"));
  assert.deepEqual(previousPeriod(r("2026-01-01", "2026-03-31")), r("2025-10-01", "2025-12-31"));
  assert.deepEqual(previousPeriod(r("2026-11-23", "2026-11-29")), r("2026-11-16", "2026-11-22"));
  assert.deepEqual(previousPeriod(r("2026-12-01", "2026-12-04")), r("2026-11-27", "2026-11-30"));
});

Deno.test("3/10 follows the shop's calendar: month first in the US, day first elsewhere", () => {
  assert.deepEqual(rangeOf("orders on 3/10"), r("2026-03-10", "2026-03-10"));
  const uk = readDates("orders on 3/10", TODAY, { dayFirst: true });
  assert.deepEqual(uk.range, r("2026-10-03", "2026-10-03"));
  assert.match(uk.assumptions.join(), /"3\/10" read day first, as 3 October 2026/);
  assert.deepEqual(
    readDates("from 1/11 to 15/11", TODAY, { dayFirst: true }).range,
    r("2026-11-01", "2026-11-15"),
  );
  assert.equal(dayFirstIn("US"), false);
  assert.equal(dayFirstIn("GB"), true);
  assert.equal(dayFirstIn("DE"), true);
  assert.equal(dayFirstIn(null), false, "unknown: month first, as Shopify's English admin");
});
