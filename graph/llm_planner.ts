/**
 * The model planner: the model reads the question and chooses the intent and
 * the dates; {@link planFor} turns them into tasks. Its reply is validated
 * with zod and against the calendar (no future days, at most a year); a reply
 * that fails falls back to the offline planner, and the plan says which
 * planner made it.
 */
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { z } from "zod";
import { callModel, type ChosenModel, jsonIn, OFFLINE_MODEL } from "../agents/llm.ts";
import type { Logger } from "../log/logger.ts";
import { DateRangeSchema } from "../metrics/scope.ts";
import { planFor, planOffline } from "./offline_planner.ts";
import { INTENTS, type Plan } from "./plan.ts";

const ModelPlan = z.object({
  intent: z.enum(INTENTS),
  range: DateRangeSchema,
  comparisonRange: DateRangeSchema.nullish(),
});

export const PLANNER_SYSTEM_PROMPT = [
  "You plan the analysis of a Shopify merchant's question. Choose one intent:",
  "sales_overview (how are sales), explain_change (why did something rise or fall),",
  "product_ranking (best or worst products), discount_candidates (what to discount or clear),",
  "customer_insights (new vs returning, retention, lifetime value), customer_service (a specific",
  "order or customer, refunds and returns), catalog_audit (listing quality: descriptions,",
  "images, SEO, SKUs). Choose the date range the question means, in the shop's calendar, never",
  "after today, at most 366 days; for explain_change also the period to compare with.",
  'Reply with JSON only: {"intent": "...", "range": {"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"},',
  '"comparisonRange": {"from": "...", "to": "..."} or null}.',
].join(" ");

export interface PlannedBy {
  plan: Plan;
  planner: string;
}

export async function planWithModel(
  chosen: ChosenModel,
  question: string,
  today: string,
  log: Logger,
): Promise<PlannedBy> {
  try {
    const text = await callModel(
      chosen,
      [
        new SystemMessage(PLANNER_SYSTEM_PROMPT),
        new HumanMessage(`Today is ${today}. Question: ${question}`),
      ],
      log,
      "plan",
    );
    const reply = ModelPlan.parse(jsonIn(text));
    const days = (r: { from: string; to: string }) =>
      (Date.parse(r.to) - Date.parse(r.from)) / 86_400_000 + 1;
    for (const r of [reply.range, reply.comparisonRange].filter((r) => r != null)) {
      if (r.to > today) throw new RangeError(`range ends after today (${r.to})`);
      if (days(r) > 366) throw new RangeError("range longer than a year");
    }
    return {
      plan: planFor(question, reply.intent, reply.range, reply.comparisonRange ?? undefined),
      planner: chosen.name,
    };
  } catch (error) {
    log.warn("model plan unusable; planning offline", { error, model: chosen.name });
    return {
      plan: planOffline(question, today),
      planner: `${OFFLINE_MODEL}; ${chosen.name} gave no usable plan`,
    };
  }
}
