/**
 * The offline writer: with no model configured, templates per intent word
 * the computed facts and the findings of the departments. Deterministic, and
 * every number it writes comes from a fact through `formatFact`, so it always
 * passes the grounding check.
 */
import { describeRange } from "../metrics/calendar.ts";
import type { Intent, Plan } from "./plan.ts";
import { DIMENSION_NAMES, type MetricName, METRICS, TIME_DIMENSIONS } from "../metrics/catalog.ts";
import type { DepartmentResult, Narrative } from "./department.ts";
import { type Fact, factOf, formatFact } from "./facts.ts";
import { OFFLINE_MODEL } from "./llm.ts";
import { FACT_ID } from "./quantitative.ts";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const day = (iso: string) => `${MONTHS[Number(iso.slice(5, 7)) - 1]} ${Number(iso.slice(8, 10))}`;
export const spanOf = (range: { from: string; to: string }) =>
  range.from === range.to ? `on ${day(range.from)}` : `from ${day(range.from)} to ${day(range.to)}`;

function salesSentence(facts: Fact[], plan: Plan, currency: string): string | null {
  const net = factOf(facts, "sales.netSales");
  if (!net) return null;
  const f = (fact: Fact) => formatFact(fact, currency);
  const orders = factOf(facts, "sales.orders");
  const aov = factOf(facts, "sales.averageOrderValue");
  const change = factOf(facts, "sales.netSales.change");
  const previous = factOf(facts, "sales.netSales.previous");
  let text = `Net sales were ${f(net)} ${spanOf(plan.range)}`;
  if (change && previous) {
    const direction = change.value < 0 ? "down" : "up";
    text += `, ${direction} ${formatFact({ ...change, value: Math.abs(change.value) })} on the ${
      f(previous)
    } of the period before`;
  }
  if (orders && aov) text += `, from ${f(orders)} orders averaging ${f(aov)}`;
  return `${text}.`;
}

const lower = (label: string) => label[0]!.toLowerCase() + label.slice(1);
const list = (items: string[]) =>
  items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;

/**
 * A spec's answer. The first sentence names the figures and the period as
 * computed ("Orders were 1,083 in 1–31 October 2026"), then the comparison,
 * then the groups the question ranked.
 */
function metricSentences(r: DepartmentResult, plan: Plan, currency: string): string[] {
  const spec = plan.spec;
  if (!spec) return [];
  const f = (fact: Fact) => formatFact(fact, currency);
  const dates = describeRange(spec.range);
  // "on 1 December 2026" for a day, "in 23–29 November 2026" for a span.
  const period = `${spec.range.from === spec.range.to ? "on" : "in"} ${dates}`;
  const totals = spec.metrics.map((m) => [m, factOf(r.facts, FACT_ID[m])] as const)
    .filter((pair): pair is readonly [MetricName, Fact] => Boolean(pair[1]));
  const sentences: string[] = [];
  const overview = ["netSales", "orders", "averageOrderValue"];
  if (totals.length === 3 && totals.every(([m], i) => m === overview[i])) {
    const [net, orders, aov] = totals.map(([, fact]) => fact) as [Fact, Fact, Fact];
    sentences.push(
      `Net sales were ${f(net)} ${period}, from ${f(orders)} orders averaging ${f(aov)}.`,
    );
  } else if (totals.length === 1) {
    const [metric, fact] = totals[0]!;
    const plural = /s$/.test(METRICS[metric].label) && metric !== "averageOrderValue";
    sentences.push(`${METRICS[metric].label} ${plural ? "were" : "was"} ${f(fact)} ${period}.`);
  } else if (totals.length > 1) {
    sentences.push(
      `${period[0]!.toUpperCase()}${period.slice(1)}: ${
        list(totals.map(([m, fact]) => `${lower(METRICS[m].label)} ${f(fact)}`))
      }.`,
    );
  }
  if (spec.comparison) {
    const changes = totals.map(([metric]) => {
      const id = FACT_ID[metric];
      const previous = factOf(r.facts, `${id}.previous`);
      const change = factOf(r.facts, `${id}.change`);
      if (!previous) return null;
      const label = lower(METRICS[metric].label);
      if (!change) return `${label} ${f(previous)} before`;
      const direction = change.value < 0 ? "down" : change.value > 0 ? "up" : "unchanged";
      return direction === "unchanged"
        ? `${label} unchanged`
        : `${label} ${direction} ${formatFact({ ...change, value: Math.abs(change.value) })} on ${
          f(previous)
        }`;
    }).filter((s): s is string => Boolean(s));
    if (changes.length) {
      sentences.push(
        `Against ${describeRange(spec.comparison)}: ${list(changes)}.`,
      );
    }
  }
  const table = r.tables.breakdown;
  const dimension = spec.dimensions[0];
  if (table && dimension && !TIME_DIMENSIONS.includes(dimension)) {
    const metric = spec.sort?.metric ?? spec.metrics[0]!;
    const named = table.rows.slice(0, 5).map((row) => {
      const fact = factOf(r.facts, `${dimension}.${row.key}.${metric}`);
      return `${row.title}${fact ? ` (${f(fact)})` : ""}`;
    });
    const things = DIMENSION_NAMES[dimension].many;
    if (!named.length) {
      sentences.push(`No ${things} to show ${period}.`);
    } else if (METRICS[metric].family === "inventory") {
      const what = metric === "daysOfCover"
        ? "closest to running out, at the rate they sold in"
        : metric === "sellThrough"
        ? "selling slowest for their stock, over"
        : "with the most stock, by sales over";
      sentences.push(`The products ${what} ${dates}: ${named.join(", ")}.`);
    } else {
      const order = spec.sort?.direction === "asc" ? "Lowest" : "Top";
      sentences.push(
        `${order} ${things} by ${lower(METRICS[metric].label)} ${period}: ${
          named.join(", then ")
        }.`,
      );
    }
  }
  return sentences;
}

