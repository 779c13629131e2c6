/**
 * Questions about what comes next (issue #12), read offline: "forecast next
 * month", "what will sales be this week?", "will I hit $50k this month?",
 * "how many Trail Runners will I sell in January?", "when will I run out of
 * the Summit Pack?", "will I run out of the Trail Runner before Christmas?".
 * The reading names the figure, the period in the shop's calendar (the days
 * already over count as actuals), a product when one is named, a target, and
 * every assumption. A question about the past is not one of these.
 *
 * @example
 * ```ts
 * const r = readForecastQuestion("will i hit $50k this month?", "2026-12-07");
 * r?.predict; // { kind: "forecast", measure: "netSales", target: 50000, range: … }
 * ```
 */
import { PredictiveInput } from "../agents/predictive.ts";
import type { Plan } from "../agents/plan.ts";
import { addDays, describeRange, readForecastPeriod } from "../metrics/calendar.ts";
import { MAX_HORIZON_DAYS } from "../metrics/forecast.ts";
import { ANSWERABLE_SUMMARY } from "../metrics/catalog.ts";
import { type NamedProduct, productNamed } from "../metrics/product_names.ts";
import { QuerySpecSchema } from "../metrics/query_spec.ts";
import type { QuestionReading } from "./question_reading.ts";

/** Words of a question about the future; the orchestrator reads the shop's titles for these. */
export const PREDICTIVE_CUE =
  /\b(forecast\w*|predict\w*|projections?|projected|expect(ed)?|on (track|pace|course)|pacing|will (i|we|my|the|sales|orders|it)|what will|how (much|many) .*\bwill\b|going to (sell|make|do|hit|reach|get|run)|run(ning)? out|stock ?outs?|sell(ing)? out|last (me )?(until|till|through))\b/i;
/** A figure ahead (not stock): forecast, predict, will I hit, what will … be. */
const FORECAST =
  /\b(forecast\w*|predict\w*|projections?|projected|expect(ed)?|on (track|pace|course)|pacing|will (i|we|my|the|sales|orders|it)|what will|how (much|many) .*\bwill\b|going to (sell|make|do|hit|reach|get))\b/;
const PAST_TENSE = /\b(was|were|did|had|have been)\b/;
const STOCKOUT =
  /\b(run(ning)? out|stock ?outs?|sell(ing)? out|out of stock|last (me )?(until|till|through)|how long .* last)\b/;
/** "which products are out of stock?" is about now; these make it about when. */
const WHEN = /\b(when|will|before|by|until|till|going to|forecast\w*|predict\w*|how long|soon)\b/;
const TARGET =
  /\b(?:hit|reach|make|do|get to|pass|cross|exceed|top|beat|break|clear|on (?:track|pace|course) for)\s+(?:a |an |over |more than )?([$€£]?\s?\d[\d,]*(?:\.\d+)?\s?(?:k|m|thousand|million)?)\b/;

function amountOf(text: string): number | null {
  const m = /([\d,]+(?:\.\d+)?)\s?(k|m|thousand|million)?/.exec(text);
  if (!m) return null;
  const n = Number(m[1]!.replaceAll(",", ""));
  const scale = m[2] === "k" || m[2] === "thousand"
    ? 1_000
    : m[2] === "m" || m[2] === "million"
    ? 1_000_000
    : 1;
  return n > 0 ? n * scale : null;
}

