/**
 * The orchestrator's plan: what the merchant asked (intent and the query spec
 * of the semantic layer), over which days, every assumption made in reading
 * it, and which departments do what. An LLM planner's structured output and
 * the offline parser's both pass this schema before anything is dispatched.
 */
import { z } from "zod";
import { QuerySpecSchema } from "../metrics/query_spec.ts";
import { DateRangeSchema } from "../metrics/scope.ts";

export const DEPARTMENTS = [
  "data_retrieval",
  "quantitative",
  "comparative",
  "qualitative",
  "recommendation",
  "customer_service",
  "catalog_quality",
  "predictive",
] as const;
export type Department = typeof DEPARTMENTS[number];

export const INTENTS = [
  /** Any figure of the metric catalog: totals, splits, rankings, comparisons. */
  "metric_query",
  /** Outside what Alatar knows: declined with what it can answer. */
  "unanswerable",
  "sales_overview",
  "explain_change",
  "product_ranking",
  "discount_candidates",
  "customer_insights",
  "customer_service",
  "catalog_audit",
  /** A figure ahead: a forecast over a period, or pacing toward a target. */
  "forecast",
  /** When stock runs out at forecast demand. */
  "stockout",
] as const;
export type Intent = typeof INTENTS[number];

export const TaskSchema = z.object({
  department: z.enum(DEPARTMENTS),
  /** Unique within the request: dispatch is idempotent by it. */
  taskKey: z.string().regex(/^[a-z0-9_.-]{1,64}$/),
  input: z.record(z.string(), z.unknown()).default({}),
  /** A failed required task fails the request; an optional one is left out of the answer. */
  required: z.boolean().default(true),
});
export type Task = z.infer<typeof TaskSchema>;

export const PlanSchema = z.object({
  intent: z.enum(INTENTS),
  range: DateRangeSchema,
  /** The period a change is measured against (explain_change, comparisons). */
  comparisonRange: DateRangeSchema.optional(),
  /** What the Quantitative department computes (metric_query). */
  spec: QuerySpecSchema.optional(),
  /** Every reading of the question that was not literal, in words for the merchant. */
  assumptions: z.array(z.string().max(300)).max(20).default([]),
  /** Why an unanswerable question is declined. */
  declined: z.string().max(1000).optional(),
  tasks: z.array(TaskSchema).min(1).max(12),
}).refine(
  (plan) => new Set(plan.tasks.map((t) => t.taskKey)).size === plan.tasks.length,
  "task keys must be unique",
);
export type Plan = z.infer<typeof PlanSchema>;
