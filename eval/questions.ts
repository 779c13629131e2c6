/**
 * The eval's questions as merchants type them (lowercase, typos, filler,
 * months by name, ISO ranges, comparisons, rankings), each with the reading a
 * human analyst would make, written by hand: the intent, the figures, the
 * split and the exact days, computed from the shop's day with the eval's own
 * calendar arithmetic (eval/expected.ts), never with the project's.
 */
import {
  daysBefore,
  lastDays,
  lastQuarter,
  lastWeek,
  monthBefore,
  type Range,
  thisWeek,
  weekEarlier,
  yearStart,
} from "./expected.ts";

export interface ExpectedReading {
  intent: string;
  /** The figures, in the order asked; omitted where any reading of them is fine. */
  metrics?: string[];
  dimensions?: string[];
  range?: Range;
  comparison?: Range | null;
  sort?: "asc" | "desc";
  limit?: number;
  sourceName?: string;
  /** A forecast's days already over, whose net sales the answer states as they were. */
  soFar?: Range;
}

export interface ReadingCase {
  category: string;
  question: string;
  expect: ExpectedReading;
}

/** A figure query's reading: these metrics over `range`, unsplit and uncompared unless `more`. */
export function metricReading<T extends Partial<ExpectedReading>>(
  metrics: string[],
  range: Range,
  more: T = {} as T,
) {
  return { intent: "metric_query", metrics, dimensions: [], range, comparison: null, ...more };
}

const MONTH_SHORT = (name: string) => name.slice(0, 3);

