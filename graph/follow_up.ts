/**
 * Follow-up questions (issue #16), read offline against the previous turn of
 * the same conversation: "and the week before?" takes the previous question's
 * figures, split and filters over another period; "by product" splits them;
 * "only online orders" filters them; "and AOV?" asks another figure of the
 * same scope; "why?" explains the change just shown; "compare that with last
 * year" adds a comparison; "make a discount for it" asks for discount
 * proposals over the same period. What was carried over is said in the
 * interpretation. A follow-up that changes nothing recognisable is answered
 * with a question back, never with a guess.
 *
 * @example
 * ```ts
 * const r = readFollowUp("and the week before?", "2026-12-04", { prompt, plan });
 * r?.spec?.range; // the week before the previous question's week
 * ```
 */
import type { Plan } from "../agents/plan.ts";
import { followPrediction } from "./forecast_question.ts";
import { type NamedProduct, productNamed } from "../metrics/product_names.ts";
import { type Dimension, DIMENSION_NAMES, METRICS, TIME_DIMENSIONS } from "../metrics/catalog.ts";
import {
  describeRange,
  InvalidDateError,
  previousPeriod,
  readDates,
  yearBefore,
} from "../metrics/calendar.ts";
import { QuerySpecSchema } from "../metrics/query_spec.ts";
import type { DateRange } from "../metrics/scope.ts";
import {
  channelFilter,
  DIMENSION_WORDS,
  metricsIn,
  normalise,
  type QuestionReading,
} from "./question_parser.ts";

/** The turn a follow-up is read against. */
export interface PreviousTurn {
  prompt: string;
  plan: Plan;
  /** The products its answer ranked, weakest first ("the worst one", "the best one"). */
  ranked?: Array<{ productId: string; title: string }>;
}

/**
 * The products an answer ranked, weakest first, from its stored tables: the fallers of an
 * explained change (the biggest fall first), or a split by product (the lowest first).
 */
export function rankedProducts(
  tables: Record<string, { rows?: Array<Record<string, unknown>> }> | null | undefined,
): Array<{ productId: string; title: string }> {
  const drivers = (tables?.drivers?.rows ?? []).filter((r) =>
    typeof r.change === "number" && typeof r.productId === "string"
  );
  if (drivers.length) {
    return [...drivers].sort((a, b) => (a.change as number) - (b.change as number))
      .map((r) => ({ productId: r.productId as string, title: String(r.title) }));
  }
  const breakdown = tables?.breakdown as
    | {
      dimension?: string;
      columns?: Array<{ key: string }>;
      rows?: Array<Record<string, unknown>>;
    }
    | undefined;
  const key = breakdown?.columns?.[0]?.key;
  if (breakdown?.dimension !== "product" || !key) return [];
  return (breakdown.rows ?? []).filter((r) => typeof r[key] === "number" && r.key)
    .sort((a, b) => (a[key] as number) - (b[key] as number))
    .map((r) => ({ productId: String(r.key), title: String(r.title) }));
}

/** Words that make a question lean on the one before it. */
const CUE =
  /^(and|what about|how about|what of|same|now|ok|okay|so|then|also|but|only|just|instead|vs|versus)\b|\b(that|those|these|them|the same|this one|instead|again)\b/;
const BEFORE =
  /\b(the )?(day|week|month|quarter|year|period|one) before\b|\bbefore that\b|\bthe previous (day|week|month|quarter|year|period|one)\b|\bprior (week|month|period)\b|\bearlier period\b/;
const COMPARE_YEAR =
  /\b(compare[ds]?|vs\.?|versus|against)\b.*\b(last year|a year (ago|earlier|before)|the year before|previous year)\b|\byear[- ]over[- ]year\b|\bsame (period|time|week|month) last year\b/;
const WHY =
  /^(but |and |so )?(why|how come|what caused (it|that|this)|explain( that| it| this)?)\b/;
const ACTION =
  /\b(make|create|set up|offer|give|run|propose)\b.*\b(discount|promo(tion)?|coupon|sale)\b|\bdiscount (it|them|that|those)\b/;
const TOTAL =
  /\b(in total|overall|altogether|all together|without (the )?(breakdown|split)|not split)\b/;
const ALL_CHANNELS = /\b(all|every|any) (sales )?channels?\b|\ball orders\b/;
const CHANNEL_WORDS =
  /\b(online (store|orders|sales)|web orders|website|point of sale|in-store|in person|retail store|pos)( orders| sales)?\b/g;
