/**
 * What was computed, said back to the merchant with every answer
 * (`AnalysisResult.interpretation`): the figures, the exact inclusive days in
 * the shop's timezone, the comparison, and every assumption made in reading
 * the question. Derived from the plan alone, so it states what the
 * departments were asked to compute, not what a writer says they did.
 */
import { describeRange } from "../metrics/calendar.ts";
import { DIMENSION_NAMES, METRICS } from "../metrics/catalog.ts";
import type { DateRange } from "../metrics/scope.ts";
import type { Plan } from "../agents/plan.ts";

export interface Interpretation {
  text: string;
  answerable: boolean;
  metrics: string[];
  dimensions: string[];
  range: DateRange | null;
  comparisonRange: DateRange | null;
  timezone: string;
  assumptions: string[];
}

/** "America/New_York" → "New York time"; UTC stays "UTC". */
export function timezoneInWords(timezone: string): string {
  if (timezone === "UTC" || timezone === "Etc/UTC") return "UTC";
  return `${timezone.split("/").at(-1)!.replaceAll("_", " ")} time`;
}

export function interpretationOf(plan: Plan, timezone: string): Interpretation {
  if (plan.intent === "unanswerable") {
    return {
      text: "Not answerable from the store's data",
      answerable: false,
      metrics: [],
      dimensions: [],
      range: null,
      comparisonRange: null,
      timezone,
      assumptions: plan.assumptions,
    };
  }
  const metrics = plan.spec?.metrics ?? [];
  const ahead = plan.intent === "forecast" || plan.intent === "stockout";
  const dimensions = plan.spec?.dimensions ?? [];
  const labels = metrics.map((m, i) => i ? METRICS[m].label.toLowerCase() : METRICS[m].label);
  const what = labels.length
    ? labels.length === 1 ? labels[0]! : `${labels.slice(0, -1).join(", ")} and ${labels.at(-1)}`
    : {
      explain_change: "Why sales changed",
      discount_candidates: "Products to discount",
      customer_service: "An order or customer",
      catalog_audit: "Catalog quality",
    }[
      plan.intent as string
    ] ?? "Sales";
  const comparison = plan.comparisonRange ?? plan.spec?.comparison ?? null;
  const parts = [
    plan.intent === "stockout"
      ? "When stock runs out"
      : `${what}${ahead ? " forecast" : ""}${
        dimensions.length ? ` by ${dimensions.map((d) => DIMENSION_NAMES[d].one).join(", ")}` : ""
      }`,
    describeRange(plan.range),
    ...(comparison ? [`compared with ${describeRange(comparison)}`] : []),
    timezoneInWords(timezone),
  ];
  return {
    text: parts.join(", "),
    answerable: true,
    metrics,
    dimensions,
    range: plan.range,
    comparisonRange: comparison,
    timezone,
    assumptions: plan.assumptions,
  };
}