export function readingCases(today: string): ReadingCase[] {
  const month = (back: number) => {
    const { from, to, name, year } = monthBefore(today, back);
    return { range: { from, to }, name, year };
  };
  const [mm1, mm2, mm3] = [month(1), month(2), month(3)];
  const [m1, m2, m3] = [mm1.range, mm2.range, mm3.range];
  const week = lastWeek(today);
  const yesterday = { from: daysBefore(today, 1), to: daysBefore(today, 1) };
  const thisMonth = { from: `${today.slice(0, 8)}01`, to: today };
  const ytd = { from: yearStart(today), to: today };
  // "on Tuesday": the latest Tuesday up to today (Tuesday is day 2 of JavaScript's week).
  const tuesdayBack = (new Date(`${today}T00:00:00Z`).getUTCDay() - 2 + 7) % 7;
  const lastTuesday = { from: daysBefore(today, tuesdayBack), to: daysBefore(today, tuesdayBack) };
  // The period before, as a merchant means it: whole months before whole months, else as many days.
  const previous = (r: Range): Range => {
    const [fy, fm] = r.from.split("-").map(Number) as [number, number];
    const [ty, tm] = r.to.split("-").map(Number) as [number, number];
    const endOfMonth = new Date(Date.UTC(ty, tm, 0)).toISOString().slice(0, 10);
    if (r.from.endsWith("-01") && r.to === endOfMonth) {
      const months = (ty - fy) * 12 + (tm - fm) + 1;
      const from = new Date(Date.UTC(fy, fm - 1 - months, 1)).toISOString().slice(0, 10);
      return { from, to: daysBefore(r.from, 1) };
    }
    const days = Math.round((Date.parse(r.to) - Date.parse(r.from)) / 86_400_000) + 1;
    return { from: daysBefore(r.from, days), to: daysBefore(r.from, 1) };
  };
  const sales = metricReading;
  const periods: Array<[string, Range]> = [
    ["last week", week],
    ["yesterday", yesterday],
    ["this month", thisMonth],
    ["last month", m1],
    [`in ${mm1.name} ${mm1.year}`, m1],
    [`in ${mm2.name.toLowerCase()}`, m2],
    [`from ${m2.from} to ${m2.to}`, m2],
    ["over the last 14 days", lastDays(today, 14)],
    ["in the past 90 days", lastDays(today, 90)],
    ["so far this year", ytd],
    ["last quarter", lastQuarter(today)],
    ["this week", thisWeek(today)],
    ["today", { from: today, to: today }],
    [`in ${MONTH_SHORT(mm3.name)} ${mm3.year}`, m3],
  ];
  const asks: Array<[string, string[], string]> = [
    ["how many orders did i get", ["orders"], "orders"],
    ["what was my revenue", ["netSales"], "revenue"],
    ["gross sales", ["grossSales"], "gross"],
    ["what were net sales", ["netSales"], "net"],
    ["what were my takings", ["netSales"], "takings"],
    ["whats my aov", ["averageOrderValue"], "aov"],
    ["average basket size", ["averageOrderValue"], "basket"],
    ["how much did i give away in discounts", ["discounts"], "discounts"],
    ["how much money did refunds cost me", ["returns"], "refunds"],
    ["units sold", ["unitsSold"], "units"],
    ["turnover", ["netSales"], "turnover"],
  ];
  const cases: ReadingCase[] = [];
  // Every figure with five periods, rotating, so each period is asked several ways.
  asks.forEach(([ask, metrics], i) => {
    for (let k = 0; k < 5; k++) {
      const [phrase, range] = periods[(i * 5 + k) % periods.length]!;
      cases.push({
        category: "figures and dates",
        question: `${ask} ${phrase}`,
        expect: sales(metrics, range),
      });
    }
  });
  cases.push(
    ...([
      // The questions of issue #9, as they were asked.
      [`how many orders did i get in ${mm1.name.toLowerCase()} ${mm1.year}`, ["orders"], m1],
      [`What was my revenue in ${mm2.name} ${mm2.year}?`, ["netSales"], m2],
      [`gross sales from ${m1.from} to ${m1.to} please`, ["grossSales"], m1],
      [
        `What were total orders, gross sales and AOV from ${m1.from} up to but not including ${
          daysBefore(m1.to, -1)
        }?`,
        ["orders", "grossSales", "averageOrderValue"],
        m1,
      ],
    ] as Array<[string, string[], Range]>).map(([question, metrics, range]) => ({
      category: "figures and dates",
      question,
      expect: sales(metrics, range),
    })),
  );
  cases.push(
    ...([
      ["how many ordres did i get last week", ["orders"], week],
      ["grss sales last month", ["grossSales"], m1],
      ["reveneu yesterday", ["netSales"], yesterday],
      ["avrage order value this month", ["averageOrderValue"], thisMonth],
      ["discunts last week", ["discounts"], week],
      ["refnds last month", ["returns"], m1],
      [`net slaes in ${mm2.name.toLowerCase()}`, ["netSales"], m2],
      ["turnovr so far this year", ["netSales"], ytd],
      ["How Many Orders Did I Get Yesterday??", ["orders"], yesterday],
      ["umm so like what were my gross sales last week thanks", ["grossSales"], week],
    ] as Array<[string, string[], Range]>).map(([question, metrics, range]) => ({
      category: "typos and filler",
      question,
      expect: sales(metrics, range),
    })),
  );
  cases.push(
    ...([
      [
        "net sales last week vs the week before",
        sales(["netSales"], week, {
          comparison: weekEarlier(week),
        }),
      ],
      [`orders in ${mm1.name} vs ${mm2.name}`, sales(["orders"], m1, { comparison: m2 })],
      [
        `compare gross sales in ${mm1.name.toLowerCase()} with ${mm2.name.toLowerCase()}`,
        sales(
          ["grossSales"],
          m1,
          { comparison: m2 },
        ),
      ],
      [
        "aov last month compared to the previous period",
        sales(["averageOrderValue"], m1, {
          comparison: m2, // a month's previous period is the month before
        }),
      ],
      ["did orders drop last week", sales(["orders"], week, { comparison: weekEarlier(week) })],
      ["Is my average order value going up or down?", {
        intent: "metric_query",
        metrics: ["averageOrderValue"],
        range: lastDays(today, 30),
        comparison: previous(lastDays(today, 30)),
      }],
      ["is revenue trending up this year", {
        intent: "metric_query",
        metrics: ["netSales"],
        range: ytd,
        comparison: previous(ytd),
      }],
      ["refund rate last month vs the month before", sales(["refundRate"], m1, { comparison: m2 })],
      [
        "net sales on tuesday compared to the same day last week",
        sales(["netSales"], lastTuesday, {
          comparison: {
            from: daysBefore(lastTuesday.from, 7),
            to: daysBefore(lastTuesday.from, 7),
          },
        }),
      ],
      [
        "orders yesterday vs the same day last year",
        sales(["orders"], yesterday, {
          comparison: {
            from: `${Number(yesterday.from.slice(0, 4)) - 1}${yesterday.from.slice(4)}`,
            to: `${Number(yesterday.from.slice(0, 4)) - 1}${yesterday.from.slice(4)}`,
          },
        }),
      ],
    ] as Array<[string, ExpectedReading]>).map(([question, expect]) => ({
      category: "comparisons",
      question,
      expect,
    })),
  );
  const ranking = (
    question: string,
    metrics: string[],
    dimension: string,
    range: Range,
    sort: "asc" | "desc" | undefined,
    limit?: number,
  ): ReadingCase => ({
    category: "rankings and splits",
    question,
    expect: {
      intent: "metric_query",
      metrics,
      dimensions: [dimension],
      range,
      ...(sort ? { sort } : {}),
      ...(limit ? { limit } : {}),
    },
  });
  cases.push(
    ranking("top 5 products last month", ["netSales"], "product", m1, "desc", 5),
    ranking("What were my best sellers this month?", ["netSales"], "product", thisMonth, "desc"),
    ranking("worst selling products last month", ["netSales"], "product", m1, "asc"),
    ranking("top products by units sold last week", ["unitsSold"], "product", week, "desc"),
    ranking(
      "which collections had the most sales last month",
      ["netSales"],
      "collection",
      m1,
      "desc",
    ),
    ranking("net sales by channel last month", ["netSales"], "channel", m1, "desc"),
    ranking(`net sales by week in ${mm1.name.toLowerCase()}`, ["netSales"], "week", m1, undefined),
    ranking("daily orders last week", ["orders"], "day", week, undefined),
    // Profit, from product costs (issue #10).
    ranking(
      "which products make me the most money?",
      ["grossProfit"],
      "product",
      lastDays(today, 30),
      "desc",
      10,
    ),
    ranking("gross profit by collection last month", ["grossProfit"], "collection", m1, "desc", 10),
    ranking("monthly gross sales so far this year", ["grossSales"], "month", ytd, undefined),
    ranking(
      "Who are my top 10 customers by spend?",
      ["netSales", "orders"],
      "customer",
      lastDays(today, 30),
      "desc",
      10,
    ),
    ranking(
      "top 3 customers by spend last month",
      ["netSales", "orders"],
      "customer",
      m1,
      "desc",
      3,
    ),
    ranking("sales by variant last week", ["netSales"], "variant", week, "desc"),
    ranking("net sales by discount code last month", ["netSales"], "discountCode", m1, "desc"),
    ranking(
      "sales from new vs returning customers last month",
      ["netSales"],
      "customerType",
      m1,
      "desc",
    ),
    ranking("orders by quarter so far this year", ["orders"], "quarter", ytd, undefined),
    ranking(
      "which coupon codes brought the most orders last week",
      ["orders"],
      "discountCode",
      week,
      "desc",
    ),
  );
  cases.push(
    {
      category: "rankings and splits",
      question: "how many online orders did i get last week",
      expect: { ...sales(["orders"], week), sourceName: "web" },
    },
    {
      category: "rankings and splits",
      // Plain "sales" gets the overview an analyst gives: net sales, orders and their average.
      question: "pos sales last month",
      expect: { ...sales(["netSales", "orders", "averageOrderValue"], m1), sourceName: "pos" },
    },
  );
  cases.push(
    ...([
      ["new vs returning customers last month", [
        "newCustomers",
        "returningCustomers",
        "repeatRate",
      ], m1],
      ["how many new customers did i get this month", ["newCustomers"], thisMonth],
      ["repeat purchase rate so far this year", ["repeatRate"], ytd],
      ["customer lifetime value last quarter", ["lifetimeValue"], lastQuarter(today)],
      ["how many returning customers last week", ["returningCustomers"], week],
      ["what is my retention rate last month", ["repeatRate"], m1],
      ["show me my customer cohorts", ["cohortRetention"], {
        from: monthBefore(today, 11).from,
        to: today,
      }],
      ["cohort retention so far this year", ["cohortRetention"], ytd],
    ] as Array<[string, string[], Range]>).map(([question, metrics, range]) => ({
      category: "customers",
      question,
      expect: sales(metrics, range),
    })),
  );
  const stock = (question: string, metrics: string[], sort: "asc" | "desc"): ReadingCase => ({
    category: "inventory",
    question,
    expect: { intent: "metric_query", metrics, dimensions: ["product"], sort },
  });
  cases.push(
    stock("Which products are about to run out of stock?", ["daysOfCover", "onHand"], "asc"),
    stock("what's running low", ["daysOfCover", "onHand"], "asc"),
    stock("what is my dead stock", ["sellThrough", "onHand"], "asc"),
    stock("show me stock levels", ["onHand"], "desc"),
    // "Will sell out first" asks about the future: see the forecasts below.
    stock("which items are closest to selling out", ["daysOfCover", "onHand"], "asc"),
    stock("days of cover by product", ["daysOfCover"], "asc"),
  );
  cases.push(
    {
      category: "refunds",
      question: "refund rate last month",
      expect: sales(["refundRate"], m1),
    },
    {
      category: "refunds",
      question: `how much did returns cost me in ${mm2.name}`,
      expect: sales(["returns"], m2),
    },
    {
      category: "refunds",
      question: "units returned last week",
      expect: sales(["unitsReturned"], week),
    },
  );
  // Profit from product costs (issue #10): each figure by its own words.
  cases.push(
    ...([
      ["what's my profit margin this month", ["grossMargin"], thisMonth],
      ["what's my margin this month?", ["grossMargin"], thisMonth],
      [`what was my gross profit in ${mm1.name} ${mm1.year}`, ["grossProfit"], m1],
      ["cogs last month", ["costOfGoodsSold"], m1],
      ["cost of goods sold last week", ["costOfGoodsSold"], week],
      [`profit per order in ${mm2.name.toLowerCase()}`, ["profitPerOrder"], m2],
    ] as Array<[string, string[], Range]>).map(([question, metrics, range]) => ({
      category: "profit",
      question,
      expect: sales(metrics, range),
    })),
  );
  cases.push(
    ...[
      "What's the weather in Paris tomorrow?",
      "What was my ROAS on Facebook ads last week?",
      "how much did i spend on google ads",
      "How many visitors did my store get yesterday?",
      "what's my conversion rate",
      "what's my net income this year",
      "what was my EBITDA last quarter",
      "what is the capital of france",
      "tell me a joke",
      "🙂🙂🙂",
      "asdfgh qwerty",
      "sales on February 30",
      "forecast sales for next year",
    ].map((question) => ({
      category: "off-topic and impossible",
      question,
      expect: { intent: "unanswerable" },
    })),
  );
  // Forecasts: a period ahead, the days already over counted as they were.
  const whole = monthBefore(today, 0);
  const next = monthBefore(today, -1);
  const monday = thisWeek(today).from;
  const nextWeek = { from: daysBefore(monday, -7), to: daysBefore(monday, -13) };
  const soFar = today.endsWith("-01") ? undefined : { from: whole.from, to: daysBefore(today, 1) };
  cases.push(
    ...([
      ["Forecast my sales for next month", "netSales", { from: next.from, to: next.to }],
      ["what will sales be next week", "netSales", nextWeek],
      ["will i hit $50k this month", "netSales", { from: whole.from, to: whole.to }, true],
      ["am I on track for 300k in sales this month?", "netSales", {
        from: whole.from,
        to: whole.to,
      }, true],
      ["how many orders will I get in the next 2 weeks", "orders", {
        from: daysBefore(today, -1),
        to: daysBefore(today, -14),
      }],
      ["predict my revenue for the next 30 days", "netSales", {
        from: daysBefore(today, -1),
        to: daysBefore(today, -30),
      }],
    ] as Array<[string, string, Range, boolean?]>).map(([question, metric, range, pacing]) => ({
      category: "forecasts",
      question,
      expect: {
        intent: "forecast",
        metrics: [metric],
        range,
        ...(pacing && soFar ? { soFar } : {}),
      },
    })),
    ...[
      "When will I run out of the Trail Runner?",
      "which items will sell out first",
      "what will sell out in the next 2 weeks",
      "will my Summit Pack stock last until the end of the month?",
    ].map((question) => ({
      category: "forecasts",
      question,
      expect: { intent: "stockout" },
    })),
  );
  cases.push(
    ...([
      ["Why did sales drop last week?", "explain_change", week],
      ["why did revenue fall yesterday", "explain_change", yesterday],
      ["what caused the change in sales last month", "explain_change", m1],
      ["Which products should I discount?", "discount_candidates", undefined],
      ["what slow movers should i clear out", "discount_candidates", undefined],
      ["Audit my catalog for SEO and missing images", "catalog_audit", undefined],
    ] as Array<[string, string, Range | undefined]>).map(([question, intent, range]) => ({
      category: "routing",
      question,
      expect: { intent, ...(range ? { range } : {}) },
    })),
  );
  return cases;
}
