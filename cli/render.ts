/**
 * Terminal rendering of an analysis: a progress bar, KPI tables, sparklines
 * and bar charts in plain characters. Pure functions of the API's JSON, so a
 * result looks the same in a terminal as it reads in the app.
 */
import { formatAmount } from "../metrics/format.ts";

const SPARKS = "▁▂▃▄▅▆▇█";

export function progressBar(percent: number, width = 30): string {
  const filled = Math.round((Math.max(0, Math.min(100, percent)) / 100) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(percent).padStart(3)}%`;
}

export function sparkline(values: number[]): string {
  if (!values.length) return "";
  const min = Math.min(...values), max = Math.max(...values);
  return values.map((v) =>
    SPARKS[max === min ? 3 : Math.round(((v - min) / (max - min)) * (SPARKS.length - 1))]
  ).join("");
}

/**
 * One value for the terminal, exact (a table's precision). Money is written in
 * `currency`, the shop's (the result says which); without one it is a plain number.
 */
export function formatValue(value: unknown, unit?: string, currency?: string | null): string {
  if (typeof value !== "number") return value == null ? "" : String(value);
  return formatAmount(value, unit, { currency, exact: true });
}

export function bars(
  items: Array<{ label: string; value: number }>,
  unit: string,
  width = 30,
  currency?: string | null,
) {
  const max = Math.max(...items.map((i) => Math.abs(i.value)), 1);
  const labelWidth = Math.min(28, Math.max(...items.map((i) => i.label.length)));
  return items.map((i) => {
    const length = Math.round((Math.abs(i.value) / max) * width);
    const label = i.label.length > labelWidth ? `${i.label.slice(0, labelWidth - 1)}…` : i.label;
    return `${label.padEnd(labelWidth)} ${(i.value < 0 ? "-" : "").padStart(1)}${
      "█".repeat(length)
    } ${formatValue(i.value, unit, currency)}`;
  }).join("\n");
}

export interface Visualization {
  type: string;
  title: string;
  // deno-lint-ignore no-explicit-any
  data: any;
}

/** `v` in plain characters; money in `currency`, the shop's (`AnalysisResult.currency`). */
export function renderVisualization(v: Visualization, currency?: string | null): string {
  const lines = [`── ${v.title} ──`];
  switch (v.type) {
    case "KPI":
      for (const item of v.data.items) {
        const change = typeof item.change === "number"
          ? `  (${item.change >= 0 ? "+" : ""}${(item.change * 100).toFixed(1)}%)`
          : "";
        lines.push(
          `${item.label.padEnd(40)} ${formatValue(item.value, item.unit, currency)}${change}`,
        );
      }
      break;
    case "LINE_CHART":
      for (const series of v.data.series) {
        const ys = series.points.map((p: { y: number }) => p.y);
        const first = series.points[0]?.x ?? "", last = series.points.at(-1)?.x ?? "";
        lines.push(`${series.name}: ${sparkline(ys)}  ${first} → ${last}`);
        lines.push(
          `  min ${formatValue(Math.min(...ys), series.unit, currency)}, max ${
            formatValue(Math.max(...ys), series.unit, currency)
          }`,
        );
      }
      break;
    case "BAR_CHART":
      lines.push(bars(v.data.bars, v.data.unit, 30, currency));
      break;
    case "TABLE": {
      const columns = v.data.columns as Array<{ key: string; label: string; unit?: string }>;
      const rows = (v.data.rows as Array<Record<string, unknown>>).slice(0, 10);
      const cell = (value: unknown, unit?: string) =>
        Array.isArray(value)
          ? value.map((x) => typeof x === "number" ? formatValue(x) : String(x)).join(", ")
          : formatValue(value, unit, currency);
      const widths = columns.map((c) =>
        Math.min(40, Math.max(c.label.length, ...rows.map((r) => cell(r[c.key], c.unit).length)))
      );
      const line = (values: string[]) =>
        values.map((value, i) => value.slice(0, widths[i]).padEnd(widths[i]!)).join("  ");
      lines.push(line(columns.map((c) => c.label)));
      for (const row of rows) lines.push(line(columns.map((c) => cell(row[c.key], c.unit))));
      break;
    }
  }
  return lines.join("\n");
}
