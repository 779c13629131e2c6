/**
 * The offline writer: with no model configured, templates per intent word
 * the computed facts and the findings of the departments. Deterministic, and
 * every number it writes comes from a fact through `formatFact`, so it always
 * passes the grounding check.
 */
import type { Intent, Plan } from "../graph/plan.ts";
import type { DepartmentResult, Narrative } from "./department.ts";
import { type Fact, factOf, formatFact } from "./facts.ts";
import { OFFLINE_MODEL } from "./llm.ts";

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

const BY_INTENT: Record<Intent, (r: DepartmentResult, plan: Plan, currency: string) => string[]> = {
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
