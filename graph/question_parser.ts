/**
 * The offline question parser: with no model, a question becomes a reading —
 * what kind of answer it wants (the intent), the query spec to compute, and
 * every assumption made — from the metric catalog's lexicon and the calendar
 * rules of metrics/calendar.ts. Deterministic: the same question on the same shop
 * day always reads the same. Tolerant of case, filler and one-letter typos.
 * A question it cannot map onto the catalog is declined (`unanswerable`),
 * never answered with a sales summary.
 *
 * @example
 * ```ts
 * const r = readQuestion("how many orders did i get in october 2026", "2026-12-04");
 * r.spec?.metrics; // ["orders"]
 * r.spec?.range;   // { from: "2026-10-01", to: "2026-10-31" }
 * ```
 */
import {
  ANSWERABLE_SUMMARY,
  type Dimension,
  METRIC_NAMES,
  type MetricName,
  METRICS,
  TIME_DIMENSIONS,
} from "../metrics/catalog.ts";
import { QuerySpecSchema } from "../metrics/query_spec.ts";
import type { DateRange } from "../metrics/scope.ts";
import {
  addDays,
  type DateReading,
  describeRange,
  InvalidDateError,
  previousPeriod,
  readDates,
  spanDays,
} from "../metrics/calendar.ts";
import type { Intent } from "../agents/plan.ts";
import type { NamedProduct } from "../metrics/product_names.ts";
import { PREDICTIVE_CUE, readForecastQuestion } from "./forecast_question.ts";
import type { QuestionReading } from "./question_reading.ts";

export type { QuestionReading };

/** Topics outside the store's data, each with the reason given to the merchant. */
const OUT_OF_SCOPE: Array<[RegExp, string]> = [
  [
    /\b(weather|temperature|rain|forecast for (paris|london)|news|stock market|bitcoin|crypto|football|recipe)\b/,
    "That is not about your store: I answer questions about your Shopify store's own data.",
  ],
  [
    /\b(ad spend|ads? cost|roas|cac|cpa|cpc|cpm|cost per (click|acquisition)|marketing spend|facebook|meta ads|google ads|tiktok|instagram|ad campaigns?|campaign performance)\b/,
    "I have no advertising data: Alatar reads your store's orders, products, customers and inventory, not ad accounts.",
  ],
  [
    /\b(sessions|traffic|visitors|page ?views|conversion rate|bounce rate|add to cart rate|abandoned checkouts?|cart abandonment)\b/,
    "I have no storefront traffic or checkout data, only orders, products, customers and inventory.",
  ],
  [
    // Gross profit is in the catalog (product costs); what comes after it is not in the store.
    /\b(net income|operating profit|ebitda|profit and loss|p&l|overheads?|salaries|rent)\b/,
    "I only know your store's sales and product costs, not overheads, so I can give gross profit but not your net income.",
  ],
];

/** Words kept as they are (never "corrected"): filler, dates, numbers. */
const KEEP = new Set(
  ("what were was are is the my me i we our and or for from to in on at of by per how many much " +
    "did do does get got last this past next week weeks month months year years day days today " +
    "yesterday since vs top best worst show give tell which who with up down not but including " +
    "between through until please lately compared same period quarter most more less than that " +
    "them they have like make when also just only each into your been will well very good over " +
    "time what's whats much ones").split(" "),
);

const OTHER_WORDS = (
  "why explain caused happened drop dropped fell fall decline declined increase increased spike " +
  "jump change changed trend trending growing going discount discounts clearance overstock " +
  "product products variant variants collection collections channel channels customer customers " +
  "daily weekly monthly sellers selling seller ranking performance business store shop doing " +
  "refund refunds return returns order orders inventory stock spend spent spending " +
  "forecast predict projected expect pace track " +
  "january february march april june july august september october november december " +
  "yesterday quarter weekend monday tuesday wednesday thursday friday saturday sunday"
).split(" ");

