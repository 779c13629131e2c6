/**
 * The conversation eval (issue #16): dialogues of two to five turns as a
 * merchant talks to an analyst, each turn with the reading a human would make
 * of it in context, written by hand. Periods come from the eval's own
 * calendar arithmetic (eval/expected.ts), never from the project's.
 */
import { daysBefore, lastDays, lastWeek, monthBefore, type Range } from "./expected.ts";
import { type ExpectedReading, metricReading } from "./questions.ts";

export interface DialogueTurn {
  question: string;
  /** `clarify`: not answered, and the answer asks what was meant. */
  expect: ExpectedReading & { productIds?: string[] };
}

export interface Dialogue {
  name: string;
  turns: DialogueTurn[];
}

/** The same days a year earlier (29 February becomes the 28th). */
function yearEarlier(r: Range): Range {
  const back = (day: string) => {
    const [y, m, d] = day.split("-").map(Number) as [number, number, number];
    const last = new Date(Date.UTC(y - 1, m, 0)).getUTCDate();
    return new Date(Date.UTC(y - 1, m - 1, Math.min(d, last))).toISOString().slice(0, 10);
  };
  return { from: back(r.from), to: back(r.to) };
}

/** The period before, as a merchant means it: the month before a month, else as many days. */
function before(r: Range): Range {
  const [fy, fm] = r.from.split("-").map(Number) as [number, number];
  const [ty, tm] = r.to.split("-").map(Number) as [number, number];
  const endOfMonth = new Date(Date.UTC(ty, tm, 0)).toISOString().slice(0, 10);
  if (r.from.endsWith("-01") && r.to === endOfMonth) {
    const months = (ty - fy) * 12 + (tm - fm) + 1;
    return {
      from: new Date(Date.UTC(fy, fm - 1 - months, 1)).toISOString().slice(0, 10),
      to: daysBefore(r.from, 1),
    };
  }
  const days = Math.round((Date.parse(r.to) - Date.parse(r.from)) / 86_400_000) + 1;
  return { from: daysBefore(r.from, days), to: daysBefore(r.from, 1) };
}

const OVERVIEW = ["netSales", "orders", "averageOrderValue"];

