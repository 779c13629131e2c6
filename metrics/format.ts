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

// Formatters are made once per kind: each holds ICU memory outside the JavaScript heap, which
// the collector does not count, so one made per amount grows a busy process for nothing.
const formats = new Map<string, Intl.NumberFormat>();
function numberFormat(key: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  let format = formats.get(key);
  if (!format) {
    format = new Intl.NumberFormat("en-US", options);
    formats.set(key, format);
  }
  return format;
}

export function formatAmount(
  value: number,
  unit?: Unit | string,
  options: { currency?: string | null; exact?: boolean } = {},
): string {
  switch (unit) {
    case "money":
      if (!options.currency) {
        return numberFormat("plain money", { minimumFractionDigits: 2, maximumFractionDigits: 2 })
          .format(value);
      }
      {
        const whole = !options.exact && Math.abs(value) >= 1000;
        const key = `${options.currency} ${options.exact ? "exact" : whole ? "whole" : "cents"}`;
        return numberFormat(key, {
          style: "currency",
          currency: options.currency,
          ...(options.exact ? {} : { maximumFractionDigits: whole ? 0 : 2 }),
        }).format(value);
      }
    case "ratio": {
      const pct = value * 100;
      return `${Number.isInteger(Math.round(pct * 10) / 10) ? pct.toFixed(0) : pct.toFixed(1)}%`;
    }
    case "days":
      return `${Math.round(value)} days`;
    default:
      return numberFormat("number", { maximumFractionDigits: 2 }).format(value);
  }
}
