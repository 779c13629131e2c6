/**
 * The semantic layer's one typed query: every question, from the offline
 * parser or a model's structured output, becomes a `QuerySpec` before
 * anything is computed. Validated here against the metric catalog, so a model
 * cannot ask for a metric, a split or a period the executor does not know.
 *
 * @example
 * ```ts
 * QuerySpecSchema.parse({
 *   metrics: ["orders"], range: { from: "2026-10-01", to: "2026-10-31" },
 * }); // October's orders, ungrouped, no comparison
 * ```
 */
import { z } from "zod";
import { DIMENSIONS, METRIC_NAMES, METRICS } from "./catalog.ts";
import { DateRangeSchema, FiltersSchema } from "./scope.ts";

export const SortSchema = z.object({
  metric: z.enum(METRIC_NAMES),
  direction: z.enum(["asc", "desc"]),
});

export const QuerySpecSchema = z.object({
  metrics: z.array(z.enum(METRIC_NAMES)).min(1).max(8),
  /** At most one split; none gives one total per metric. */
  dimensions: z.array(z.enum(DIMENSIONS)).max(1).default([]),
  filters: FiltersSchema.default({}),
  range: DateRangeSchema,
  comparison: DateRangeSchema.nullable().default(null),
  sort: SortSchema.nullable().default(null),
  limit: z.number().int().min(1).max(50).nullable().default(null),
}).superRefine((spec, ctx) => {
  const dimension = spec.dimensions[0];
  for (const metric of spec.metrics) {
    if (dimension && !(METRICS[metric].dimensions as readonly string[]).includes(dimension)) {
      ctx.addIssue({
        code: "custom",
        path: ["dimensions"],
        message: `${METRICS[metric].label} cannot be split by ${dimension}`,
      });
    }
  }
  if (new Set(spec.metrics.map((m) => METRICS[m].family)).size > 1) {
    ctx.addIssue({
      code: "custom",
      path: ["metrics"],
      message: "one query computes metrics of one family (sales, customers or inventory)",
    });
  }
  if (spec.sort && !spec.metrics.includes(spec.sort.metric)) {
    ctx.addIssue({
      code: "custom",
      path: ["sort"],
      message: "sort by a metric the query computes",
    });
  }
});
export type QuerySpec = z.infer<typeof QuerySpecSchema>;
