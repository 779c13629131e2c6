/**
 * Dates the way merchants write them, read in the shop's calendar: `today` is
 * the shop's current day (YYYY-MM-DD in its timezone), ranges are inclusive
 * days, weeks run Monday to Sunday (ISO), quarters are calendar quarters.
 *
 * Explicit dates and ranges ("2026-10-01 to 2026-10-31", "Oct 3", "3/10",
 * "between Nov 1 and Nov 7") are found by chrono-node; calendar periods
 * (months, quarters, years, "last week", "so far this year", "Black Friday
 * weekend") by the rules here, since chrono answers instants, not periods.
 * Every reading that is not literal is stated as an assumption, and a day
 * that does not exist ("February 30") is an error naming it, never a guess.
 *
 * @example
 * ```ts
 * readDates("how many orders did i get in october", "2026-12-04").range;
 * // { from: "2026-10-01", to: "2026-10-31" }
 * ```
 */
import * as chrono from "chrono-node";
import type { DateRange } from "./scope.ts";

export interface DateReading {
  /** The period asked about; null when the question names none. */
  range: DateRange | null;
  /** The period to compare with ("vs last month", "same period last year"). */
  comparison: DateRange | null;
  /** Readings that were not literal, in words for the merchant. */
  assumptions: string[];
  /** The question is about days that have not happened (a forecast). */
  future: boolean;
}

/**
 * Countries whose calendars write the month first (3/10 is 10 March); the
 * rest of the world writes the day first. A shop of unknown country reads
 * month first, as Shopify's own admin does in English.
 */
const MONTH_FIRST = new Set(["US", "PR", "GU", "VI", "AS", "MP", "UM", "PH", "FM", "MH", "PW"]);

/** Whether "3/10" is the 3rd of October in a shop of this country. */
export function dayFirstIn(country: string | null): boolean {
  return country !== null && !MONTH_FIRST.has(country);
}

/** A day that does not exist, named as the merchant wrote it. */
export class InvalidDateError extends Error {
  constructor(readonly phrase: string) {
    super(`"${phrase}" is not a date: that month has no such day.`);
  }
}

const DAY = 86_400_000;
const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];
const MONTH_WORD = "(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|" +
  "aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";
const monthIndex = (word: string) => MONTHS.findIndex((m) => m.startsWith(word.slice(0, 3))) + 1;

const toMs = (day: string) => Date.parse(`${day}T00:00:00Z`);
const isoOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const addDays = (day: string, n: number) => isoOf(toMs(day) + n * DAY);
const partsOf = (day: string) => day.split("-").map(Number) as [number, number, number];
const firstOfMonth = (year: number, month: number) => isoOf(Date.UTC(year, month - 1, 1));
const lastOfMonth = (year: number, month: number) => isoOf(Date.UTC(year, month, 0));
const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
const WEEKDAY_NAMES = [
  "Sunday",
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
];
/** 0 for a Sunday … 6 for a Saturday. */
const partsOfWeekday = (day: string) => new Date(toMs(day)).getUTCDay();
const mondayOf = (day: string) => addDays(day, -((new Date(toMs(day)).getUTCDay() + 6) % 7));
/** The number of days a range covers, both ends included. */
export const spanDays = (r: DateRange) => Math.round((toMs(r.to) - toMs(r.from)) / DAY) + 1;

/**
 * The period just before `range`: as many whole calendar months when it is
 * whole months (October's is September, not the 31 days before), otherwise
 * the same number of days.
 */
export function previousPeriod(range: DateRange): DateRange {
  const [fy, fm, fd] = partsOf(range.from);
  const [ty, tm] = partsOf(range.to);
  if (fd === 1 && range.to === lastOfMonth(ty, tm)) {
    const months = (ty - fy) * 12 + (tm - fm) + 1;
    return { from: firstOfMonth(fy, fm - months), to: addDays(range.from, -1) };
  }
  return { from: addDays(range.from, -spanDays(range)), to: addDays(range.from, -1) };
}

