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

/**
 * Cursors for tables keyed by a growing bigint (the audit log): the id alone
 * orders them, newest first.
 */
export const encodeIdCursor = (id: string) =>
  encodeBase64urlNoPadding(new TextEncoder().encode(`id|${id}`));

/** The id after which to continue; throws INVALID_INPUT for a cursor we did not make. */
export function decodeIdCursor(cursor: string | null | undefined): string | null {
  if (cursor === null || cursor === undefined) return null;
  try {
    const id = /^id\|(\d{1,18})$/.exec(
      new TextDecoder().decode(decodeBase64urlIgnorePadding(cursor)),
    )?.[1];
    if (id) return id;
  } catch {
    // fall through
  }
  throw invalidInput("The cursor is not valid; use an endCursor from an earlier page.", "after");
}

interface Connection<N> {
  edges: { cursor: string; node: N }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Turns `limit + 1` fetched rows into a connection; cursors are (created_at, id) by default. */
export function connection<R extends { cursor_at: string; id: string }, N>(
  rows: R[],
  limit: number,
  toNode: (row: R) => N,
): Connection<N>;
export function connection<R, N>(
  rows: R[],
  limit: number,
  toNode: (row: R) => N,
  cursorOf: (row: R) => string,
): Connection<N>;
export function connection<R, N>(
  rows: R[],
  limit: number,
  toNode: (row: R) => N,
  cursorOf?: (row: R) => string,
): Connection<N> {
  const cursor = cursorOf ??
    ((row: R) => {
      const { cursor_at, id } = row as { cursor_at: string; id: string };
      return encodeCursor({ at: cursor_at, id });
    });
  const page = rows.slice(0, limit);
  const edges = page.map((row) => ({ cursor: cursor(row), node: toNode(row) }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > limit, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
