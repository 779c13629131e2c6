/**
 * What departments hand each other and the writer: facts (single computed
 * numbers, each with its provenance) and tables (rows for charts). An answer
 * may state a number only if it is one of the facts (see agents/grounding.ts).
 */
import { formatAmount, type Unit } from "../metrics/format.ts";
import type { Provenance } from "../metrics/scope.ts";

export type FactUnit = Unit;

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

/**
 * A fact as the writers state it (and the grounding check accepts). Money needs the shop's
 * currency: there is no default, so an amount is never written in dollars by accident.
 */
export function formatFact(fact: Pick<Fact, "value" | "unit">, currency?: string): string {
  if (fact.unit === "money" && !currency) {
    throw new Error("formatFact: a money fact needs the shop's currency");
  }
  return formatAmount(fact.value, fact.unit, { currency });
}

/** The fact with this id, if any. */
export function factOf(facts: Fact[], id: string): Fact | undefined {
  return facts.find((f) => f.id === id);
}