/** `range` a year earlier, day for day (29 February becomes the 28th). */
export function yearBefore(range: DateRange): DateRange {
  const back = (day: string) => {
    const [y, m, d] = partsOf(day);
    return isoOf(Date.UTC(y - 1, m - 1, Math.min(d, daysIn(y - 1, m))));
  };
  return { from: back(range.from), to: back(range.to) };
}

/** `range` a month earlier, day for day (31 March becomes 28 or 29 February). */
export function monthBefore(range: DateRange): DateRange {
  const back = (day: string) => {
    const [y, m, d] = partsOf(day);
    const [py, pm] = m === 1 ? [y - 1, 12] : [y, m - 1];
    return isoOf(Date.UTC(py, pm - 1, Math.min(d, daysIn(py, pm))));
  };
  return { from: back(range.from), to: back(range.to) };
}

/** A range in words: "1–31 October 2026", "3 November 2026", "28 November – 1 December 2026". */
export function describeRange(range: DateRange): string {
  const [fy, fm, fd] = partsOf(range.from);
  const [ty, tm, td] = partsOf(range.to);
  const month = (m: number) => MONTHS[m - 1]![0]!.toUpperCase() + MONTHS[m - 1]!.slice(1);
  if (range.from === range.to) return `${fd} ${month(fm)} ${fy}`;
  if (fy === ty && fm === tm) return `${fd}–${td} ${month(fm)} ${fy}`;
  if (fy === ty) return `${fd} ${month(fm)} – ${td} ${month(tm)} ${fy}`;
  return `${fd} ${month(fm)} ${fy} – ${td} ${month(tm)} ${ty}`;
}

/** Thanksgiving is the fourth Thursday of November; Black Friday the day after. */
export function blackFriday(year: number): string {
  const first = new Date(Date.UTC(year, 10, 1)).getUTCDay(); // 0 Sunday … 4 Thursday
  const thursday = 1 + ((4 - first + 7) % 7) + 21;
  return isoOf(Date.UTC(year, 10, thursday + 1));
}

interface Period {
  range: DateRange;
  assumption?: string;
  future?: boolean;
}

/** The most recent year in which month/day is not after `today`. */
function pastYearOf(month: number, day: number, today: string): number {
  const [ty, tm, td] = partsOf(today);
  return month < tm || (month === tm && day <= td) ? ty : ty - 1;
}

