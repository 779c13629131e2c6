/**
 * Relay cursor pagination over (created_at, id), newest first. Cursors are
 * opaque to clients; inside they hold the row's timestamp at full microsecond
 * precision, so rows created in the same millisecond are neither skipped nor
 * repeated.
 */
import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from "@oslojs/encoding";
import { isUuid } from "../db/database.ts";
import { MAX_PAGE_SIZE } from "./limits.ts";
import { invalidInput } from "./errors.ts";

export interface Position {
  /** ISO-8601 with microseconds, as Postgres printed it. */
  at: string;
  id: string;
}

export function encodeCursor(position: Position): string {
  return encodeBase64urlNoPadding(new TextEncoder().encode(`${position.at}|${position.id}`));
}

/** The position after which to continue; throws INVALID_INPUT for a cursor we did not make. */
export function decodeCursor(cursor: string | null | undefined): Position | null {
  if (cursor === null || cursor === undefined) return null;
  try {
    const [at, id] = new TextDecoder().decode(decodeBase64urlIgnorePadding(cursor)).split("|");
    if (at && id && isUuid(id) && !Number.isNaN(Date.parse(at))) return { at, id };
  } catch {
    // fall through
  }
  throw invalidInput("The cursor is not valid; use an endCursor from an earlier page.", "after");
}

export function pageLimit(first: number | null | undefined): number {
  const size = first ?? 20;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw invalidInput(`first must be between 1 and ${MAX_PAGE_SIZE}.`, "first");
  }
  return size;
}

/** Turns `limit + 1` fetched rows into a connection. */
export function connection<T, N>(
  rows: Array<T & { cursor_at: string; id: string }>,
  limit: number,
  toNode: (row: T) => N,
) {
  const page = rows.slice(0, limit);
  const edges = page.map((row) => ({
    cursor: encodeCursor({ at: row.cursor_at, id: row.id }),
    node: toNode(row),
  }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > limit, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
