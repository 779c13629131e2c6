/**
 * One answer to a question asked across several stores ("sales last week
 * across all my stores", "compare my US and EU stores"), built in code from
 * each store's own completed answer: a table by store, a chart, and totals.
 *
 * Money is added up only when every store sells in the same currency. With
 * different currencies each store's money stays in its own currency, side by
 * side, and the answer says why: Alatar invents no exchange rate. Counts
 * (orders, units, customers) add up whatever the currency. Averages and rates
 * (average order value, refund rate, margins) are never added: they are shown
 * per store. Customers are counted per store, so a person who bought from two
 * stores counts in each.
 */
import type { Fact } from "../agents/facts.ts";
import { FACT_ID } from "../agents/quantitative.ts";
import { describeRange } from "../metrics/calendar.ts";
import { type MetricName, METRICS } from "../metrics/catalog.ts";
import { formatAmount } from "../metrics/format.ts";
import type { Visualization } from "./visualizations.ts";

/** What a store's own request left: its status, and its result when it completed. */
export interface StoreAnswer {
  requestId: string;
  linkedAccountId: string;
  shop: string;
  status: "completed" | "failed" | "cancelled";
  errorMessage: string | null;
  result: {
    summary: string;
    currency?: string | null;
    model?: string;
    rawData?: { plan?: { spec?: { metrics?: string[] } }; facts?: Fact[] };
    interpretation?: {
      text: string;
      range: { from: string; to: string } | null;
      comparisonRange: { from: string; to: string } | null;
      timezone: string;
      assumptions: string[];
      metrics: string[];
      dimensions: string[];
      answerable: boolean;
    };
  } | null;
}

/** Metrics whose store figures add up to the figure of all the stores together. */
const ADDITIVE = new Set<MetricName>([
  "grossSales",
  "discounts",
  "returns",
  "netSales",
  "shipping",
  "taxes",
  "totalSales",
  "orders",
  "unitsSold",
  "unitsReturned",
  "costOfGoodsSold",
  "grossProfit",
  "newCustomers",
  "returningCustomers",
  "onHand",
]);

/** What a store breakdown shows when the stores' answers name no figure (a ranking, a forecast). */
const DEFAULT_METRICS: MetricName[] = ["netSales", "orders", "averageOrderValue"];

export type Combined =
  | { ok: true; result: Record<string, unknown> }
  | { ok: false; message: string };

