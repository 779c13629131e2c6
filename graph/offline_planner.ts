/**
 * Plans from a reading of the question. The offline parser
 * (graph/question_parser.ts) or a model (graph/llm_planner.ts) reads the
 * question into an intent and a query spec; {@link planFor} turns that reading
 * into department tasks by rule, since task inputs are typed contracts of the
 * departments. Deterministic: the same reading always gives the same plan.
 */
import { previousPeriod } from "../metrics/calendar.ts";
import { type Plan, PlanSchema, type Task } from "../agents/plan.ts";
import { type PreviousTurn, readFollowUp } from "./follow_up.ts";
import type { NamedProduct } from "../metrics/product_names.ts";
import { type QuestionReading, readQuestion } from "./question_parser.ts";

/** What came before a question in its conversation. */
export interface ConversationContext {
  previous: PreviousTurn | null;
  /** The shop's products, for follow-ups that name one ("only the Trail Runner"). */
  products: NamedProduct[];
}

/**
 * A plan for `question` on the shop day `today`, read without a model: as a follow-up of the
 * conversation's previous turn when it leans on it, otherwise on its own.
 */
export function planOffline(
  question: string,
  today: string,
  calendar: { dayFirst?: boolean } = {},
  conversation: ConversationContext = { previous: null, products: [] },
): Plan {
  const followUp = readFollowUp(question, today, conversation.previous, {
    ...calendar,
    products: conversation.products,
  });
  return planFor(
    question,
    followUp ?? readQuestion(question, today, { ...calendar, products: conversation.products }),
  );
}

/** The departments and task inputs for a reading of `question`. */
export function planFor(question: string, reading: QuestionReading): Plan {
  const { range, intent, spec } = reading;
  // A change is explained against the period before it, whoever read the question.
  const comparisonRange = reading.comparison ??
    (intent === "explain_change" ? previousPeriod(range) : undefined);
  const task = (
    department: Task["department"],
    taskKey: string,
    input: Record<string, unknown>,
    required = true,
  ): Task => ({ department, taskKey, input, required });
  const retrieve = task("data_retrieval", "retrieve", { range, comparisonRange });
  const narrative = task("qualitative", "narrative", {});
  const sales = () =>
    task("quantitative", "sales", { kpis: ["sales", "sales_by_day"], range, comparisonRange });
  const tasksOf = (): Task[] => {
    switch (intent) {
      case "unanswerable":
        return [narrative];
      case "metric_query":
        return [retrieve, task("quantitative", "metrics", { spec }), narrative];
      case "explain_change":
        return [
          retrieve,
          sales(),
          task("comparative", "drivers", { range, comparisonRange, by: ["product", "source"] }),
          narrative,
          task("recommendation", "actions", {}, false),
        ];
      case "discount_candidates": {
        // Products named ("a discount for the Trail Runner", "for the worst one"): those only.
        const named = spec?.filters.productIds?.length
          ? { filters: { productIds: spec.filters.productIds } }
          : {};
        return [
          retrieve,
          task("quantitative", "inventory", {
            kpis: ["inventory", "sales_by_product"],
            range,
            ...named,
          }),
          task("recommendation", "discounts", { actionType: "create_discount_code", ...named }),
          narrative,
        ];
      }
      case "customer_service":
        return [
          retrieve,
          task("customer_service", "lookup", {
            orderNumber: /#\s?(\d{3,})|\border\s+(?:number\s+)?(\d{3,})/i.exec(question)
              ?.slice(1).find(Boolean) ?? null,
            email: /[\w.+-]+@[\w-]+\.[\w.-]+/.exec(question)?.[0]?.toLowerCase() ?? null,
            wantsRefund: /\b(refund|return)\w*/i.test(question),
            wantsReplacement: /\b(replace|replacement|exchange|resend|re-?ship)\w*/i.test(question),
          }),
          // Passes a policy-checked refund or replacement on as a proposal.
          task("recommendation", "refund", {}, false),
          narrative,
        ];
      case "forecast":
      case "stockout":
        return [retrieve, task("predictive", intent, reading.predict ?? {}), narrative];
      case "catalog_audit":
        return [
          retrieve,
          task("catalog_quality", "audit", {}),
          task("recommendation", "catalog_fixes", { actionType: "update_product_seo" }, false),
          narrative,
        ];
      // Plans stored before the query spec existed name these; new readings never do.
      case "sales_overview":
      case "product_ranking":
      case "customer_insights":
        return [retrieve, sales(), narrative];
    }
  };
  return PlanSchema.parse({
    intent,
    range,
    ...(comparisonRange ? { comparisonRange } : {}),
    ...(spec ? { spec } : {}),
    assumptions: reading.assumptions,
    ...(reading.declined ? { declined: reading.declined } : {}),
    tasks: tasksOf(),
  });
}