const ALL_PRODUCTS = /\b(all|every) products?\b|\bwhole (store|shop)\b/;
const WORST =
  /\b(the )?(worst|weakest|lowest|slowest)( one| product| seller)?\b|\b(the )?one that (fell|dropped) (the )?most\b|\bbiggest (fall|drop)\b/;
const BEST = /\b(the )?(best|top|strongest)( one| product| seller)\b/;

/**
 * The reading of `question` as a follow-up of `previous`; null when the question stands on its
 * own (it names its figure and its period, and leans on nothing), or there is nothing to follow.
 */
export function readFollowUp(
  question: string,
  today: string,
  previous: PreviousTurn | null,
  options: { dayFirst?: boolean; products?: NamedProduct[] } = {},
): QuestionReading | null {
  const before = previous?.plan;
  if (!before || before.intent === "unanswerable" || !before.spec) return null;
  // After a forecast, a follow-up changes the forecast ("and orders?", "what about January?").
  if (before.intent === "forecast" || before.intent === "stockout") {
    return followPrediction(question, today, before, options.products ?? []);
  }
  const { text } = normalise(question);
  let dates;
  try {
    dates = readDates(COMPARE_YEAR.test(text) ? text.replace(COMPARE_YEAR, " ") : text, today, {
      dayFirst: options.dayFirst,
    });
  } catch (error) {
    if (error instanceof InvalidDateError) return null; // the question's own reading declines it
    throw error;
  }
  // "online orders" names a channel, not the orders figure.
  const named = metricsIn(text.replace(CHANNEL_WORDS, " "));
  const cue = CUE.test(text) || WHY.test(text) || BEFORE.test(text);
  if (!cue && named.length && dates.range) return null;
  if (!cue && named.length && !dates.range && text.split(" ").length > 6) return null;

  const spec = before.spec;
  const carried: string[] = [];
  const assumptions: string[] = [];
  const changed: string[] = [];

  // The period.
  let range: DateRange = spec.range;
  let comparison: DateRange | null = spec.comparison;
  if (BEFORE.test(text)) {
    range = previousPeriod(spec.range);
    comparison = spec.comparison ? previousPeriod(range) : null;
    changed.push("period");
  } else if (dates.range) {
    range = dates.range.to > today ? { ...dates.range, to: today } : dates.range;
    comparison = dates.comparison ?? (spec.comparison ? previousPeriod(range) : null);
    assumptions.push(...dates.assumptions);
    changed.push("period");
  } else {
    carried.push(describeRange(spec.range));
  }
  if (COMPARE_YEAR.test(text)) {
    comparison = yearBefore(range);
    changed.push("comparison");
  }

  // "why?": the change just shown, explained.
  if (WHY.test(text)) {
    // The explanation compares the whole store, product by product and channel by channel: a
    // filter of the previous question is not applied, and the answer says so.
    const filtered = Object.keys(spec.filters).length > 0;
    return reading("explain_change", {
      ...spec,
      filters: {},
      range,
      comparison: comparison ?? previousPeriod(range),
    }, [
      ...assumptions,
      carriedFrom(carried),
      ...(filtered
        ? ["the change is explained for the whole store, with each product's and channel's part"]
        : []),
    ]);
  }
  // "make a discount for it": proposals over the same period; "for the worst one": for the
  // product the previous answer ranked weakest (or, "the best one", strongest).
  if (ACTION.test(text)) {
    const which = WORST.test(text) ? "worst" : BEST.test(text) ? "best" : null;
    if (which) {
      const ranked = previous!.ranked ?? [];
      const chosen = which === "worst" ? ranked[0] : ranked.at(-1);
      if (!chosen) {
        return askBack(
          spec.range,
          `Your previous answer ranked no products, so I cannot tell which is the ${which} ` +
            'one. Name the product, for example "make a discount for the Trail Runner".',
        );
      }
      return reading("discount_candidates", {
        ...spec,
        dimensions: [],
        filters: { productIds: [chosen.productId] },
        range,
        comparison: null,
        sort: null,
        limit: null,
      }, [
        ...assumptions,
        `"the ${which} one" read as ${chosen.title}, the ${
          which === "worst" ? "weakest" : "strongest"
        } product of your previous answer`,
      ]);
    }
    return reading("discount_candidates", { ...spec, range, comparison: null }, [
      ...assumptions,
      carriedFrom(carried),
    ]);
  }

  // The figures: those named replace the previous ones, on the same scope.
  let metrics = spec.metrics;
  if (named.length) {
    const family = METRICS[named[0]!].family;
    metrics = named.filter((m) => METRICS[m].family === family);
    changed.push("figures");
  } else {
    carried.push(listOf(metrics.map((m) => METRICS[m].label.toLowerCase())));
  }

  // The split.
  let dimension: Dimension | null = spec.dimensions[0] ?? null;
  const split = DIMENSION_WORDS.find(([pattern]) => pattern.test(text))?.[1] ?? null;
  if (TOTAL.test(text)) {
    dimension = null;
    changed.push("split");
  } else if (split) {
    dimension = split;
    changed.push("split");
  } else if (dimension) {
    carried.push(`by ${DIMENSION_NAMES[dimension].one}`);
  }

  // Filters: a channel, a product by its name, or all of them again.
  const filters = { ...spec.filters };
  const channel = channelFilter(text);
  if (channel.sourceName) {
    filters.sourceName = channel.sourceName;
    changed.push("filter");
  } else if (ALL_CHANNELS.test(text) && filters.sourceName) {
    delete filters.sourceName;
    changed.push("filter");
  } else if (filters.sourceName) {
    carried.push(`${filters.sourceName} orders`);
  }
  const product = productNamed(question, options.products ?? []);
  if (product) {
    filters.productIds = [product.id];
    delete filters.collectionId;
    changed.push("filter");
    // One product split by product is one row: that split goes unless asked for again.
    if (!split && (dimension === "product" || dimension === "variant")) dimension = null;
  } else if (ALL_PRODUCTS.test(text) && (filters.productIds || filters.collectionId)) {
    delete filters.productIds;
    delete filters.collectionId;
    changed.push("filter");
  } else if (filters.productIds?.length) {
    const title = options.products?.find((p) => p.id === filters.productIds![0])?.title;
    carried.push(title ?? "the same products");
  }

  if (changed.length === 0) {
    // Nothing recognisable changed: ask rather than repeat or guess. (The previous question is
    // not quoted: its numbers are not facts of this answer.)
    return askBack(
      spec.range,
      "I could not tell what to change in your previous question. Say a period, a " +
        'figure, a split or a filter, for example "and the week before?", "by product", ' +
        '"only online orders" or "and orders?".',
    );
  }

  // A figure that cannot be split this way keeps the figure and drops the split, said.
  if (dimension) {
    const splittable = metrics.filter((m) =>
      (METRICS[m].dimensions as readonly string[]).includes(dimension!)
    );
    if (splittable.length === 0) {
      assumptions.push(
        `${METRICS[metrics[0]!].label} cannot be split by ${
          DIMENSION_NAMES[dimension].one
        }: shown for the whole store`,
      );
      dimension = null;
    } else if (splittable.length < metrics.length) {
      assumptions.push(
        `${
          listOf(metrics.filter((m) => !splittable.includes(m)).map((m) => METRICS[m].label))
        } cannot be split by ${DIMENSION_NAMES[dimension].one}`,
      );
      metrics = splittable;
    }
  }
  const ranked = dimension && !TIME_DIMENSIONS.includes(dimension);
  const sortKept = spec.sort && metrics.includes(spec.sort.metric) ? spec.sort : null;
  const next = {
    metrics,
    dimensions: dimension ? [dimension] : [],
    filters,
    range,
    comparison: METRICS[metrics[0]!].family === "inventory" ? null : comparison,
    sort: ranked ? sortKept ?? { metric: metrics[0]!, direction: "desc" as const } : null,
    limit: ranked ? spec.limit ?? 10 : null,
  };
  return reading("metric_query", next, [...assumptions, carriedFrom(carried)]);
}

/** A follow-up that cannot be resolved: the answer asks what was meant, never guesses. */
function askBack(range: DateRange, question: string): QuestionReading {
  return {
    intent: "unanswerable",
    spec: null,
    range,
    comparison: null,
    assumptions: [],
    declined: question,
  };
}

function reading(
  intent: QuestionReading["intent"],
  spec: unknown,
  assumptions: string[],
): QuestionReading {
  const parsed = QuerySpecSchema.parse(spec);
  return {
    intent,
    spec: parsed,
    range: parsed.range,
    comparison: parsed.comparison,
    assumptions: assumptions.filter(Boolean),
    declined: null,
  };
}

/** "net sales by product, 3–9 November 2026, from your previous question". */
function carriedFrom(carried: string[]): string {
  return carried.length ? `${carried.join(", ")}, from your previous question` : "";
}

function listOf(words: string[]): string {
  return words.length <= 1
    ? words.join("")
    : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}
