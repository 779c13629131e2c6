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
});

export const PLANNER_SYSTEM_PROMPT = [
  "You plan the analysis of a Shopify merchant's question: read it into a query over their",
  "store's data. Intents:",
  "metric_query (any figure below: totals, splits, rankings, comparisons, trends),",
  "explain_change (why a figure rose or fell), discount_candidates (what to discount or clear),",
  "customer_service (a specific order or customer, refunds and returns), catalog_audit (listing",
  "quality: descriptions, images, SEO, SKUs), unanswerable (anything the metrics cannot answer:",
  "weather, ads, traffic, profit, forecasts; put the reason in `declined`).",
  `Metrics: ${METRIC_NAMES.map((m) => `${m} (${METRICS[m].definition})`).join("; ")}.`,
  `Dimensions (at most one): ${DIMENSIONS.join(", ")}.`,
  "Dates are inclusive days of the shop's calendar, never after today, at most 366 days; weeks",
  "run Monday to Sunday. Never substitute one metric for another: if the question asks for gross",
  "sales, the metric is grossSales. List every reading that was not literal in `assumptions`.",
  'Reply with JSON only: {"intent": "...", "metrics": ["..."], "dimensions": [], "filters": {},',
  '"range": {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}, "comparisonRange": null, "sort": null,',
  '"limit": null, "assumptions": [], "declined": null}.',
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
export function readingOfReply(text: string, today: string): QuestionReading {
  const reply = ModelReading.parse(jsonIn(text));
  const days = (r: { from: string; to: string }) =>
    (Date.parse(r.to) - Date.parse(r.from)) / 86_400_000 + 1;
  for (const r of [reply.range, reply.comparisonRange].filter((r) => r != null)) {
    if (r.to > today) throw new RangeError(`range ends after today (${r.to})`);
    if (days(r) > 366) throw new RangeError("range longer than a year");
  }
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
    return { plan: planFor(question, readingOfReply(text, today)), planner: chosen.name };
  } catch (error) {
    log.warn("model plan unusable; planning offline", { error, model: chosen.name });
    return {
      plan: planOffline(question, today, calendar, conversation),
      planner: `${OFFLINE_MODEL}; ${chosen.name} gave no usable plan`,
    };
  }
}
