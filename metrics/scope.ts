/**
 * What every KPI takes: a date range in the shop's own calendar, optional
 * filters, and the account whose mirror to read. Validated with zod at this
 * boundary, because ranges and filters come from plans an LLM wrote.
 */
import { z } from "zod";
import type { Tx } from "../db/database.ts";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD").refine(
  (s) =>
    !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) &&
    new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
  "not a calendar date",
);

/** Inclusive days in the shop's timezone: { from: "2026-11-09", to: "2026-11-15" } is one week. */
export const DateRangeSchema = z.object({ from: isoDate, to: isoDate }).refine(
  (r) => r.from <= r.to,
  "the range ends before it starts",
).refine(
  (r) => Date.parse(r.to) - Date.parse(r.from) <= 3 * 366 * 86_400_000,
  "ranges are limited to three years",
);
export type DateRange = z.infer<typeof DateRangeSchema>;

const shopifyId = z.union([z.string().regex(/^\d{1,19}$/), z.number().int().positive()])
  .transform(String);

export const FiltersSchema = z.object({
  /** Only these products (Shopify ids). Shipping and taxes cannot be split by product. */
  productIds: z.array(shopifyId).max(500).optional(),
  collectionId: shopifyId.optional(),
  /** The sales channel: web, pos, shopify_draft_order, … */
  sourceName: z.string().min(1).max(100).optional(),
}).strict();
export type Filters = z.infer<typeof FiltersSchema>;

export interface KpiScope {
  userId: string;
  accountId: string;
  /** The shop's IANA timezone: days, weeks and months are the shop's, as in Shopify Analytics. */
  timezone: string;
  /** When the mirror last caught up with Shopify. */
  syncedAt: Date | null;
}

/** The account's timezone and freshness, read from its sync state. */
export async function kpiScope(
  tx: Tx,
  userId: string,
  accountId: string,
): Promise<KpiScope | null> {
  const [row] = await tx<{ shop_timezone: string | null; last_synced_at: Date | null }[]>`
    select s.shop_timezone, a.last_synced_at from linked_accounts a
    join store_sync_state s on s.linked_account_id = a.id where a.id = ${accountId}`;
  if (!row) return null;
  return { userId, accountId, timezone: row.shop_timezone ?? "UTC", syncedAt: row.last_synced_at };
}

/**
 * Where a number came from, so an answer can cite it: which KPI, which rows of
 * the mirror, over which exact instants.
 */
export interface Provenance {
  kpi: string;
  source: "store mirror";
  range: DateRange & { timezone: string; startsAt: string; endsAt: string };
  filters: Filters;
  rows: { orders: number; orderLines: number; refunds: number };
  /**
   * Orders behind the figure that Shopify sent with odd data (a null money set, an unknown
   * currency, a refund larger than its line…), counted as sent; absent when there are none.
   */
  flagged?: { orders: number; reasons: string[] };
  syncedAt: string | null;
}

/** A range's first instant and the instant after its last. */
export interface Span {
  starts_at: Date;
  ends_at: Date;
}

/** The half-open interval of instants [startsAt, endsAt) a range covers in `timezone`. */
export function bounds(tx: Tx, range: DateRange, timezone: string) {
  return tx`select (${range.from}::date)::timestamp at time zone ${timezone} as starts_at,
                   (${range.to}::date + 1)::timestamp at time zone ${timezone} as ends_at`;
}
