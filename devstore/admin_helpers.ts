/**
 * Pieces every part of the dev store's Admin API shares: the request context,
 * Shopify's id and money shapes, scope checks and Relay connections.
 */
import { GraphQLError } from "graphql";
import type { DevOrder } from "./seed.ts";

export interface Context {
  scopes: string[];
  /** The version in the request's path (`/admin/api/{version}/graphql.json`). */
  apiVersion: string;
  now: number;
  /** Set while a bulk operation runs its query. */
  bulk?: boolean;
  /** The dev store's address as the client reached it (for bulk file URLs). */
  origin: string;
}

export const gid = (type: string, id: number) => `gid://shopify/${type}/${id}`;

/** The number in `gid://shopify/{type}/123`, or null for anything else. */
export function idOf(value: string | null | undefined, type: string): number | null {
  const match = /^gid:\/\/shopify\/(\w+)\/(\d+)$/.exec(value ?? "");
  return match && match[1] === type ? Number(match[2]) : null;
}
export const decimal = (n: number) => (Math.round(n * 100) / 100).toFixed(2);

export function money(amount: number, order: DevOrder) {
  return {
    shopMoney: { amount: decimal(amount), currencyCode: order.currency },
    presentmentMoney: {
      amount: decimal(amount / order.exchangeRate),
      currencyCode: order.presentmentCurrency,
    },
  };
}

export function requireScope(ctx: Context, scope: string, field: string): void {
  const write = scope.replace("read_", "write_");
  if (ctx.scopes.includes(scope) || ctx.scopes.includes(write)) return;
  throw new GraphQLError(
    `Access denied for ${field} field. Required access: \`${scope}\` access scope.`,
    {
      extensions: {
        code: "ACCESS_DENIED",
        documentation: "https://shopify.dev/api/usage/access-scopes",
        requiredAccess: `\`${scope}\` access scope.`,
      },
    },
  );
}

/**
 * Relay connection over `items` in order; the cursor holds the item's position.
 * In a bulk operation connections take no page size and return everything.
 */
export function connection<T>(
  items: T[],
  args: {
    first?: number | null;
    after?: string | null;
    last?: number | null;
    before?: string | null;
  },
  bulk = false,
) {
  // A bulk query has no page sizes: the whole list.
  const first = bulk && args.first == null && args.last == null ? items.length : args.first;
  const last = args.last;
  if (first == null && last == null) {
    throw new GraphQLError("you must provide one of first or last", {
      extensions: { code: "BAD_REQUEST" },
    });
  }
  if (first != null && last != null) {
    throw new GraphQLError("providing both first and last is not supported", {
      extensions: { code: "BAD_REQUEST" },
    });
  }
  const size = (first ?? last)!;
  if (size < 0 || (size > 250 && !bulk)) {
    throw new GraphQLError(
      `The value of ${first != null ? "first" : "last"} must be between 0 and 250.`,
      {
        extensions: { code: "BAD_REQUEST" },
      },
    );
  }
  const positionOf = (cursor: string) => {
    const position = Number(atob(cursor).replace("pos:", ""));
    if (!Number.isInteger(position)) {
      throw new GraphQLError("Invalid cursor", { extensions: { code: "BAD_REQUEST" } });
    }
    return position;
  };
  // The window between the cursors, then `first` from its start or `last` from its end.
  const from = args.after ? positionOf(args.after) + 1 : 0;
  const to = args.before ? Math.min(positionOf(args.before), items.length) : items.length;
  const start = first != null ? from : Math.max(from, to - size);
  const end = first != null ? Math.min(to, from + size) : to;
  const page = items.slice(start, Math.max(start, end));
  const edges = page.map((node, i) => ({ cursor: btoa(`pos:${start + i}`), node }));
  return {
    edges,
    nodes: page,
    pageInfo: {
      hasNextPage: end < items.length,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

/**
 * A list in the order a `sortKey` names (Shopify's default is by id), reversed
 * with `reverse`, as Shopify sorts a connection before paging it.
 */
export function sortedBy<T>(
  items: T[],
  keys: Record<string, (item: T) => string | number>,
  args: { sortKey?: string | null; reverse?: boolean | null },
): T[] {
  const key = keys[args.sortKey ?? "ID"] ?? keys.ID!;
  const list = [...items].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return args.reverse ? list.reverse() : list;
}
