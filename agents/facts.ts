/**
 * What departments hand each other and the writer: facts (single computed
 * numbers, each with its provenance) and tables (rows for charts). An answer
 * may state a number only if it is one of the facts (see graph/grounding.ts).
 */
import type { Provenance } from "../metrics/scope.ts";

export type FactUnit = "money" | "count" | "ratio" | "days";

/** One computed number an answer may cite. */
export interface Fact {
  /** Stable within a request, e.g. `sales.netSales` or `sales.netSales.change`. */
  id: string;
  label: string;
  value: number;
  unit: FactUnit;
  provenance: Provenance | null;
}

export interface Table {
  provenance: Provenance | null;
  rows: Array<Record<string, unknown>>;
  /** What a query spec's breakdown was split by (day, product, channel …) and its columns. */
  dimension?: string;
  columns?: Array<{ key: string; label: string; unit: FactUnit }>;
}

/** Formats a fact the way the offline writer states it (and the grounding check accepts). */
export function formatFact(fact: Pick<Fact, "value" | "unit">, currency = "USD"): string {
  switch (fact.unit) {
    case "money":
      return new Intl.NumberFormat("en-US", {
        style: "currency",
        currency,
        maximumFractionDigits: Math.abs(fact.value) >= 1000 ? 0 : 2,
      }).format(fact.value);
    case "ratio": {
      const pct = fact.value * 100;
      return `${Number.isInteger(Math.round(pct * 10) / 10) ? pct.toFixed(0) : pct.toFixed(1)}%`;
    }
    case "days":
      return `${Math.round(fact.value)} days`;
    case "count":
      return new Intl.NumberFormat("en-US").format(fact.value);
  }
}

/** The fact with this id, if any. */
export function factOf(facts: Fact[], id: string): Fact | undefined {
  return facts.find((f) => f.id === id);
}
