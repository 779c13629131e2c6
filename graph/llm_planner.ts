/**
 * The model planner: the model reads the question into the same reading the
 * offline parser makes — an intent and a query spec over the metric catalog —
 * by structured output. Its reply is validated with the same zod schemas and
 * against the calendar (no future days, at most a year); a reply that fails
 * falls back to the offline parser, and the plan says which planner made it.
 */
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { z } from "zod";
import { callModel, type ChosenModel, jsonIn, OFFLINE_MODEL } from "../agents/llm.ts";
import type { Logger } from "../log/logger.ts";
import { addDays } from "../metrics/calendar.ts";
import { MAX_HORIZON_DAYS } from "../metrics/forecast.ts";
import { type NamedProduct, productNamed } from "../metrics/product_names.ts";
import { ANSWERABLE_SUMMARY, DIMENSIONS, METRIC_NAMES, METRICS } from "../metrics/catalog.ts";
import { QuerySpecSchema, SortSchema } from "../metrics/query_spec.ts";
import { DateRangeSchema, FiltersSchema } from "../metrics/scope.ts";
import { DATA_RULES, dataBlock } from "../agents/prompts.ts";
import { type ConversationContext, planFor, planOffline } from "./offline_planner.ts";
import type { Plan } from "../agents/plan.ts";
import type { QuestionReading } from "./question_parser.ts";

const READING_INTENTS = [
  "metric_query",
  "explain_change",
  "discount_candidates",
  "customer_service",
  "catalog_audit",
  "forecast",
  "stockout",
  "unanswerable",
] as const;

/** The model's reply: a reading, shaped like the spec so both are validated alike. */
export const ModelReading = z.object({
  intent: z.enum(READING_INTENTS),
  metrics: z.array(z.enum(METRIC_NAMES)).max(8).default([]),
  dimensions: z.array(z.enum(DIMENSIONS)).max(1).default([]),
  filters: FiltersSchema.default({}),
  range: DateRangeSchema.nullish(),
  comparisonRange: DateRangeSchema.nullish(),
  sort: SortSchema.nullish(),
  limit: z.number().int().min(1).max(50).nullish(),
  assumptions: z.array(z.string().max(300)).max(10).default([]),
  declined: z.string().max(500).nullish(),
  /** forecast: a figure to reach over the range ("will I hit $50k"). */
  target: z.number().positive().nullish(),
});

export const PLANNER_SYSTEM_PROMPT = [
  "You plan the analysis of a Shopify merchant's question: read it into a query over their",
  "store's data. Intents:",
  "metric_query (any figure below: totals, splits, rankings, comparisons, trends),",
  "explain_change (why a figure rose or fell), discount_candidates (what to discount or clear),",
  "customer_service (a specific order or customer, refunds and returns), catalog_audit (listing",
  "quality: descriptions, images, SEO, SKUs), forecast (a figure ahead: netSales, orders or",
  "unitsSold over a future period, or the chance of reaching `target` over it), stockout (when stock runs out; range.to is a deadline such as",
  "the day before Christmas, when one is asked), unanswerable (anything the metrics cannot",
  "answer: weather, ads, traffic, net income; put the reason in `declined`).",
  `Metrics: ${METRIC_NAMES.map((m) => `${m} (${METRICS[m].definition})`).join("; ")}.`,
  `Dimensions (at most one): ${DIMENSIONS.join(", ")}.`,
  "Dates are inclusive days of the shop's calendar, never after today (but for forecast and",
  `stockout: at most ${MAX_HORIZON_DAYS} days ahead), at most 366 days; weeks`,
  "run Monday to Sunday. Never substitute one metric for another: if the question asks for gross",
  "sales, the metric is grossSales. List every reading that was not literal in `assumptions`.",
  'Reply with JSON only: {"intent": "...", "metrics": ["..."], "dimensions": [], "filters": {},',
  '"range": {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}, "comparisonRange": null, "sort": null,',
  '"limit": null, "assumptions": [], "declined": null, "target": null}.',
  "A question may follow an earlier one of the same conversation, given inside <data> with its",
  'reading: "and the week before?", "by product", "only online orders", "and AOV?" change that',
  "reading and keep the rest; say in `assumptions` what was carried over. If a follow-up cannot",
  "be resolved, use unanswerable and ask in `declined` what was meant.",
  DATA_RULES,
].join(" ");

export interface PlannedBy {
  plan: Plan;
  planner: string;
}

