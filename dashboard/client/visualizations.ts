/**
 * An answer's visualizations as the page shows them: KPI tiles and tables in HTML, line and bar
 * charts drawn by Chart.js on a canvas. The data shapes are the API's (graph/visualizations.ts);
 * every number is written by the one formatter (metrics/format.ts), as in the answer's words.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartDataset,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { formatAmount } from "../../metrics/format.ts";
import { h } from "./dom.ts";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

export interface Visualization {
  type: "KPI" | "LINE_CHART" | "BAR_CHART" | "TABLE";
  title: string;
  data: Record<string, unknown>;
}

interface KpiItem {
  label: string;
  value: number | null;
  unit?: string;
  change?: number;
}
interface Point {
  x: string;
  y: number | null;
  lower?: number;
  upper?: number;
}
interface Series {
  name: string;
  unit?: string;
  points: Point[];
}

// Colours that keep 3:1 contrast against white (WCAG's rule for graphics).
const COLOURS = ["#005bd3", "#b3261e", "#0a6b3a", "#7a4b00", "#6b2fa0"];

/** Exact (a table's cents) or as prose says it (a tile, an axis: "$12,345"). */
const format = (value: unknown, unit: string | undefined, currency: string | null, exact = true) =>
  typeof value === "number"
    ? formatAmount(value, unit, { currency, exact })
    : value == null
    ? "—"
    : Array.isArray(value)
    ? value.join(", ")
    : String(value);

/** One visualization as an element; charts draw once the element is in the page. */
export function renderVisualization(v: Visualization, currency: string | null): HTMLElement {
  switch (v.type) {
    case "KPI":
      return kpiTiles(v, currency);
    case "TABLE":
      return table(v, currency);
    case "LINE_CHART":
      return chart(v, lineConfig(v, currency));
    case "BAR_CHART":
      return chart(v, barConfig(v, currency));
  }
}

function kpiTiles(v: Visualization, currency: string | null): HTMLElement {
  const items = (v.data.items ?? []) as KpiItem[];
  return h(
    "figure",
    { class: "viz", "data-type": v.type },
    h("figcaption", {}, h("h3", {}, v.title)),
    h(
      "div",
      { class: "tiles" },
      ...items.map((item) =>
        h(
          "div",
          { class: "tile" },
          h("div", { class: "muted" }, item.label),
          h("div", { class: "value" }, format(item.value, item.unit, currency, false)),
          typeof item.change === "number"
            ? h(
              "div",
              { class: item.change >= 0 ? "ok" : "error" },
              `${item.change >= 0 ? "▲ +" : "▼ "}${formatAmount(item.change, "ratio")} vs before`,
            )
            : null,
        )
      ),
    ),
  );
}

function table(v: Visualization, currency: string | null): HTMLElement {
  const columns = (v.data.columns ?? []) as Array<{ key: string; label: string; unit?: string }>;
  const rows = (v.data.rows ?? []) as Array<Record<string, unknown>>;
  const numeric = new Set(
    columns.filter((c) => rows.some((r) => typeof r[c.key] === "number")).map((c) => c.key),
  );
  return h(
    "figure",
    { class: "viz", "data-type": v.type },
    h("figcaption", {}, h("h3", {}, v.title)),
    h(
      "div",
      { class: "table-wrap", tabindex: "0", role: "region", "aria-label": v.title },
      h(
        "table",
        {},
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ...columns.map((c) =>
              h("th", { scope: "col", class: numeric.has(c.key) ? "num" : undefined }, c.label)
            ),
          ),
        ),
        h(
          "tbody",
          {},
          ...rows.slice(0, 50).map((r) =>
            h(
              "tr",
              {},
              ...columns.map((c) =>
                h(
                  "td",
                  { class: numeric.has(c.key) ? "num" : undefined },
                  format(r[c.key], c.unit, currency),
                )
              ),
            )
          ),
        ),
      ),
    ),
  );
}

type Config = ConstructorParameters<typeof Chart>[1];

function chart(v: Visualization, config: Config): HTMLElement {
  const canvas = h("canvas", { role: "img", "aria-label": v.title });
  const figure = h(
    "figure",
    { class: "viz", "data-type": v.type },
    h("figcaption", {}, h("h3", {}, v.title)),
    h("div", { class: "chart" }, canvas),
  );
  // Drawn once in the document, so Chart.js can measure its box.
  queueMicrotask(() => {
    if (canvas.isConnected) new Chart(canvas, config);
    else requestAnimationFrame(() => new Chart(canvas, config));
  });
  return figure;
}

const common = (unit: string | undefined, currency: string | null) => ({
  animation: false as const,
  responsive: true,
  maintainAspectRatio: false,
  scales: {
    y: {
      ticks: { callback: (value: string | number) => format(Number(value), unit, currency, false) },
    },
  },
});

function lineConfig(v: Visualization, currency: string | null): Config {
  const series = (v.data.series ?? []) as Series[];
  const labels = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))];
  const datasets: ChartDataset<"line", Array<number | null>>[] = [];
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const at = new Map(s.points.map((p) => [p.x, p]));
    datasets.push({
      label: s.name,
      data: labels.map((x) => at.get(x)?.y ?? null),
      borderColor: colour,
      backgroundColor: colour,
      pointRadius: 0,
      borderWidth: 2,
      spanGaps: true,
    });
    // A forecast's 80% band: two edges with the area between them filled.
    if (s.points.some((p) => typeof p.lower === "number")) {
      const band = { borderWidth: 0, pointRadius: 0, backgroundColor: `${colour}33` };
      datasets.push({
        label: `${s.name}: low`,
        data: labels.map((x) => at.get(x)?.lower ?? null),
        ...band,
      });
      datasets.push({
        label: `${s.name}: high`,
        data: labels.map((x) => at.get(x)?.upper ?? null),
        fill: "-1",
        ...band,
      });
    }
  });
  const unit = series[0]?.unit;
  return {
    type: "line",
    data: { labels, datasets },
    options: {
      ...common(unit, currency),
      plugins: {
        legend: { display: series.length > 1 },
        tooltip: {
          callbacks: { label: (c) => `${c.dataset.label}: ${format(c.parsed.y, unit, currency)}` },
        },
      },
    },
  };
}

function barConfig(v: Visualization, currency: string | null): Config {
  const bars = (v.data.bars ?? []) as Array<{ label: string; value: number }>;
  const unit = v.data.unit as string | undefined;
  return {
    type: "bar",
    data: {
      labels: bars.map((b) => b.label),
      datasets: [{ label: v.title, data: bars.map((b) => b.value), backgroundColor: COLOURS[0] }],
    },
    options: {
      ...common(unit, currency),
      // Product names read better down the side than slanted under the bars.
      indexAxis: "y",
      scales: {
        x: { ticks: { callback: (value) => format(Number(value), unit, currency, false) } },
      },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (c) => format(c.parsed.x, unit, currency) } },
      },
    },
  };
}