export function combineStoreAnswers(question: string, answers: StoreAnswer[]): Combined {
  const done = answers.filter((a) => a.status === "completed" && a.result);
  if (done.length === 0) {
    return {
      ok: false,
      message: `None of your stores could be analysed: ${
        answers.map((a) => `${a.shop}: ${a.errorMessage ?? a.status}`).join("; ")
      }.`,
    };
  }
  const missed = answers.filter((a) => !done.includes(a));
  const first = done[0]!.result!;
  const asked = (first.rawData?.plan?.spec?.metrics ?? []).filter((m): m is MetricName =>
    m in FACT_ID
  );
  const factsOf = (a: StoreAnswer) =>
    new Map((a.result!.rawData?.facts ?? []).map((f) => [f.id, f]));
  const stores = done.map((a) => ({
    answer: a,
    facts: factsOf(a),
    currency: a.result!.currency ?? null,
  }));
  const metrics = (asked.length ? asked : DEFAULT_METRICS).filter((m) =>
    stores.some((s) => s.facts.has(FACT_ID[m]))
  );
  const currencies = [...new Set(stores.map((s) => s.currency).filter(Boolean))] as string[];
  const oneCurrency = currencies.length <= 1 ? currencies[0] ?? null : null;

  const valueOf = (store: (typeof stores)[number], m: MetricName) =>
    store.facts.get(FACT_ID[m])?.value as number | undefined;
  const totals = new Map<MetricName, number>();
  for (const m of metrics) {
    const unit = METRICS[m].unit;
    if (!ADDITIVE.has(m) || (unit === "money" && currencies.length > 1)) continue;
    const values = stores.map((s) => valueOf(s, m));
    if (values.every((v) => typeof v === "number")) {
      totals.set(m, Math.round((values as number[]).reduce((a, b) => a + b, 0) * 100) / 100);
    }
  }

  const amount = (m: MetricName, value: number | undefined, currency: string | null) =>
    value === undefined ? "—" : formatAmount(value, METRICS[m].unit, { currency });
  const interpretation = first.interpretation;
  const period = interpretation?.range ? ` (${describeRange(interpretation.range)})` : "";
  const lines: string[] = [];
  const storeCount = `${done.length} store${done.length === 1 ? "" : "s"}`;
  for (const m of metrics) {
    const label = METRICS[m].label;
    const each = stores.map((s) => `${s.answer.shop} ${amount(m, valueOf(s, m), s.currency)}`)
      .join(", ");
    if (totals.has(m)) {
      lines.push(
        `${label} across your ${storeCount}${period}: ${
          amount(m, totals.get(m), oneCurrency)
        } (${each}).`,
      );
    } else {
      lines.push(`${label}${period}, store by store: ${each}.`);
    }
  }
  if (currencies.length > 1) {
    lines.push(
      `Your stores sell in ${currencies.join(" and ")}, so their money is shown side by side in ` +
        "each store's own currency and not added up: Alatar does not invent an exchange rate.",
    );
  }
  if (metrics.some((m) => !ADDITIVE.has(m))) {
    lines.push("Averages and rates are each store's own: they are not added across stores.");
  }
  for (const a of missed) {
    lines.push(`${a.shop} could not be answered: ${a.errorMessage ?? a.status}.`);
  }

  const facts: Fact[] = [];
  for (const s of stores) {
    for (const m of metrics) {
      const value = valueOf(s, m);
      if (value === undefined) continue;
      facts.push({
        id: `store.${s.answer.linkedAccountId}.${FACT_ID[m]}`,
        label: `${METRICS[m].label} of ${s.answer.shop}`,
        value,
        unit: METRICS[m].unit,
        provenance: s.facts.get(FACT_ID[m])?.provenance ?? null,
      });
    }
  }
  for (const [m, value] of totals) {
    facts.push({
      id: `total.${FACT_ID[m]}`,
      label: `${METRICS[m].label} of all stores`,
      value,
      unit: METRICS[m].unit,
      provenance: null,
    });
  }

  const visualizations: Visualization[] = [];
  const kpis = metrics.filter((m) => totals.has(m));
  if (kpis.length) {
    visualizations.push({
      type: "KPI",
      title: "All stores",
      data: {
        items: kpis.map((m) => ({
          label: METRICS[m].label,
          value: totals.get(m)!,
          unit: METRICS[m].unit,
        })),
      },
    });
  }
  const chartable = metrics.find((m) => METRICS[m].unit !== "money" || oneCurrency !== null) ??
    null;
  if (chartable) {
    visualizations.push({
      type: "BAR_CHART",
      title: `${METRICS[chartable].label} by store`,
      data: {
        unit: METRICS[chartable].unit,
        bars: stores.map((s) => ({ label: s.answer.shop, value: valueOf(s, chartable) ?? null })),
      },
    });
  }
  visualizations.push({
    type: "TABLE",
    title: "By store",
    data: {
      columns: [
        { key: "store", label: "Store" },
        { key: "currency", label: "Currency" },
        ...metrics.map((m) => ({ key: m, label: METRICS[m].label })),
      ],
      rows: [
        ...stores.map((s) => ({
          store: s.answer.shop,
          currency: s.currency,
          ...Object.fromEntries(metrics.map((m) => [m, valueOf(s, m) ?? null])),
        })),
        ...(totals.size
          ? [{
            store: "All stores",
            currency: oneCurrency,
            ...Object.fromEntries(metrics.map((m) => [m, totals.get(m) ?? null])),
          }]
          : []),
      ],
    },
  });

  const summary = lines.join(" ");
  return {
    ok: true,
    result: {
      summary,
      speech: lines[0] ?? summary,
      visualizations,
      rawData: {
        stores: answers.map((a) => ({
          linkedAccountId: a.linkedAccountId,
          shop: a.shop,
          requestId: a.requestId,
          status: a.status,
          currency: a.result?.currency ?? null,
        })),
        facts,
      },
      model: `combined in code from each store's answer (${first.model ?? "offline"})`,
      // Null when the stores' currencies differ: each amount is in its own store's.
      currency: oneCurrency,
      interpretation: {
        ...(interpretation ?? {
          answerable: true,
          metrics,
          dimensions: [],
          range: null,
          comparisonRange: null,
          timezone: "UTC",
          assumptions: [],
        }),
        text: `${interpretation?.text ?? question}, across ${
          stores.map((s) => s.answer.shop).join(" and ")
        }`,
      },
    },
  };
}