/** A model's reply as a reading, or a thrown error saying why it is unusable. */
export function readingOfReply(
  text: string,
  today: string,
  asked: { question: string; products: NamedProduct[] } = { question: "", products: [] },
): QuestionReading {
  const reply = ModelReading.parse(jsonIn(text));
  const days = (r: { from: string; to: string }) =>
    (Date.parse(r.to) - Date.parse(r.from)) / 86_400_000 + 1;
  const ahead = reply.intent === "forecast" || reply.intent === "stockout";
  const latest = addDays(today, MAX_HORIZON_DAYS - 1);
  for (const r of [reply.range, reply.comparisonRange].filter((r) => r != null)) {
    if (r.to > (ahead ? latest : today)) throw new RangeError(`range ends too late (${r.to})`);
    if (days(r) > 366) throw new RangeError("range longer than a year");
  }
  if (ahead) return predictionOf(reply, today, asked);
  const assumptions = [...reply.assumptions];
  let range = reply.range ?? null;
  if (!range) {
    range = { from: addDays(today, -29), to: today };
    assumptions.push("no period named: the last 30 days");
  }
  if (reply.intent === "unanswerable") {
    return {
      intent: "unanswerable",
      spec: null,
      range,
      comparison: null,
      assumptions,
      declined: `${reply.declined ?? "I cannot answer that from your store's data."} ` +
        `I can answer questions about ${ANSWERABLE_SUMMARY}.`,
    };
  }
  const spec = QuerySpecSchema.parse({
    metrics: reply.metrics.length ? reply.metrics : ["netSales", "orders", "averageOrderValue"],
    dimensions: reply.dimensions,
    filters: reply.filters,
    range,
    comparison: reply.comparisonRange ?? null,
    sort: reply.sort ?? null,
    limit: reply.limit ?? null,
  });
  return {
    intent: reply.intent,
    spec,
    range,
    comparison: spec.comparison,
    assumptions,
    declined: null,
  };
}

/** A model's forecast or stock-out reading, in the offline reader's shape. */
function predictionOf(
  reply: z.infer<typeof ModelReading>,
  today: string,
  asked: { question: string; products: NamedProduct[] },
): QuestionReading {
  // The model never sees the catalog: a product is the one the question names, by its title.
  const named = productNamed(asked.question, asked.products);
  const productIds = named ? [named.id] : undefined;
  const assumptions = [...reply.assumptions];
  if (reply.intent === "stockout") {
    const range = { from: today, to: reply.range?.to ?? addDays(today, MAX_HORIZON_DAYS - 1) };
    return {
      intent: "stockout",
      spec: QuerySpecSchema.parse({
        metrics: ["daysOfCover"],
        filters: productIds ? { productIds } : {},
        range,
      }),
      range,
      comparison: null,
      assumptions,
      declined: null,
      predict: {
        kind: "stockout",
        ...(productIds ? { productIds } : {}),
        ...(reply.range ? { by: reply.range.to } : {}),
      },
    };
  }
  const measure = (["orders", "unitsSold"] as const).find((m) => reply.metrics.includes(m)) ??
    "netSales";
  let range = reply.range;
  if (!range || range.to < today) {
    range = { from: today, to: addDays(today, 29) };
    assumptions.push("no period ahead named: the next 30 days from today");
  }
  return {
    intent: "forecast",
    spec: QuerySpecSchema.parse({
      metrics: [measure],
      filters: productIds ? { productIds } : {},
      range,
    }),
    range,
    comparison: null,
    assumptions,
    declined: null,
    predict: {
      kind: "forecast",
      measure,
      range,
      ...(productIds ? { productId: productIds[0] } : {}),
      ...(reply.target ? { target: reply.target } : {}),
    },
  };
}

export async function planWithModel(
  chosen: ChosenModel,
  question: string,
  today: string,
  log: Logger,
  calendar: { dayFirst?: boolean } = {},
  conversation: ConversationContext = { previous: null, products: [] },
): Promise<PlannedBy> {
  // This conversation's previous turn only: its question and reading, as data.
  const previous = conversation.previous
    ? `\nThe previous question of this conversation and its reading:\n${
      dataBlock({
        question: conversation.previous.prompt,
        intent: conversation.previous.plan.intent,
        spec: conversation.previous.plan.spec ?? null,
      })
    }\n`
    : "";
  try {
    const text = await callModel(
      chosen,
      [
        new SystemMessage(PLANNER_SYSTEM_PROMPT),
        new HumanMessage(
          `Today is ${today}. This shop writes dates ${
            calendar.dayFirst ? "day first (3/10 is 3 October)" : "month first (3/10 is 10 March)"
          }.${previous} Question: ${question}`,
        ),
      ],
      log,
      "plan",
    );
    return {
      plan: planFor(
        question,
        readingOfReply(text, today, { question, products: conversation.products }),
      ),
      planner: chosen.name,
    };
  } catch (error) {
    log.warn("model plan unusable; planning offline", { error, model: chosen.name });
    return {
      plan: planOffline(question, today, calendar, conversation),
      planner: `${OFFLINE_MODEL}; ${chosen.name} gave no usable plan`,
    };
  }
}
