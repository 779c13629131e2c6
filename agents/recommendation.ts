/**
 * Recommendation Generation (seed 000 §6, class 2): turns what earlier stages
 * computed into concrete recommendations and candidate actions with their
 * parameters. Written as rules over computed facts, not by a model, so a
 * proposal's every parameter is traceable and nothing in shop data (a product
 * title, a note) can ask for an action and get it.
 *
 * - slow stock (many days of cover, or stock and no sales): a time-boxed
 *   percentage discount on those products, deeper the slower they move;
 * - a fall in sales: a short win-back discount on the products that fell most;
 * - every discount stays within each product's margin: never below its cost
 *   (a product whose margin cannot take even 10 % is left out), and the
 *   proposal carries the thinnest margin it leaves, or says it is unknown;
 * - catalog gaps: SEO title and description written from the product's own fields;
 * - refunds: passed through from Customer Service, already policy-checked.
 */
import { RunnableLambda } from "@langchain/core/runnables";
import type { CandidateAction } from "../actions/action_types.ts";
import type { CatalogIssueRow } from "./catalog_quality.ts";
import { type DepartmentInput, type DepartmentResult, emptyResult, merged } from "./department.ts";
import { type Fact, formatFact } from "./facts.ts";

const DAY = 86_400_000;
const addDays = (iso: string, n: number) =>
  new Date(Date.parse(`${iso}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);

/** Deeper discounts for slower stock; never above 30 % from this rule. */
export function discountFor(daysOfCover: number | null): number {
  if (daysOfCover === null || daysOfCover > 180) return 0.3;
  if (daysOfCover > 90) return 0.2;
  return 0.1;
}

interface StockRow {
  productId: string;
  title: string;
  onHand: number;
  daysOfCover: number | null;
  tags: string[];
  lowestMargin: number | null;
}

const DEPTHS = [0.3, 0.2, 0.1];

/**
 * The discount a product can take: `depth`, or the deepest lower step its
 * margin covers, so its price never goes below cost; null when not even the
 * smallest step fits. An unknown margin (no cost in Shopify) keeps `depth`.
 */
export function depthWithinMargin(depth: number, margin: number | null): number | null {
  if (margin === null) return depth;
  return DEPTHS.find((d) => d <= depth && d <= margin + 1e-9) ?? null;
}

/**
 * The thinnest margin `depth` off leaves across products (each's margin at
 * full price): 1 − (1 − margin) ÷ (1 − depth). Null when a margin is unknown.
 */
export function marginLeft(depth: number, margins: Array<number | null>): number | null {
  if (margins.some((m) => m === null)) return null;
  const left = Math.min(...(margins as number[]).map((m) => 1 - (1 - m) / (1 - depth)));
  return Math.round(left * 10_000) / 10_000;
}

export function recommendationDepartment() {
  return RunnableLambda.from((input: DepartmentInput): DepartmentResult => {
    const all = merged(input.prior);
    const result = emptyResult();
    const { today } = input;
    const stamp = today.slice(5).replace("-", "");
    const percentFact = (id: string, label: string, value: number): Fact => {
      const fact: Fact = { id, label, value, unit: "ratio", provenance: null };
      result.facts.push(fact);
      return fact;
    };

    // Slow stock → one discount per depth, on the slowest products with stock. Products the
    // merchant named ("a discount for the worst one") are offered whether slow or not.
    const stock = (all.tables.slowStock?.rows ?? []) as unknown as StockRow[];
    const named = new Set(
      (input.task.input.filters as { productIds?: string[] } | undefined)?.productIds ?? [],
    );
    for (const row of stock.filter((r) => named.has(r.productId))) {
      if (row.onHand <= 0) {
        result.findings.push(
          `${row.title} is out of stock: restock it first, a discount cannot sell what is not there.`,
        );
      } else if (depthWithinMargin(0.1, row.lowestMargin ?? null) === null) {
        result.findings.push(
          `${row.title}'s margin cannot take the smallest discount without selling below cost: no discount proposed.`,
        );
      }
    }
    const slow = stock
      .filter((r) =>
        r.onHand > 0 && (named.has(r.productId) || r.daysOfCover === null || r.daysOfCover > 60)
      )
      .filter((r) => !r.tags.some((t) => t.toLowerCase() === "final-sale"))
      .slice(0, 6);
    const byDepth = new Map<number, StockRow[]>();
    for (const row of slow) {
      const depth = depthWithinMargin(discountFor(row.daysOfCover), row.lowestMargin ?? null);
      if (depth === null) continue; // even 10 % would sell it below cost
      byDepth.set(depth, [...(byDepth.get(depth) ?? []), row]);
    }
    for (const [depth, rows] of [...byDepth].sort((a, b) => b[0] - a[0])) {
      const pct = Math.round(depth * 100);
      const fact = percentFact(`recommendation.discount${pct}`, "Recommended discount", depth);
      const names = rows.map((r) => r.title).join(", ");
      result.findings.push(
        `Offer ${formatFact(fact)} off ${
          rows.length === 1 ? "a slow seller" : "slow sellers"
        } (${names}) for two weeks to turn stock into cash.`,
      );
      result.candidates.push({
        key: `discount.slow.${pct}`,
        actionType: "create_discount_code",
        description: `${pct}% off ${names}, ${today} to ${addDays(today, 14)}`,
        parameters: {
          code: `SLOW${pct}-${stamp}`,
          title: `Slow movers ${pct}% (${today})`,
          percentage: depth,
          productIds: rows.map((r) => r.productId),
          startsAt: today,
          endsAt: addDays(today, 14),
          marginLeft: marginLeft(depth, rows.map((r) => r.lowestMargin ?? null)),
        },
      });
    }

    // A fall in sales → a one-week win-back offer on the products that fell most.
    const drivers = (all.tables.drivers?.rows ?? []) as Array<
      {
        productId: string;
        title: string;
        change: number;
        lowestMargin?: number | null;
        onHand?: number | null;
      }
    >;
    const soldOut = (d: { onHand?: number | null }) => d.onHand != null && d.onHand <= 0;
    // A product that fell because it sold out needs stock, not a discount on what cannot ship.
    const restock = drivers.filter((d) => d.change < 0 && soldOut(d)).slice(0, 3);
    if (input.plan.intent === "explain_change" && restock.length > 0) {
      const names = restock.map((d) => d.title).join(", ");
      result.findings.push(
        `Restock ${names} first: ${
          restock.length === 1 ? "it is" : "they are"
        } out of stock, so a discount would not bring those sales back.`,
      );
    }
    const fallers = drivers.filter((d) => d.change < 0 && !soldOut(d))
      .filter((d) => depthWithinMargin(0.1, d.lowestMargin ?? null) !== null)
      .slice(0, 3);
    if (input.plan.intent === "explain_change" && fallers.length > 0) {
      const fact = percentFact("recommendation.winback", "Recommended win-back discount", 0.1);
      const names = fallers.map((f) => f.title).join(", ");
      result.findings.push(
        `A one-week ${formatFact(fact)} offer on ${names} can test whether demand comes back.`,
      );
      result.candidates.push({
        key: "discount.winback",
        actionType: "create_discount_code",
        description: `10% off ${names} for one week, ${today} to ${addDays(today, 7)}`,
        parameters: {
          code: `BACK10-${stamp}`,
          title: `Win-back 10% (${today})`,
          percentage: 0.1,
          productIds: fallers.map((f) => f.productId),
          startsAt: today,
          endsAt: addDays(today, 7),
          marginLeft: marginLeft(0.1, fallers.map((f) => f.lowestMargin ?? null)),
        },
      });
    }

    // Catalog gaps → SEO fields from the product's own title, type and vendor.
    const issues = (all.tables.catalogIssues?.rows ?? []) as unknown as CatalogIssueRow[];
    const shopName = String(all.tables.shop?.rows[0]?.name ?? "");
    for (
      const row of issues.filter((r) => r.issues.some((i) => i.startsWith("missing SEO"))).slice(
        0,
        5,
      )
    ) {
      const title = shopName ? `${row.title} | ${shopName}` : row.title;
      const details = [row.productType, row.vendor && `by ${row.vendor}`].filter(Boolean).join(" ");
      const description = row.description.length >= 40
        ? row.description
        : `Shop ${row.title}${details ? `, ${details}` : ""}${shopName ? ` at ${shopName}` : ""}.`;
      result.candidates.push({
        key: `seo.${row.productId}`,
        actionType: "update_product_seo",
        description: `Fill in the SEO title and description of ${row.title}`,
        parameters: {
          productId: row.productId,
          seoTitle: title.slice(0, 70),
          seoDescription: description.replace(/\s+/g, " ").slice(0, 160),
        },
      });
    }
    if (issues.length > 0) {
      result.findings.push("Fix the listings with the most gaps first: they cost search traffic.");
    }

    // Refunds and replacements Customer Service already checked against the policy.
    result.candidates.push(
      ...all.candidates.filter((c: CandidateAction) =>
        c.actionType === "refund_order" || c.actionType === "create_draft_order"
      ),
    );
    return result;
  }).withConfig({ runName: "recommendation_generation" });
}
