/**
 * The offline planner: with no LLM configured, rules read the question and
 * make the same kind of plan an LLM would. Deterministic: the same question on
 * the same shop day always gives the same plan. Dates are the shop's
 * (`today` is the shop's current date), weeks run Monday to Sunday.
 */
import type { DateRange } from "../metrics/scope.ts";
import { type Intent, type Plan, PlanSchema, type Task } from "./plan.ts";

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The range a question names, relative to the shop's `today`; the last 30 days by default. */
export function rangeOf(question: string, today: string): DateRange {
  const q = question.toLowerCase();
  const now = Date.parse(`${today}T00:00:00Z`);
  const weekday = (new Date(now).getUTCDay() + 6) % 7; // Monday 0
  const d = new Date(now);
  const monthStart = (offset: number) => Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + offset, 1);
  const lastDays = /\b(?:last|past)\s+(\d{1,3})\s+days?\b/.exec(q);
  if (lastDays) {
    const n = Math.min(Math.max(Number(lastDays[1]), 1), 366);
    return { from: iso(now - (n - 1) * DAY), to: today };
  }
  if (/\byesterday\b/.test(q)) return { from: iso(now - DAY), to: iso(now - DAY) };
  if (/\btoday\b/.test(q)) return { from: today, to: today };
  if (/\b(last|previous|past) week\b/.test(q)) {
    const monday = now - (weekday + 7) * DAY;
    return { from: iso(monday), to: iso(monday + 6 * DAY) };
  }
  if (/\bthis week\b/.test(q)) return { from: iso(now - weekday * DAY), to: today };
  if (/\b(last|previous|past) month\b/.test(q)) {
    return { from: iso(monthStart(-1)), to: iso(monthStart(0) - DAY) };
  }
  if (/\bthis month\b/.test(q)) return { from: iso(monthStart(0)), to: today };
  if (/\b(last|past) year\b|\b12 months\b/.test(q)) {
    return { from: iso(now - 364 * DAY), to: today };
  }
  if (/\bthis year\b|\bytd\b|year to date/.test(q)) {
    return { from: `${d.getUTCFullYear()}-01-01`, to: today };
  }
  return { from: iso(now - 29 * DAY), to: today };
}

/** The same number of days just before `range`. */
export function previousPeriod(range: DateRange): DateRange {
  const from = Date.parse(`${range.from}T00:00:00Z`);
  const days = Math.round((Date.parse(`${range.to}T00:00:00Z`) - from) / DAY) + 1;
  return { from: iso(from - days * DAY), to: iso(from - DAY) };
}

const RULES: Array<[Intent, RegExp]> = [
  [
    "customer_service",
    /\b(refund|return|exchange)\w*.*(#\s?\d{3,}|\border\b|@)|(#\s?\d{3,}|@\S+\.\w+)/,
  ],
  ["catalog_audit", /\b(catalog|catalogue|description|seo|image|photo|sku|listing)s?\b/],
  [
    "discount_candidates",
    /\b(discount|clearance|overstock|slow[- ]moving|slow movers?|mark ?down|dead stock)\b/,
  ],
  [
    "explain_change",
    /\bwhy\b|\b(drop|dropped|decline|declined|fell|fall|down|dip|increase|increased|spike|jump|change)\b/,
  ],
  [
    "customer_insights",
    /\b(customer|customers|repeat|retention|cohort|ltv|lifetime|loyal|returning)\b/,
  ],
  ["product_ranking", /\b(top|best|bestsell\w*|worst|most popular|least)\b/],
];

export function intentOf(question: string): Intent {
  const q = question.toLowerCase();
  return RULES.find(([, pattern]) => pattern.test(q))?.[0] ?? "sales_overview";
}

/** A plan for `question` on the shop day `today`, validated like any planner's. */
export function planOffline(question: string, today: string): Plan {
  return planFor(question, intentOf(question), rangeOf(question, today));
}

/**
 * The departments and task inputs for an intent and range. Both planners end
 * here: a model chooses the intent and the dates, and the tasks follow from
 * them by rule, since their inputs are typed contracts of the departments.
 */
export function planFor(
  question: string,
  intent: Intent,
  range: DateRange,
  comparison?: DateRange,
): Plan {
  const comparisonRange = intent === "explain_change" || intent === "sales_overview"
    ? comparison ?? previousPeriod(range)
    : undefined;
  const retrieve: Task = {
    department: "data_retrieval",
    taskKey: "retrieve",
    input: { range, comparisonRange },
    required: true,
  };
  const task = (
    department: Task["department"],
    taskKey: string,
    input: Record<string, unknown>,
    required = true,
  ): Task => ({ department, taskKey, input, required });
  const byIntent: Record<Intent, Task[]> = {
    sales_overview: [
      task("quantitative", "sales", { kpis: ["sales", "sales_by_day"], range, comparisonRange }),
      task("qualitative", "narrative", {}),
    ],
    explain_change: [
      task("quantitative", "sales", { kpis: ["sales", "sales_by_day"], range, comparisonRange }),
      task("comparative", "drivers", { range, comparisonRange, by: ["product", "source"] }),
      task("qualitative", "narrative", {}),
      task("recommendation", "actions", {}, false),
    ],
    product_ranking: [
      task("quantitative", "products", { kpis: ["sales_by_product"], range, limit: 10 }),
      task("qualitative", "narrative", {}),
    ],
    discount_candidates: [
      task("quantitative", "inventory", { kpis: ["inventory", "sales_by_product"], range }),
      task("recommendation", "discounts", { actionType: "create_discount_code" }),
      task("qualitative", "narrative", {}),
    ],
    customer_insights: [
      task("quantitative", "customers", { kpis: ["new_vs_returning", "cohorts", "ltv"], range }),
      task("qualitative", "narrative", {}),
    ],
    customer_service: [
      task("customer_service", "lookup", {
        orderNumber: /#\s?(\d{3,})/.exec(question)?.[1] ?? null,
        email: /[\w.+-]+@[\w-]+\.[\w.-]+/.exec(question)?.[0]?.toLowerCase() ?? null,
        wantsRefund: /\b(refund|return)\w*/i.test(question),
        wantsReplacement: /\b(replace|replacement|exchange|resend|re-?ship)\w*/i.test(question),
      }),
      // Passes a policy-checked refund or replacement on as a proposal.
      task("recommendation", "refund", {}, false),
      task("qualitative", "narrative", {}),
    ],
    catalog_audit: [
      task("catalog_quality", "audit", {}),
      task("recommendation", "catalog_fixes", { actionType: "update_product_seo" }, false),
      task("qualitative", "narrative", {}),
    ],
  };
  return PlanSchema.parse({
    intent,
    range,
    ...(comparisonRange ? { comparisonRange } : {}),
    tasks: [retrieve, ...byIntent[intent]],
  });
}