const BY_INTENT: Record<Intent, (r: DepartmentResult, plan: Plan, currency: string) => string[]> = {
  metric_query: (r, plan, c) => [...metricSentences(r, plan, c), ...r.findings],
  unanswerable: (_r, plan) => [plan.declined ?? "I cannot answer that from your store's data."],
  sales_overview: (r, plan, c) => [salesSentence(r.facts, plan, c) ?? "", ...r.findings],
  explain_change: (r, plan, c) => [salesSentence(r.facts, plan, c) ?? "", ...r.findings],
  product_ranking: (r, plan, c) => {
    const top = (r.tables.topProducts?.rows ?? []).slice(0, 5) as Array<
      { productId: string; title: string }
    >;
    if (!top.length) return [`No products sold ${spanOf(plan.range)}.`];
    const items = top.map((p) => {
      const fact = factOf(r.facts, `product.${p.productId}.netSales`);
      return `${p.title}${fact ? ` (${formatFact(fact, c)})` : ""}`;
    });
    return [`Your best sellers by net sales ${spanOf(plan.range)} were ${items.join(", then ")}.`];
  },
  discount_candidates: (r, plan, c) => {
    const slow = (r.tables.slowStock?.rows ?? []).filter((s) =>
      (s as { onHand: number }).onHand > 0
    );
    return [
      slow.length
        ? `Some products are selling slowly for the stock on hand (sales ${spanOf(plan.range)}).`
        : "No product is overstocked for its rate of sale.",
      ...r.findings,
      salesSentence(r.facts, plan, c) ?? "",
    ];
  },
  customer_insights: (r, plan, c) => {
    const n = (id: string) => factOf(r.facts, id);
    const parts: string[] = [];
    const fresh = n("customers.new"),
      back = n("customers.returning"),
      rate = n("customers.repeatRate");
    if (fresh && back) {
      parts.push(
        `${spanOf(plan.range)[0]!.toUpperCase()}${spanOf(plan.range).slice(1)}, ${
          formatFact(fresh)
        } new and ${formatFact(back)} returning customers ordered.`,
      );
    }
    if (rate) parts.push(`The repeat purchase rate is ${formatFact(rate)}.`);
    const ltv = n("customers.lifetimeValue");
    if (ltv) {
      parts.push(`Customers acquired in the period are worth ${formatFact(ltv, c)} each so far.`);
    }
    return [...parts, ...r.findings];
  },
  customer_service: (r) => r.findings,
  forecast: (r) => r.findings,
  stockout: (r) => r.findings,
  catalog_audit: (r) => {
    const n = (id: string) => factOf(r.facts, id)?.value ?? 0;
    const products = factOf(r.facts, "catalog.products");
    if (!products) return r.findings;
    const gaps = [
      [n("catalog.noDescription"), "have no description"],
      [n("catalog.noImage"), "have no image"],
      [n("catalog.noSeo"), "miss SEO fields"],
      [n("catalog.deadStock"), "have stock but no sales in 90 days"],
    ].filter(([count]) => (count as number) > 0).map(([count, what]) => `${count} ${what}`);
    const dupes = n("catalog.duplicateSkus");
    return [
      gaps.length
        ? `Of ${formatFact(products)} active products, ${gaps.join(", ")}.`
        : `All ${formatFact(products)} active products have descriptions, images and SEO fields.`,
      ...(dupes ? [`${dupes} SKUs are used by more than one variant.`] : []),
      ...r.findings,
    ];
  },
};

/** The summary and the one- or two-sentence speech for Siri, from facts and findings. */
export function writeOffline(all: DepartmentResult, plan: Plan, currency: string): Narrative {
  const sentences = BY_INTENT[plan.intent](all, plan, currency).map((s) => s.trim()).filter(
    Boolean,
  );
  const summary = sentences.join(" ") || "There is no data for this question yet.";
  return {
    summary,
    speech: speechOf(all, plan, currency) ?? sentences[0] ?? summary,
    model: OFFLINE_MODEL,
  };
}

/** One short sentence for Siri: the headline figure and, for a change, its main cause. */
function speechOf(all: DepartmentResult, plan: Plan, currency: string): string | null {
  // Siri says why, not the whole list of what can be asked.
  if (plan.intent === "unanswerable" && plan.declined) {
    return /^.*?[.!?](?=\s|$)/.exec(plan.declined)?.[0] ?? plan.declined;
  }
  if (plan.intent !== "sales_overview" && plan.intent !== "explain_change") return null;
  const net = factOf(all.facts, "sales.netSales");
  if (!net) return null;
  const change = factOf(all.facts, "sales.netSales.change");
  let text = `Net sales were ${formatFact(net, currency)} ${spanOf(plan.range)}`;
  if (change) {
    text += `, ${change.value < 0 ? "down" : "up"} ${
      formatFact({ ...change, value: Math.abs(change.value) })
    }`;
  }
  const cause = all.findings.map((f) => /mostly from ([a-z ]+) \(/.exec(f)?.[1]).find(Boolean);
  return `${text}${cause ? `, mostly from ${cause}` : ""}.`;
}