/** The reading of a question about the future, or null when it is not one. */
export function readForecastQuestion(
  question: string,
  today: string,
  options: {
    products?: NamedProduct[];
    /** The question as the parser normalised it (typos corrected); defaults to lowercase. */
    text?: string;
    /** The question names a future period, so it is about the future whatever its words. */
    future?: boolean;
    /** The past period the calendar read in it, if any ("last month", "October"). */
    past?: { from: string; to: string } | null;
  } = {},
): QuestionReading | null {
  const text = options.text ??
    question.toLowerCase().replace(/[’']/g, "'").replace(/\s+/g, " ");
  if (!options.future && !PREDICTIVE_CUE.test(text)) return null;
  const stockout = STOCKOUT.test(text) && WHEN.test(text);
  // "Which products are about to run out?" asks about stock now, at its recent rate of sale.
  if (STOCKOUT.test(text) && !stockout) return null;
  if (!stockout && !options.future && !FORECAST.test(text)) return null;
  const period = readForecastPeriod(text, today);
  // "What were my projected sales last month?": a past period, or past tense with a month name,
  // is about what happened. "Will I sell … in January?" in December is next January.
  const past = options.past && options.past.to < today;
  if (past && (!period || PAST_TENSE.test(text))) return null;
  const product = productNamed(question, options.products ?? []);
  const assumptions: string[] = period?.assumption ? [period.assumption] : [];
  const latest = addDays(today, MAX_HORIZON_DAYS - 1);

  if (stockout) {
    const by = period ? period.range.to : null;
    const range = { from: today, to: by ?? latest };
    if (range.to > latest) return tooFar(range, assumptions, today);
    if (!product) assumptions.push("no product named: the variants that run out soonest");
    return predictionReading(
      {
        kind: "stockout",
        ...(product ? { productIds: [product.id] } : {}),
        ...(by ? { by } : {}),
      },
      range,
      assumptions,
    );
  }

  // Amounts from the question as typed: the parser's normalising splits "120,000".
  const target = TARGET.exec(question.toLowerCase());
  const amount = target ? amountOf(target[1]!) : null;
  const measure = /\borders?\b/.test(text) && !/\b(sales|revenue)\b/.test(text)
    ? "orders"
    : /\b(units?|items|pieces|pairs)\b/.test(text) ||
        (product && !/\b(sales|revenue)\b/.test(text)) ||
        /\bhow many\b.*\bsell\b/.test(text)
    ? "unitsSold"
    : "netSales";
  let range = period?.range;
  if (!range) {
    range = amount
      ? { from: `${today.slice(0, 8)}01`, to: endOfMonth(today) }
      : { from: today, to: addDays(today, 29) };
    assumptions.push(
      amount ? "no period named: this month" : "no period named: the next 30 days from today",
    );
  }
  if (range.to > latest) return tooFar(range, assumptions, today);
  if (range.from <= today) {
    assumptions.push("today is forecast, not counted: the day is not over");
  }
  return predictionReading(
    {
      kind: "forecast",
      measure,
      range,
      ...(product ? { productId: product.id } : {}),
      ...(amount ? { target: amount } : {}),
    },
    range,
    assumptions,
  );
}

/** The reading of a Predictive task: its intent, and the spec the interpretation states. */
function predictionReading(
  predict: PredictiveInput,
  range: { from: string; to: string },
  assumptions: string[],
): QuestionReading {
  const productIds = predict.kind === "forecast"
    ? (predict.productId ? [predict.productId] : undefined)
    : predict.productIds;
  return {
    intent: predict.kind,
    spec: QuerySpecSchema.parse({
      metrics: [predict.kind === "forecast" ? predict.measure : "daysOfCover"],
      filters: productIds ? { productIds } : {},
      range,
    }),
    range,
    comparison: null,
    assumptions,
    declined: null,
    predict,
  };
}

/**
 * A follow-up of a forecast or stock-out question ("and orders?", "what about January?", "and
 * the Summit Pack?"): the previous task with what the question changes; null when it changes
 * nothing recognisable.
 */
export function followPrediction(
  question: string,
  today: string,
  previous: Plan,
  products: NamedProduct[],
): QuestionReading | null {
  const parsed = PredictiveInput.safeParse(
    previous.tasks.find((t) => t.department === "predictive")?.input,
  );
  if (!parsed.success) return null;
  const before = parsed.data;
  const text = question.toLowerCase().replace(/[’']/g, "'").replace(/\s+/g, " ");
  const period = readForecastPeriod(text, today);
  const product = productNamed(question, products);
  const latest = addDays(today, MAX_HORIZON_DAYS - 1);
  const carried = "carried over from your previous question";
  if (before.kind === "stockout") {
    if (!period && !product) return null;
    const by = period ? period.range.to : before.by;
    const range = { from: today, to: by ?? latest };
    if (range.to > latest) return tooFar(range, [], today);
    return predictionReading(
      {
        kind: "stockout",
        ...(product
          ? { productIds: [product.id] }
          : before.productIds
          ? { productIds: before.productIds }
          : {}),
        ...(by ? { by } : {}),
      },
      range,
      [`${product ? "the deadline" : "the products"} ${carried}`],
    );
  }
  const measure = /\borders?\b/.test(text)
    ? "orders"
    : /\b(units?|items)\b/.test(text)
    ? "unitsSold"
    : /\b(sales|revenue)\b/.test(text)
    ? "netSales"
    : null;
  if (!period && !product && !measure) return null;
  const range = period?.range ?? before.range;
  if (range.to > latest) return tooFar(range, [], today);
  const kept = [
    ...(period ? [] : ["the period"]),
    ...(measure ? [] : ["the figure"]),
    ...(product || !before.productId ? [] : ["the product"]),
  ];
  return predictionReading(
    {
      kind: "forecast",
      measure: measure ?? before.measure,
      range,
      ...(product
        ? { productId: product.id }
        : before.productId
        ? { productId: before.productId }
        : {}),
      ...(before.target && !measure && !period ? { target: before.target } : {}),
    },
    range,
    kept.length ? [`${kept.join(" and ")} ${carried}`] : [],
  );
}

function endOfMonth(day: string): string {
  const [y, m] = day.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

function tooFar(
  range: { from: string; to: string },
  assumptions: string[],
  today: string,
): QuestionReading {
  const latest = addDays(today, MAX_HORIZON_DAYS - 1);
  return {
    intent: "unanswerable",
    spec: null,
    range,
    comparison: null,
    assumptions,
    declined: `${describeRange(range)} is too far ahead: I forecast up to ${
      describeRange({ from: latest, to: latest })
    }, beyond which the range of likely outcomes is too wide to help. Ask about a nearer period. I can answer questions about ${ANSWERABLE_SUMMARY}.`,
  };
}
