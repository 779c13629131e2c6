/**
 * An insight in words: its title and summary (the numbers the check
 * measured, written through the one formatter), its severity, and the
 * question the analysis pipeline is asked to explain it. The question names
 * its dates and compares with the same days a week earlier, so a Tuesday is
 * not explained against a Monday.
 */
import { addDays, describeRange } from "../metrics/calendar.ts";
import type { DateRange } from "../metrics/scope.ts";
import type { AnomalyMeasure, Finding } from "../metrics/anomalies.ts";
import type { StockPosition } from "../metrics/demand.ts";
import { formatAmount, type Unit } from "../metrics/format.ts";

export type InsightKind = "anomaly" | "digest" | "forecast" | "stockout";
export type Severity = "info" | "warning" | "critical";

export interface InsightDraft {
  kind: InsightKind;
  cause: string;
  severity: Severity;
  title: string;
  summary: string;
  range: DateRange;
  facts: Record<string, unknown>;
  /** What the analysis pipeline is asked, to explain it. */
  prompt: string;
}

const MEASURES: Record<AnomalyMeasure, { label: string; unit: Unit; question: string }> = {
  netSales: { label: "Net sales", unit: "money", question: "net sales" },
  orders: { label: "Orders", unit: "count", question: "orders" },
  averageOrderValue: {
    label: "Average order value",
    unit: "money",
    question: "average order value",
  },
  refunds: { label: "Refunds", unit: "money", question: "refunds" },
  unitsSold: { label: "Units sold", unit: "count", question: "units sold by product" },
};

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const weekday = (day: string) => WEEKDAYS[new Date(`${day}T00:00:00Z`).getUTCDay()]!;

/** "Tuesday 1 December 2026" for a day, "30 November – 6 December 2026" for a span. */
function when(range: DateRange): string {
  return range.from === range.to
    ? `${weekday(range.from)} ${describeRange(range)}`
    : describeRange(range);
}

/** The same days a week earlier. */
const weekEarlier = (r: DateRange): DateRange => ({
  from: addDays(r.from, -7),
  to: addDays(r.to, -7),
});

const percent = (change: number) => formatAmount(Math.abs(change), "ratio");

export function describeFinding(
  finding: Finding,
  currency: string | null,
  productTitle?: string,
): InsightDraft {
  const a = finding.anomaly;
  const range = { from: a.from, to: a.to };
  const m = MEASURES[a.measure];
  // Expected counts are whole: "363 orders", not 362.68.
  const amount = (v: number) =>
    formatAmount(m.unit === "count" ? Math.round(v) : v, m.unit, { currency });
  const facts = {
    measure: a.measure,
    actual: a.actual,
    expected: a.expected,
    lower95: a.lower95,
    upper95: a.upper95,
    change: a.change,
    direction: a.direction,
    ...(finding.productId ? { productId: finding.productId, productTitle } : {}),
  };
  const comparison = `compared with ${describeRange(weekEarlier(range))}`;
  if (finding.cause.startsWith("stall:")) {
    const name = productTitle ?? "A best seller";
    return {
      kind: "anomaly",
      cause: finding.cause,
      severity: "critical",
      title: `${name} stopped selling`,
      summary: `${name} sold nothing ${range.from === range.to ? "on" : "from"} ${
        when(range)
      }; about ${Math.round(a.expected)} units were expected.`,
      range,
      facts,
      prompt: `Why did units sold by product fall ${
        range.from === range.to ? `on ${when(range)}` : `from ${when(range)}`
      } ${comparison}?`,
    };
  }
  const verb = a.direction === "down" ? "fell" : "rose";
  const subject = finding.productId ? `${productTitle ?? "A best seller"}'s units sold` : m.label;
  const week = a.from !== a.to;
  const on = week ? `in the week of ${when(range)}` : `on ${when(range)}`;
  const bad = a.direction === "down" ? a.measure !== "refunds" : a.measure === "refunds";
  return {
    kind: "anomaly",
    cause: finding.cause,
    severity: bad ? (Math.abs(a.change) >= 0.5 ? "critical" : "warning") : "info",
    title: `${subject} ${verb} ${percent(a.change)} ${
      week ? "last week" : `on ${weekday(a.from)}`
    }`,
    // Sales, orders, refunds and units are plural; an average is one figure.
    summary: `${subject} ${a.measure === "averageOrderValue" ? "was" : "were"} ${
      amount(a.actual)
    } ${on}, ${percent(a.change)} ${a.direction === "down" ? "below" : "above"} the ${
      amount(a.expected)
    } expected (95% range ${amount(a.lower95)}–${amount(a.upper95)}).`,
    range,
    facts,
    prompt: `Why did ${m.question} ${a.direction === "down" ? "fall" : "rise"} ${
      week ? `from ${describeRange(range)}` : `on ${describeRange(range)}`
    } ${comparison}?`,
  };
}

export function describeStockout(
  position: StockPosition,
  day: string,
): InsightDraft {
  const name = position.variantTitle && position.variantTitle !== "Default Title"
    ? `${position.productTitle} – ${position.variantTitle}`
    : position.productTitle;
  const range = { from: day, to: day };
  return {
    kind: "stockout",
    cause: `stockout:${position.variantId}`,
    severity: "critical",
    title: `${name} is out of stock`,
    summary: `${name} has ${
      formatAmount(position.onHand, "count")
    } on hand and sold ${position.recentUnits} in the last 28 days: it is one of your best sellers.`,
    range,
    facts: {
      productId: position.productId,
      variantId: position.variantId,
      onHand: position.onHand,
      recentUnits: position.recentUnits,
    },
    prompt: `Which products sold the most units from ${
      describeRange({ from: addDays(day, -27), to: day })
    }?`,
  };
}

export interface WeekTotals {
  netSales: number;
  orders: number;
  previousNetSales: number;
  previousOrders: number;
}

/** The weekly digest of the week `range` (Monday to Sunday). */
export function describeWeek(
  range: DateRange,
  totals: WeekTotals,
  currency: string | null,
): InsightDraft {
  const change = (now: number, before: number) =>
    before > 0
      ? ` (${now >= before ? "+" : "−"}${percent((now - before) / before)} on the week before)`
      : "";
  return {
    kind: "digest",
    // One a week: a digest is not a cause that goes on.
    cause: `digest:${range.from}`,
    severity: "info",
    title: `Your week: ${describeRange(range)}`,
    summary: `Net sales ${formatAmount(totals.netSales, "money", { currency })}${
      change(totals.netSales, totals.previousNetSales)
    }, ${formatAmount(totals.orders, "count")} orders${
      change(totals.orders, totals.previousOrders)
    }.`,
    range,
    facts: { ...totals },
    prompt: `How did my store do from ${describeRange(range)} ${`compared with ${
      describeRange(weekEarlier(range))
    }`}?`,
  };
}