/** Throws for "February 30", "2026-02-30", "31 April"; a day that exists passes. */
function checkDaysExist(q: string, today: string): void {
  const year = Number(/\b(20\d{2})\b/.exec(q)?.[1] ?? partsOf(today)[0]);
  for (const m of q.matchAll(/\b(20\d{2})-(\d{2})-(\d{2})\b/g)) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo)) throw new InvalidDateError(m[0]);
  }
  const named = [
    new RegExp(`\\b${MONTH_WORD}\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?!\\s*[,/]?\\s*\\d{3})`, "g"),
    new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_WORD}\\b`, "g"),
  ];
  for (const [i, pattern] of named.entries()) {
    for (const m of q.matchAll(pattern)) {
      const month = monthIndex(i === 0 ? m[1]! : m[2]!);
      const day = Number(i === 0 ? m[2] : m[1]);
      // "may 2026" is a month and a year, and "may 10" a day: only days up to 31 are days.
      if (day > 31 && i === 0) continue;
      if (day < 1 || day > daysIn(year, month)) {
        throw new InvalidDateError(
          `${MONTHS[month - 1]} ${day}`.replace(/^./, (c) => c.toUpperCase()),
        );
      }
    }
  }
}

/** Calendar periods said in words, relative to `today`. */
function relativePeriod(q: string, today: string): Period | null {
  const [y, m] = partsOf(today);
  const quarter = Math.floor((m - 1) / 3); // 0-based
  const word = (re: string) => new RegExp(`\\b(?:${re})\\b`).test(q);
  const n =
    /\b(?:last|past|previous|prior|trailing)\s+(\d{1,3}|a|one|two|three|four|six|twelve)\s+(day|week|month|year)s?\b/
      .exec(q);
  if (n) {
    const count = Number(n[1]) ||
      { a: 1, one: 1, two: 2, three: 3, four: 4, six: 6, twelve: 12 }[n[1] as "a"] || 1;
    const unit = n[2]!;
    if (unit === "day") return { range: { from: addDays(today, -(count - 1)), to: today } };
    if (unit === "week") {
      return {
        range: { from: addDays(today, -(7 * count - 1)), to: today },
        assumption: `"${n[0]}" read as the ${7 * count} days ending today`,
      };
    }
    const months = unit === "month" ? count : 12 * count;
    const from = addDays(isoOf(Date.UTC(y, m - 1 - months, partsOf(today)[2])), 1);
    return {
      range: { from, to: today },
      assumption: `"${n[0]}" read as ${describeRange({ from, to: today })}, ending today`,
    };
  }
  if (word("day before yesterday")) {
    return { range: { from: addDays(today, -2), to: addDays(today, -2) } };
  }
  if (word("yesterday")) return { range: { from: addDays(today, -1), to: addDays(today, -1) } };
  if (word("tomorrow|next (?:week|month|quarter|year|few days|\\d+ days)|coming (?:week|month)")) {
    return { range: { from: addDays(today, 1), to: addDays(today, 1) }, future: true };
  }
  if (word("today|so far today")) return { range: { from: today, to: today } };
  if (word("(?:last|previous|prior) week")) {
    const monday = addDays(mondayOf(today), -7);
    return { range: { from: monday, to: addDays(monday, 6) } };
  }
  if (word("this week|current week|week to date|wtd")) {
    return { range: { from: mondayOf(today), to: today } };
  }
  if (word("(?:last|previous|prior) month")) {
    return { range: { from: firstOfMonth(y, m - 1), to: lastOfMonth(y, m - 1) } };
  }
  if (word("this month|current month|month to date|mtd|so far this month")) {
    return { range: { from: firstOfMonth(y, m), to: today } };
  }
  if (word("(?:last|previous|prior) quarter")) {
    return {
      range: { from: firstOfMonth(y, quarter * 3 - 2), to: lastOfMonth(y, quarter * 3) },
    };
  }
  if (word("this quarter|current quarter|quarter to date|qtd")) {
    return { range: { from: firstOfMonth(y, quarter * 3 + 1), to: today } };
  }
  if (word("(?:last|previous|prior) year")) {
    return { range: { from: `${y - 1}-01-01`, to: `${y - 1}-12-31` } };
  }
  if (word("past year|last 12 months|past 12 months")) {
    const from = addDays(`${y - 1}${today.slice(4)}`, 1);
    return {
      range: { from, to: today },
      assumption: "the past year read as the 365 days to today",
    };
  }
  if (word("this year|current year|year to date|ytd|so far this year")) {
    return { range: { from: `${y}-01-01`, to: today } };
  }
  const holiday = holidayPeriod(q, today);
  if (holiday) return holiday;
  if (word("lately|recently|these days|of late|right now|at the moment")) {
    return {
      range: { from: addDays(today, -29), to: today },
      assumption: `"${/lately|recently|these days|of late|right now|at the moment/.exec(q)![0]}" ` +
        "read as the last 30 days",
    };
  }
  return null;
}

function holidayPeriod(q: string, today: string): Period | null {
  const [y] = partsOf(today);
  const latest = (dayOf: (year: number) => string, length: number) => {
    const thisYear = dayOf(y);
    const from = thisYear <= today ? thisYear : dayOf(y - 1);
    return { from, to: addDays(from, length - 1) };
  };
  if (/\b(black friday weekend|bfcm|black friday cyber monday|cyber weekend)\b/.test(q)) {
    return {
      range: latest(blackFriday, 4),
      assumption: "Black Friday weekend read as Friday to Cyber Monday",
    };
  }
  if (/\bblack friday\b/.test(q)) return { range: latest(blackFriday, 1) };
  if (/\bcyber monday\b/.test(q)) return { range: latest((yr) => addDays(blackFriday(yr), 3), 1) };
  if (/\b(christmas day|xmas day)\b/.test(q)) {
    return { range: latest((yr) => `${yr}-12-25`, 1) };
  }
  return null;
}

/** "Q3", "q3 2026", "third quarter of 2025": a whole calendar quarter. */
function quarterPeriod(q: string, today: string): Period | null {
  const ordinal = {
    first: 1,
    second: 2,
    third: 3,
    fourth: 4,
    "1st": 1,
    "2nd": 2,
    "3rd": 3,
    "4th": 4,
  };
  const m = /\bq([1-4])(?:\s*(?:of\s+)?(20\d{2}))?\b/.exec(q) ??
    /\b(first|second|third|fourth|1st|2nd|3rd|4th) quarter(?:\s+(?:of\s+)?(20\d{2}))?\b/.exec(q);
  if (!m) return null;
  const index = Number(m[1]) || ordinal[m[1] as keyof typeof ordinal];
  const [ty, tm] = partsOf(today);
  const current = Math.floor((tm - 1) / 3) + 1;
  const year = m[2] ? Number(m[2]) : index <= current ? ty : ty - 1;
  return {
    range: { from: firstOfMonth(year, index * 3 - 2), to: lastOfMonth(year, index * 3) },
    ...(m[2] ? {} : { assumption: `Q${index} read as Q${index} ${year}` }),
  };
}

/** chrono-node's reading of one date, as a day of the shop's calendar. */
interface ChronoDay {
  day: string;
  /** The day of the month was said (not "October", which is a month). */
  dayKnown: boolean;
  yearKnown: boolean;
  /** Only a weekday was said ("on Tuesday"): the latest such day up to today. */
  weekdayOnly: boolean;
  text: string;
  index: number;
}

function chronoDays(
  q: string,
  today: string,
  dayFirst: boolean,
): Array<ChronoDay & { end?: ChronoDay }> {
  const reference = new Date(`${today}T12:00:00Z`);
  const of = (c: chrono.ParsedComponents, text: string, index: number): ChronoDay => {
    const month = c.get("month") ?? 1;
    const date = c.get("day") ?? 1;
    const yearKnown = c.isCertain("year");
    if (c.isCertain("weekday") && !c.isCertain("day") && !c.isCertain("month")) {
      // chrono picks the nearest such weekday, which may be ahead ("this Tuesday" on a
      // Sunday); a question about sales means the latest one that has begun.
      // "last Tuesday" said on a Tuesday is a week ago.
      const back = (partsOfWeekday(today) - c.get("weekday")! + 7) % 7 ||
        (/^(?:last|past|previous) /.test(text.trim()) ? 7 : 0);
      return {
        day: addDays(today, -back),
        dayKnown: true,
        yearKnown: true,
        weekdayOnly: true,
        text,
        index,
      };
    }
    const year = yearKnown
      ? c.get("year")!
      : pastYearOf(month, c.isCertain("day") ? date : 1, today);
    return {
      day: isoOf(Date.UTC(year, month - 1, date)),
      dayKnown: c.isCertain("day"),
      yearKnown,
      weekdayOnly: false,
      text,
      index,
    };
  };
  // chrono's British English parser reads 3/10 day first, its default English month first.
  const parser = dayFirst ? chrono.en.GB : chrono.en;
  return parser.parse(q, reference, { forwardDate: false }).map((r) => ({
    ...of(r.start, r.text, r.index),
    ...(r.end ? { end: of(r.end, r.text, r.index) } : {}),
  }));
}

/** A month said by name ("october", "oct 2026"), or a year ("in 2025"). */
function monthOrYear(day: ChronoDay, today: string): Period {
  const [y, m] = partsOf(day.day);
  const month: DateRange = { from: firstOfMonth(y, m), to: lastOfMonth(y, m) };
  if (month.to > today) {
    return {
      range: { from: month.from, to: today },
      assumption: `${describeRange(month).replace(/^\S+ /, "")} read as the month so far`,
    };
  }
  return {
    range: month,
    ...(day.yearKnown ? {} : { assumption: `"${day.text}" read as ${MONTHS[m - 1]} ${y}` }),
  };
}

/** The one period a piece of a question names, or null. */
function periodOf(q: string, today: string, dayFirst: boolean): Period | null {
  const days = chronoDays(q, today, dayFirst);
  // An explicit range: "2026-10-01 to 2026-10-31", "from Oct 1 through Oct 15".
  const ranged = days.find((d) => d.end);
  if (ranged?.end) {
    const to = ranged.end.dayKnown
      ? ranged.end.day
      : lastOfMonth(...(partsOf(ranged.end.day).slice(0, 2) as [number, number]));
    return { range: { from: ranged.day, to } };
  }
  // Two dates with words between: "between Nov 1 and Nov 7", "from A up to but not including B".
  if (days.length >= 2) {
    const [a, b] = days as [ChronoDay, ChronoDay];
    const between = q.slice(a.index + a.text.length, b.index);
    if (/\b(and|to|through|thru|until|till|up to|-|–)\b|[-–]/.test(between)) {
      const exclusive = /\b(not including|excluding|exclusive|before)\b/.test(between);
      const to = exclusive ? addDays(b.day, -1) : b.day;
      return {
        range: { from: a.day, to },
        ...(exclusive ? { assumption: `the end date ${b.day} left out, as asked` } : {}),
      };
    }
  }
  const since = /\b(?:since|from|starting|after)\b/.exec(q);
  if (since && days[0] && days[0].index > since.index && days[0].dayKnown) {
    return { range: { from: days[0].day, to: today } };
  }
  const relative = relativePeriod(q, today) ?? quarterPeriod(q, today);
  if (relative) return relative;
  const year = /\b(?:in|for|during|of|year)?\s*(20\d{2})\b/.exec(q);
  const first = days[0];
  if (first && first.dayKnown) {
    const slash = /^\d{1,2}\/\d{1,2}$/.test(first.text.trim());
    const said = first.text.trim().replace(/^(?:on|this|last|past) /, "");
    return {
      range: { from: first.day, to: first.day },
      ...(first.weekdayOnly
        ? {
          assumption: `"${said}" read as ${WEEKDAY_NAMES[partsOfWeekday(first.day)]} ${
            describeRange({ from: first.day, to: first.day })
          }`,
        }
        : slash
        ? {
          assumption: `"${first.text}" read ${dayFirst ? "day" : "month"} first, as ${
            describeRange({ from: first.day, to: first.day })
          }`,
        }
        : {}),
    };
  }
  if (first) return monthOrYear(first, today);
  if (year) {
    const y = Number(year[1]);
    const range = { from: `${y}-01-01`, to: `${y}-12-31` };
    if (range.from > today) return { range, future: true };
    return range.to > today
      ? { range: { from: range.from, to: today }, assumption: `${y} read as the year so far` }
      : { range };
  }
  return null;
}

const COMPARISON = /\b(?:vs\.?|versus|compared (?:to|with)|comparing|against|relative to)\b/;

/**
 * The period and comparison a question names. Throws {@link InvalidDateError}
 * for a day that does not exist.
 */
export function readDates(
  question: string,
  today: string,
  options: { dayFirst?: boolean } = {},
): DateReading {
  const dayFirst = options.dayFirst ?? false;
  const q = question.toLowerCase().replace(/[’']/g, "'").replace(/\s+/g, " ");
  checkDaysExist(q, today);
  const assumptions: string[] = [];
  let future = false;
  const take = (p: Period | null): DateRange | null => {
    if (!p) return null;
    if (p.assumption) assumptions.push(p.assumption);
    if (p.future || p.range.from > today) future = true;
    return p.range;
  };

  let mainText = q;
  let otherText: string | null = null;
  const split = COMPARISON.exec(q);
  const compare = /\bcompare\b(.*?)\b(?:with|to|and)\b(.*)/.exec(q);
  if (split) {
    mainText = q.slice(0, split.index);
    otherText = q.slice(split.index + split[0].length);
  } else if (compare) {
    mainText = compare[1]!;
    otherText = compare[2]!;
  }
  let range = take(periodOf(mainText, today, dayFirst));
  let comparison: DateRange | null = null;
  // "the same day last week", "a month earlier", "same period last year": the asked period
  // moved back by that unit, day for day.
  const sameAgo =
    /\b(?:(?:the )?same (?:period|time|days?|dates?|weekday|week|month) (?:last|a|the previous|the prior|one) (week|month|year)|(?:a|one) (week|month|year) (?:earlier|before|ago))\b/
      .exec(q);
  const agoUnit = sameAgo ? (sameAgo[1] ?? sameAgo[2]) as "week" | "month" | "year" : null;
  const sameLastYear = agoUnit === "year" || /\b(year over year|yoy|last year's)\b/.test(q);
  const periodBefore =
    /\b(previous|prior|preceding) period\b|\b(week over week|month over month|wow|mom)\b|\bthe (day|week|month|quarter|year) before\b/
      .test(q);
  if (range && agoUnit === "week") {
    comparison = { from: addDays(range.from, -7), to: addDays(range.to, -7) };
  }
  if (range && agoUnit === "month") comparison = monthBefore(range);
  if (otherText !== null && !sameLastYear && !periodBefore && !agoUnit) {
    comparison = take(periodOf(otherText, today, dayFirst));
    if (!range && comparison) {
      // "How did we do vs last week?": the current period of the same kind, against it.
      range = { from: addDays(comparison.to, 1), to: today };
      assumptions.push("the period to compare read as the days since");
    }
  }
  if (range && !comparison && sameLastYear) comparison = yearBefore(range);
  if (
    range && !comparison && (periodBefore || (otherText !== null && !sameLastYear && !agoUnit))
  ) {
    comparison = previousPeriod(range);
  }
  if (!range && sameLastYear) {
    range = { from: addDays(today, -29), to: today };
    comparison = yearBefore(range);
    assumptions.push("no period named: the last 30 days");
  }
  return { range, comparison, assumptions, future };
}

/** A period ahead of `today` for a forecast, or a deadline ("before Christmas"). */
export interface ForecastPeriod {
  range: DateRange;
  /** "by Christmas", "before the 20th": the question asks whether something happens by then. */
  deadline: boolean;
  assumption?: string;
}

const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  eight: 8,
  ten: 10,
  twelve: 12,
};

/**
 * The period a forecast question names, counted from `today` in the shop's calendar: "next
 * month", "this week" (all of it: the days gone are actuals, the rest forecast), "the next 2
 * weeks", "December", "Q1", "before Christmas" (a deadline, from today). Null when it names none.
 */
export function readForecastPeriod(question: string, today: string): ForecastPeriod | null {
  const q = question.toLowerCase().replace(/[’']/g, "'").replace(/\s+/g, " ");
  const [y, m] = partsOf(today);
  const quarter = Math.floor((m - 1) / 3); // 0-based
  const period = (from: string, to: string, assumption?: string): ForecastPeriod => ({
    range: { from, to },
    deadline: false,
    ...(assumption ? { assumption } : {}),
  });
  const deadline = (to: string, words: string): ForecastPeriod => ({
    range: { from: today, to },
    deadline: true,
    assumption: `"${words}" read as by ${describeRange({ from: to, to })}`,
  });
  const ahead =
    /\b(?:next|coming|following)\s+(\d{1,3}|a|one|two|three|four|five|six|eight|ten|twelve)\s+(day|week|month)s?\b/
      .exec(q);
  if (ahead) {
    const count = Number(ahead[1]) || NUMBER_WORDS[ahead[1]!] || 1;
    const days = ahead[2] === "day" ? count : ahead[2] === "week" ? 7 * count : 0;
    if (days) {
      return period(
        addDays(today, 1),
        addDays(today, days),
        `"${ahead[0]}" read as the ${days} days after today`,
      );
    }
    const to = addDays(isoOf(Date.UTC(y, m - 1 + count, partsOf(today)[2])), 0);
    return period(
      addDays(today, 1),
      to,
      `"${ahead[0]}" read as the days to ${describeRange({ from: to, to })}`,
    );
  }
  const holiday =
    /\b(?:before|by|until|till|ahead of)\s+(christmas|xmas|black friday|cyber monday|new year'?s?(?: day| eve)?|the end of the (month|year|week))\b/
      .exec(q);
  if (holiday) {
    const which = holiday[1]!;
    const next = (dayOf: (year: number) => string) => dayOf(y) >= today ? dayOf(y) : dayOf(y + 1);
    const end = holiday[2] === "month"
      ? lastOfMonth(y, m)
      : holiday[2] === "year"
      ? `${y}-12-31`
      : holiday[2] === "week"
      ? addDays(mondayOf(today), 6)
      : /christmas|xmas/.test(which)
      ? addDays(next((yr) => `${yr}-12-25`), -1)
      : /black friday/.test(which)
      ? addDays(next(blackFriday), -1)
      : /cyber monday/.test(which)
      ? addDays(next((yr) => addDays(blackFriday(yr), 3)), -1)
      : addDays(next((yr) => `${yr + 1}-01-01`), -1);
    return deadline(end, holiday[0]);
  }
  if (/\btomorrow\b/.test(q)) return period(addDays(today, 1), addDays(today, 1));
  if (/\bnext week\b/.test(q)) {
    const monday = addDays(mondayOf(today), 7);
    return period(monday, addDays(monday, 6));
  }
  if (/\b(this|current|rest of the) week\b/.test(q)) {
    return period(mondayOf(today), addDays(mondayOf(today), 6));
  }
  if (/\bnext month\b/.test(q)) return period(firstOfMonth(y, m + 1), lastOfMonth(y, m + 1));
  if (/\b(this|current|rest of the) month\b/.test(q)) {
    return period(firstOfMonth(y, m), lastOfMonth(y, m));
  }
  if (/\bnext quarter\b/.test(q)) {
    return period(firstOfMonth(y, quarter * 3 + 4), lastOfMonth(y, quarter * 3 + 6));
  }
  if (/\b(this|current|rest of the) quarter\b/.test(q)) {
    return period(firstOfMonth(y, quarter * 3 + 1), lastOfMonth(y, quarter * 3 + 3));
  }
  if (/\b(this|current|rest of the) year\b/.test(q)) return period(`${y}-01-01`, `${y}-12-31`);
  if (/\bnext year\b/.test(q)) return period(`${y + 1}-01-01`, `${y + 1}-12-31`);
  // A month by name: this one or the next of that name ("in January" in December is next year's).
  const named = new RegExp(`\\b${MONTH_WORD}\\b(?:\\s+(20\\d{2}))?`).exec(q);
  if (named && !/\bmay\b/.test(named[0]) || named && /\bin may\b|\bfor may\b/.test(q)) {
    const month = monthIndex(named![1]!);
    const year = named![2] ? Number(named![2]) : month >= m ? y : y + 1;
    return period(firstOfMonth(year, month), lastOfMonth(year, month));
  }
  return null;
}
