/**
 * What a question was read as, by the offline parser, the follow-up reader,
 * the forecast reader or a model: the intent, the query spec, the days, and
 * every assumption made. The planner turns it into department tasks.
 */
import type { Intent } from "../agents/plan.ts";
import type { PredictiveInput } from "../agents/predictive.ts";
import type { QuerySpec } from "../metrics/query_spec.ts";
import type { DateRange } from "../metrics/scope.ts";

export interface QuestionReading {
  intent: Intent;
  /** What to compute; every intent has one but `unanswerable`. */
  spec: QuerySpec | null;
  range: DateRange;
  comparison: DateRange | null;
  assumptions: string[];
  /** Why the question cannot be answered, for the merchant. */
  declined: string | null;
  /** What the Predictive department computes (forecast and stockout). */
  predict?: PredictiveInput;
}