export function dialogues(today: string, product: { id: string; title: string }): Dialogue[] {
  const m1 = monthBefore(today, 1);
  const m2 = monthBefore(today, 2);
  const m3 = monthBefore(today, 3);
  const yesterday = { from: daysBefore(today, 1), to: daysBefore(today, 1) };
  const thisMonth = { from: `${today.slice(0, 8)}01`, to: today };
  const week = lastWeek(today);
  // First questions: how a merchant names the period, the period, and how they say "before".
  const periods: Array<[string, Range, string]> = [
    ["last week", lastWeek(today), "and the week before?"],
    ["last month", { from: m1.from, to: m1.to }, "and the month before?"],
    [`in ${m2.name}`, { from: m2.from, to: m2.to }, "what about the month before that?"],
    ["yesterday", yesterday, "and the day before?"],
    ["over the last 7 days", lastDays(today, 7), "and the 7 days before that?"],
    ["in the last 14 days", lastDays(today, 14), "and the 14 days before that?"],
  ];
  const metric = (metrics: string[], range: Range, more: Partial<DialogueTurn["expect"]> = {}) =>
    metricReading(metrics, range, more);
  const ranked = (metrics: string[], range: Range, dimension: string, more = {}) =>
    metric(metrics, range, { dimensions: [dimension], sort: "desc" as const, limit: 10, ...more });
  const out: Dialogue[] = [];
  for (const [phrase, range, earlier] of periods) {
    const prior = before(range);
    out.push(
      {
        name: `sales ${phrase}, the period before, by product`,
        turns: [
          { question: `How were sales ${phrase}?`, expect: metric(OVERVIEW, range) },
          { question: earlier, expect: metric(OVERVIEW, prior) },
          // Average order value belongs to whole orders: it cannot be split by product.
          {
            question: "break that down by product",
            expect: ranked(["netSales", "orders"], prior, "product"),
          },
        ],
      },
      {
        name: `orders ${phrase}, another month, online only`,
        turns: [
          { question: `how many orders did i get ${phrase}`, expect: metric(["orders"], range) },
          {
            question: `what about ${m3.name}?`,
            expect: metric(["orders"], { from: m3.from, to: m3.to }),
          },
          {
            question: "just online orders",
            expect: metric(["orders"], { from: m3.from, to: m3.to }, { sourceName: "web" }),
          },
          {
            question: "and the month before?",
            expect: metric(["orders"], before({ from: m3.from, to: m3.to }), {
              sourceName: "web",
            }),
          },
        ],
      },
      {
        name: `net sales ${phrase}, then AOV, per channel`,
        turns: [
          { question: `net sales ${phrase}`, expect: metric(["netSales"], range) },
          { question: "and AOV?", expect: metric(["averageOrderValue"], range) },
          {
            question: "per channel",
            expect: metric(["averageOrderValue"], range, { dimensions: ["channel"] }),
          },
        ],
      },
      {
        name: `sales ${phrase}, why, compared with last year`,
        turns: [
          { question: `How were sales ${phrase}?`, expect: metric(OVERVIEW, range) },
          { question: "why?", expect: { intent: "explain_change", range, comparison: prior } },
        ],
      },
      {
        name: `gross sales ${phrase}, against last year, then discounts and returns`,
        turns: [
          { question: `gross sales ${phrase}`, expect: metric(["grossSales"], range) },
          {
            question: "compare that with last year",
            expect: metric(["grossSales"], range, { comparison: yearEarlier(range) }),
          },
          {
            question: "and discounts?",
            expect: metric(["discounts"], range, { comparison: yearEarlier(range) }),
          },
          {
            question: "what about returns",
            expect: metric(["returns"], range, { comparison: yearEarlier(range) }),
          },
        ],
      },
      {
        name: `top products ${phrase}, one product, the period before`,
        turns: [
          {
            question: `top products ${phrase}`,
            expect: ranked(["netSales"], range, "product"),
          },
          {
            question: `only the ${product.title}`,
            expect: metric(["netSales"], range, { productIds: [product.id] }),
          },
          {
            question: earlier,
            expect: metric(["netSales"], prior, { productIds: [product.id] }),
          },
        ],
      },
      {
        name: `orders ${phrase}, then something unclear`,
        turns: [
          { question: `orders ${phrase}`, expect: metric(["orders"], range) },
          { question: "and that other thing?", expect: { intent: "clarify" } },
        ],
      },
    );
  }
  out.push(
    {
      name: "sales last month, then a discount for it",
      turns: [
        {
          question: "How were sales last month?",
          expect: metric(OVERVIEW, { from: m1.from, to: m1.to }),
        },
        {
          question: "ok, make a discount for them",
          expect: { intent: "discount_candidates", range: { from: m1.from, to: m1.to } },
        },
      ],
    },
    {
      name: "sales last month, the month before, by channel, online only, then AOV",
      turns: [
        {
          question: "How were sales last month?",
          expect: metric(OVERVIEW, { from: m1.from, to: m1.to }),
        },
        {
          question: "and the month before?",
          expect: metric(OVERVIEW, { from: m2.from, to: m2.to }),
        },
        {
          question: "by channel",
          expect: ranked(OVERVIEW, { from: m2.from, to: m2.to }, "channel"),
        },
        {
          question: "just online orders",
          expect: ranked(OVERVIEW, { from: m2.from, to: m2.to }, "channel", { sourceName: "web" }),
        },
        {
          question: "and AOV?",
          expect: ranked(["averageOrderValue"], { from: m2.from, to: m2.to }, "channel", {
            sourceName: "web",
          }),
        },
      ],
    },
    {
      name: "top products last week, one product, the week before, against last year, why",
      turns: [
        { question: "top products last week", expect: ranked(["netSales"], week, "product") },
        {
          question: `only the ${product.title}`,
          expect: metric(["netSales"], week, { productIds: [product.id] }),
        },
        {
          question: "and the week before?",
          expect: metric(["netSales"], before(week), { productIds: [product.id] }),
        },
        {
          question: "compare that with last year",
          expect: metric(["netSales"], before(week), {
            productIds: [product.id],
            comparison: yearEarlier(before(week)),
          }),
        },
        {
          question: "why?",
          expect: {
            intent: "explain_change",
            range: before(week),
            comparison: yearEarlier(before(week)),
          },
        },
      ],
    },
    {
      name: "units this month by variant, then in total",
      turns: [
        { question: "units sold this month", expect: metric(["unitsSold"], thisMonth) },
        {
          question: "by variant",
          expect: ranked(["unitsSold"], thisMonth, "variant"),
        },
        { question: "in total", expect: metric(["unitsSold"], thisMonth) },
      ],
    },
  );
  return out;
}
