/**
 * The one formatter of numbers for people: answers, the terminal client and
 * action previews all write amounts through {@link formatAmount}, so a figure
 * reads the same everywhere (and the grounding check, which accepts a fact in
 * the forms written here, never meets a form it does not know).
 *
 * Prose rounds money of 1,000 or more to whole units ("$12,345"), as an analyst
 * says it; `exact` keeps the currency's minor units ("$12,345.60"), as a table
 * shows it. Money without a currency is a plain number, never a guessed "$".
 */
export type Unit = "money" | "count" | "ratio" | "days";

export function formatAmount(
  value: number,
  unit?: Unit | string,
  options: { currency?: string | null; exact?: boolean } = {},
): string {
  switch (unit) {
    case "money":
      if (!options.currency) {
        return new Intl.NumberFormat("en-US", {
          minimumFractionDigits: 2,
          maximumFractionDigits: 2,
        }).format(value);
      }
      return new Intl.NumberFormat("en-US", {
        style: "currency",
        currency: options.currency,
        ...(options.exact ? {} : { maximumFractionDigits: Math.abs(value) >= 1000 ? 0 : 2 }),
      }).format(value);
    case "ratio": {
      const pct = value * 100;
      return `${Number.isInteger(Math.round(pct * 10) / 10) ? pct.toFixed(0) : pct.toFixed(1)}%`;
    }
    case "days":
      return `${Math.round(value)} days`;
    default:
      return new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 }).format(value);
  }
}
