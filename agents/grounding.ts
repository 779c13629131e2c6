/**
 * The grounding check: every number an answer states must be one the
 * departments computed. A writer (an LLM or the offline templates) may round
 * and format — "$12,345", "12.3k", "−18%" — but may not invent. Sentences
 * with a number that matches no fact are dropped, and the outcome is kept
 * with the result so it can be audited.
 *
 * Numbers that are part of dates ("Nov 9", "2026-11-15", a year) and order
 * numbers ("#1042") are not figures and are not checked.
 */
import type { Fact, Table } from "./facts.ts";

export interface StatedNumber {
  text: string;
  value: number;
  percent: boolean;
}

const MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec";
const DATE_PATTERNS = [
  /\b\d{4}-\d{2}-\d{2}\b/g,
  new RegExp(
    `\\b(?:${MONTHS})[a-z]*\\.?\\s+\\d{1,2}\\b(?:\\s*[–-]\\s*\\d{1,2}\\b)?(?:,?\\s+\\d{4})?`,
    "gi",
  ),
  new RegExp(
    `\\b\\d{1,2}(?:\\s*[–-]\\s*\\d{1,2})?\\s+(?:${MONTHS})[a-z]*\\.?(?:\\s+\\d{4})?`,
    "gi",
  ),
  /\b(?:19|20)\d{2}\b/g,
  /#\s?\d+/g,
];

/** The figures a text states, with dates and order numbers left out. */
export function statedNumbers(text: string): StatedNumber[] {
  let rest = text;
  for (const pattern of DATE_PATTERNS) rest = rest.replace(pattern, " ");
  const found: StatedNumber[] = [];
  // Digits glued to letters ("FREE100", "SKU42") are codes, not figures.
  const number =
    /(?<![A-Za-z0-9_])([-−]?)\$?\s?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s?(k|m)?\b\s?(%|percent)?/gi;
  for (const match of rest.matchAll(number)) {
    const [raw, sign, whole, fraction, scale, percent] = match;
    let value = Number(`${whole!.replaceAll(",", "")}${fraction ?? ""}`);
    if (scale?.toLowerCase() === "k") value *= 1_000;
    if (scale?.toLowerCase() === "m") value *= 1_000_000;
    if (sign) value = -value;
    found.push({ text: raw!.trim(), value, percent: Boolean(percent) });
  }
  return found;
}

/** How a fact may be written: the value at the precisions a writer uses. */
function acceptable(fact: Fact): Array<{ value: number; percent: boolean; tolerance: number }> {
  if (fact.unit === "ratio") {
    const pct = fact.value * 100;
    return [{ value: pct, percent: true, tolerance: 0.051 }, {
      value: Math.abs(pct),
      percent: true,
      tolerance: 0.51,
    }];
  }
  const v = fact.value;
  return [
    { value: v, percent: false, tolerance: 0.0051 },
    { value: Math.abs(v), percent: false, tolerance: 0.51 }, // whole units, sign in words
    { value: v, percent: false, tolerance: Math.abs(v) >= 1_000 ? Math.abs(v) * 0.005 + 50 : 0.51 }, // "12.3k"
  ];
}

export function isGrounded(stated: StatedNumber, facts: Fact[]): boolean {
  return facts.some((fact) =>
    acceptable(fact).some((a) =>
      a.percent === stated.percent &&
      (Math.abs(stated.value - a.value) <= a.tolerance ||
        Math.abs(Math.abs(stated.value) - Math.abs(a.value)) <= a.tolerance)
    )
  );
}

export interface GroundingReport {
  /** Numbers stated and found among the facts. */
  grounded: number;
  /** Numbers stated that no fact supports. */
  unsupported: string[];
  /** Sentences removed because they stated an unsupported number. */
  dropped: string[];
}

/**
 * Keeps the sentences whose every number is a computed fact; reports the rest.
 * `names` are strings taken verbatim from shop data (product titles, order
 * names, discount codes): digits inside them ("Mug 2.0", "Pack of 3") are
 * part of a name, not a figure.
 */
export function groundText(
  text: string,
  facts: Fact[],
  names: string[] = [],
): { text: string; report: GroundingReport } {
  const longestFirst = [...new Set(names.filter((n) => /\d/.test(n)))].sort((a, b) =>
    b.length - a.length
  );
  const withoutNames = (sentence: string) =>
    longestFirst.reduce((rest, name) => rest.replaceAll(name, " "), sentence);
  // A sentence ends at . ! or ? followed by a space; a decimal point never is.
  const sentences = text.split(/(?<=[.!?])\s+/).filter((s) => s.trim());
  const kept: string[] = [];
  const report: GroundingReport = { grounded: 0, unsupported: [], dropped: [] };
  for (const sentence of sentences) {
    const numbers = statedNumbers(withoutNames(sentence));
    const bad = numbers.filter((n) => !isGrounded(n, facts));
    report.grounded += numbers.length - bad.length;
    if (bad.length) {
      report.unsupported.push(...bad.map((n) => n.text));
      report.dropped.push(sentence.trim());
    } else kept.push(sentence.trim());
  }
  return { text: kept.join(" ").trim(), report };
}

/** What an answer is checked against: the facts, and the shop's names in tables and proposals. */
export interface Grounds {
  facts: Fact[];
  tables: Record<string, Table>;
  candidates: Array<{ parameters: Record<string, unknown> }>;
}

/** Strings copied from shop data, whose digits are names rather than figures. */
export function namesIn(grounds: Grounds): string[] {
  const names: string[] = [];
  for (const table of Object.values(grounds.tables)) {
    for (const row of table.rows) {
      for (const key of ["title", "name", "code"]) {
        if (typeof row[key] === "string") names.push(row[key] as string);
      }
    }
  }
  for (const c of grounds.candidates) {
    if (typeof c.parameters.code === "string") names.push(c.parameters.code);
  }
  return names;
}

/**
 * Grounds an answer's summary and speech against the facts: the one check
 * every writer's words pass, once, before they are stored.
 */
export function grounded<N extends { summary: string; speech: string }>(
  narrative: N,
  grounds: Grounds,
): { narrative: N; report: GroundingReport } {
  const names = namesIn(grounds);
  const summary = groundText(narrative.summary, grounds.facts, names);
  const speech = groundText(narrative.speech, grounds.facts, names);
  return {
    narrative: { ...narrative, summary: summary.text, speech: speech.text || summary.text },
    report: {
      grounded: summary.report.grounded + speech.report.grounded,
      unsupported: [...summary.report.unsupported, ...speech.report.unsupported],
      dropped: [...summary.report.dropped, ...speech.report.dropped],
    },
  };
}