const LEXICON = [
  ...new Set([
    ...Object.values(METRICS).flatMap((m) => m.synonyms.flatMap((s) => s.split(" "))),
    ...OTHER_WORDS,
  ]),
].filter((w) => w.length >= 4);

/** Damerau–Levenshtein distance, stopping early past `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** Lowercase, punctuation to spaces (dates keep theirs), and words one typo away corrected. */
export function normalise(question: string): { text: string; corrected: string[] } {
  const text = question.toLowerCase().replace(/[’‘]/g, "'").replace(/[?!,;:()"“”*]/g, " ")
    .replace(/\s+/g, " ").trim();
  const corrected: string[] = [];
  const words = text.split(" ").map((word) => {
    if (word.length < 4 || KEEP.has(word) || /\d/.test(word) || LEXICON.includes(word)) {
      return word;
    }
    const max = word.length >= 8 ? 2 : 1;
    let best: string | null = null;
    let bestDistance = max + 1;
    for (const candidate of LEXICON) {
      const dist = distance(word, candidate, max);
      if (dist < bestDistance) [best, bestDistance] = [candidate, dist];
    }
    if (best && bestDistance <= max) {
      corrected.push(`"${word}" read as "${best}"`);
      return best;
    }
    return word;
  });
  return { text: words.join(" "), corrected };
}

/** Synonyms longest first, so "units sold" wins over "sold" and "net sales" over "sales". */
const SYNONYMS = METRIC_NAMES.flatMap((name) =>
  METRICS[name].synonyms.map((s) => [s, name] as [string, MetricName])
).sort((a, b) => b[0].length - a[0].length);

/** The metrics named, in the order the question names them. */
export function metricsIn(text: string): MetricName[] {
  let masked = ` ${text} `;
  const found: Array<[number, MetricName]> = [];
  for (const [phrase, name] of SYNONYMS) {
    const pattern = new RegExp(`(?<=[\\s/])${phrase.replace(/[-]/g, "[- ]?")}(?=[\\s/.])`);
    let m: RegExpExecArray | null;
    while ((m = pattern.exec(masked))) {
      found.push([m.index, name]);
      masked = masked.slice(0, m.index) + "#".repeat(m[0].length) +
        masked.slice(m.index + m[0].length);
    }
  }
  return [...new Set(found.sort((a, b) => a[0] - b[0]).map(([, name]) => name))];
}

export const DIMENSION_WORDS: Array<[RegExp, Dimension]> = [
  [/\b(by|per|each|every) day\b|\bdaily\b|\bday by day\b|\bday-by-day\b/, "day"],
  [/\b(by|per|each|every) week\b|\bweekly\b|\bweek by week\b|\bweek over week\b/, "week"],
  [/\b(by|per|each|every) month\b|\bmonthly\b|\bmonth by month\b|\bmonth over month\b/, "month"],
  [/\b(by|per|each|every) quarter\b|\bquarterly\b|\bquarter by quarter\b/, "quarter"],
  [/\b(by|per|each|every) year\b|\byearly\b|\bannually\b|\byear by year\b/, "year"],
  [
    /\b(by|per|each|which|what) (discount |coupon |promo )?codes?\b|\b(discount|coupon|promo) codes\b/,
    "discountCode",
  ],
  [
    /\bnew (and|vs\.?|versus|or) returning\b|\bfirst[- ]time (and|vs\.?|or) repeat\b/,
    "customerType",
  ],
  [/\b(by|per|each|which|what) variants?\b|\bvariants\b|\bsizes\b|\bcolou?rs\b/, "variant"],
  [/\b(by|per|each|which|what) collections?\b|\bcollections\b/, "collection"],
  [
    /\b(by|per|each|which) (sales )?channels?\b|\bsales channels?\b|\bonline vs\b|\bchannels\b/,
    "channel",
  ],
  [
    /\b(by|per|each) customer\b|\b(top|best|biggest|largest|worst) (\d+ )?customers\b|\bwho are my\b.*\bcustomers\b|\bwhich customers\b|\bcustomers by\b/,
    "customer",
  ],
  [
    /\b(by|per|each) product\b|\b(which|what) products?\b|\b(top|best|worst|bottom|\d+) (\d+ )?(products|items|sellers)\b|\bbest[- ]?sell(ers?|ing)\b|\bproducts\b|\bmost popular\b/,
    "product",
  ],
];

const RANK_WORDS =
  /\b(top|best|worst|bottom|most|least|highest|lowest|biggest|largest|smallest|fewest|rank|ranking|best[- ]?sell\w*)\b/;

function intentOf(text: string): Intent | null {
  if (/(#\s?\d{3,}|\border\s+(?:number\s+)?\d{3,}|[\w.+-]+@[\w-]+\.[\w.-]+)/.test(text)) {
    return "customer_service";
  }
  if (/\b(catalog|catalogue|descriptions?|seo|images?|photos?|skus?|listings?)\b/.test(text)) {
    return "catalog_audit";
  }
  if (
    /\b(should i|shall i|to|can i|could i|worth) (discount|clear|mark ?down|put on sale|promote)\b|\b(clearance|overstock\w*|overstocked|slow[- ]moving|slow movers?|mark ?down)\b|\bwhich products? (to|should i) discount\b|\bwhat (should|can) i discount\b/
      .test(text)
  ) return "discount_candidates";
  if (
    /\bwhy\b|\bwhat (caused|happened|drove|is driving|explains)\b|\bexplain\b|\breason for\b|\bbreak ?down the change\b/
      .test(text)
  ) return "explain_change";
  return null;
}

const GENERIC_BUSINESS =
  /\b(how (are|is|was|were|did|do|am|'s) (we|i|my|the|things|business|it|sales|store|shop)|how('s| is) (business|it going|my store|the store)|how (is|was|'s|are|were|did) (this|last|today|yesterday)|is it going|going so far|doing|performance|perform|summary|overview|numbers|kpis?|report|dashboard|results)\b/;

/**
 * Reads `question` on the shop day `today`. A day that does not exist is
 * refused at submit (graph/requests.ts); should one reach here, it is declined.
 */
export function readQuestion(
  question: string,
  today: string,
  calendar: { dayFirst?: boolean; products?: NamedProduct[] } = {},
): QuestionReading {
  const normalised = normalise(question);
  // "new vs returning" compares two kinds of customer, not two periods.
  const text = normalised.text.replace(/\bnew (?:vs\.?|versus) returning\b/g, "new and returning");
  const corrected = normalised.corrected;
  let dates: DateReading;
  try {
    dates = readDates(text, today, calendar);
  } catch (error) {
    if (!(error instanceof InvalidDateError)) throw error;
    return {
      intent: "unanswerable",
      spec: null,
      range: { from: addDays(today, -29), to: today },
      comparison: null,
      assumptions: corrected,
      declined: `${error.message} I can answer questions about ${ANSWERABLE_SUMMARY}.`,
    };
  }
  const assumptions = [...corrected, ...dates.assumptions];
  const fallback: DateRange = { from: addDays(today, -29), to: today };
  const decline = (reason: string): QuestionReading => ({
    intent: "unanswerable",
    spec: null,
    range: dates.range ?? fallback,
    comparison: null,
    assumptions,
    declined: `${reason} I can answer questions about ${ANSWERABLE_SUMMARY}.`,
  });

  const special = intentOf(text);
  const outOfScope = OUT_OF_SCOPE.find(([pattern]) => pattern.test(text));
  if (outOfScope && special !== "customer_service") return decline(outOfScope[1]);
  if (
    (dates.future || PREDICTIVE_CUE.test(text)) && special !== "customer_service" &&
    special !== "catalog_audit"
  ) {
    const ahead = readForecastQuestion(question, today, {
      text,
      future: dates.future,
      past: dates.range,
      products: calendar.products,
    });
    if (ahead) return { ...ahead, assumptions: [...corrected, ...ahead.assumptions] };
  }
  if (dates.future) {
    return decline(
      "I could not tell what to forecast: ask for net sales, orders or units over a period ahead.",
    );
  }
  if (dates.range && dates.range.to > today) {
    assumptions.push(`${describeRange(dates.range)} runs past today: counted to today`);
    dates.range.to = today;
  }

  let metrics = metricsIn(text);
  let dimension = DIMENSION_WORDS.find(([pattern]) => pattern.test(text))?.[1] ?? null;
  const ranked = RANK_WORDS.test(text) || /\b(top|bottom) \d+\b/.test(text);
  const trend =
    /\b(trend\w*|going up or down|up or down|growing|increasing or decreasing|over time|shrinking)\b/
      .test(text);
  const changeWords =
    /\b(drop|dropped|fell|fall|decline|declined|increase|increased|spike|jump|change|changed|grow|grew|compare|comparison)\b/
      .test(text);
  const lowStock =
    /\b(run(ning)? (out|low)|low (on )?stock|low inventory|stock ?outs?|sell(ing)? out|about to run out|out of stock)\b/
      .test(text);
  const deadStock = /\b(dead stock|not selling|no sales|stale stock|sitting stock)\b/.test(text);

  if (lowStock) metrics = ["daysOfCover", "onHand"];
  else if (deadStock) metrics = ["sellThrough", "onHand"];
  if (dimension === "customerType" && !metrics.some((m) => METRICS[m].family === "sales")) {
    // "new vs returning customers" counts them; "sales from new vs returning" splits sales.
    metrics = ["newCustomers", "returningCustomers", "repeatRate"];
    dimension = null;
  }
  if (dimension === "customer" && !metrics.some((m) => METRICS[m].family === "sales")) {
    // "top customers by spend": spend is net sales; "by orders" asks for orders.
    metrics = /\border/.test(text) ? ["orders", "netSales"] : ["netSales", "orders"];
  }
  if (
    (dimension === "customer" || dimension === "customerType") &&
    metrics.some((m) => METRICS[m].family === "customers")
  ) {
    metrics = metrics.filter((m) => METRICS[m].family === "sales");
  }

  const intent: Intent = special ??
    (metrics.length || dimension || ranked || GENERIC_BUSINESS.test(text) || changeWords
      ? "metric_query"
      : "unanswerable");
  if (intent === "unanswerable") {
    return decline("I could not tell which figure you are asking about.");
  }

  if (!metrics.length && dimension) {
    // "top products", "sales by channel": ranked and split by net sales.
    metrics = ["netSales"];
  } else if (!metrics.length) {
    metrics = ["netSales", "orders", "averageOrderValue"];
    if (intent === "metric_query" && !dimension && !ranked) {
      assumptions.push("no figure named: net sales, orders and average order value");
    }
  } else if (
    metrics.length === 1 && metrics[0] === "netSales" && intent === "metric_query" && !dimension &&
    (GENERIC_BUSINESS.test(text) || /\bsales\b/.test(text) && !/\bnet sales\b/.test(text))
  ) {
    // "How were sales?", "show me sales": the overview an analyst gives, net sales first.
    metrics = ["netSales", "orders", "averageOrderValue"];
  }

  // One family per query: the first named wins, and the rest is said.
  const family = METRICS[metrics[0]!].family;
  const dropped = metrics.filter((m) => METRICS[m].family !== family);
  if (dropped.length) {
    metrics = metrics.filter((m) => METRICS[m].family === family);
    assumptions.push(
      `${dropped.map((m) => METRICS[m].label).join(" and ")} not computed with ${
        METRICS[metrics[0]!].label.toLowerCase()
      }: ask for ${dropped.length > 1 ? "them" : "it"} on its own`,
    );
  }
  if (family === "inventory") dimension = "product";
  if (family === "customers") dimension = null;
  if (dimension) {
    const unsplittable = metrics.filter((m) =>
      !(METRICS[m].dimensions as readonly string[]).includes(dimension!)
    );
    if (unsplittable.length === metrics.length) {
      assumptions.push(
        `${METRICS[metrics[0]!].label} cannot be split by ${dimension}: shown for the whole store`,
      );
      dimension = null;
    } else if (unsplittable.length) {
      metrics = metrics.filter((m) => !unsplittable.includes(m));
      assumptions.push(
        `${
          unsplittable.map((m) => METRICS[m].label).join(" and ")
        } cannot be split by ${dimension}`,
      );
    }
  }

  let range = dates.range;
  if (!range && metrics.includes("cohortRetention")) {
    // Cohorts need months to retain over: the last twelve, this one included.
    range = { from: `${addMonths(today, -11).slice(0, 8)}01`, to: today };
    assumptions.push("no period named: cohorts of the last 12 months");
  } else if (!range && (dimension === "quarter" || dimension === "year")) {
    // Quarters or years of the last 30 days would be one group: a longer span is meant.
    const from = dimension === "quarter"
      ? `${today.slice(0, 4)}-01-01`
      : `${Number(today.slice(0, 4)) - 2}-01-01`;
    range = { from, to: today };
    assumptions.push(
      dimension === "quarter"
        ? "no period named: this year so far"
        : "no period named: the last two years and this one so far",
    );
  } else if (!range) {
    range = fallback;
    assumptions.push(
      family === "inventory"
        ? "rate of sale measured over the last 30 days"
        : "no period named: the last 30 days",
    );
  }
  let comparison = dates.comparison;
  if (
    !comparison &&
    (intent === "explain_change" || trend || (changeWords && intent === "metric_query"))
  ) {
    comparison = previousPeriod(range);
    if (intent !== "explain_change") {
      assumptions.push(`compared with the ${spanDays(range)} days before`);
    }
  }
  if (trend && !dimension && family === "sales") {
    dimension = spanDays(range) > 120 ? "month" : spanDays(range) > 31 ? "week" : "day";
  }

  const number =
    /\b(?:top|best|worst|bottom|first)\s+(\d{1,2})\b|\b(\d{1,2})\s+(?:best|worst|top|biggest|largest)\b/
      .exec(text);
  // Stock is most urgent at the least cover and the slowest sell-through.
  const ascending = /\b(worst|bottom|least|lowest|smallest|fewest|slowest)\b/.test(text) ||
    lowStock || deadStock || ["daysOfCover", "sellThrough"].includes(metrics[0]!);
  const rankedDimension = dimension && !TIME_DIMENSIONS.includes(dimension);
  const limit = number ? Math.min(Number(number[1] ?? number[2]), 50) : rankedDimension ? 10 : null;
  const sort = rankedDimension
    ? { metric: metrics[0]!, direction: ascending ? "asc" : "desc" }
    : null;

  const spec = QuerySpecSchema.parse({
    metrics,
    dimensions: dimension ? [dimension] : [],
    filters: channelFilter(text),
    range,
    comparison: family === "inventory" ? null : comparison,
    sort,
    limit,
  });
  return { intent, spec, range, comparison: spec.comparison, assumptions, declined: null };
}

/** "online orders" are the online store's; "in-store"/"POS" the point of sale's. */
export function channelFilter(text: string): { sourceName?: string } {
  if (
    /\b(online store|online orders|online sales|web orders|website)\b|\bjust online\b|\bonly online\b/
      .test(text)
  ) {
    return { sourceName: "web" };
  }
  if (/\b(pos|point of sale|in-store|in person|retail store)\b/.test(text)) {
    return { sourceName: "pos" };
  }
  return {};
}

/** The same day `n` months away (clamped to the month's end): 2026-12-04 − 11 → 2026-01-04. */
function addMonths(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const last = new Date(Date.UTC(y, m - 1 + n + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m - 1 + n, Math.min(d, last))).toISOString().slice(0, 10);
}
