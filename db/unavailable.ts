/**
 * Whether an error means the database cannot be reached right now (a restart,
 * a failover, a full connection table), as opposed to a fault in a query. The
 * edge answers the first kind with 503 and `Retry-After`, which clients retry;
 * the second stays a 500 with nothing internal in it.
 *
 * @example
 * ```ts
 * if (isDatabaseUnavailable(error)) return c.json(body, 503);
 * ```
 */

/** How long a client should wait before retrying, in seconds. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

const UNAVAILABLE = new Set([
  // postgres.js's own connection errors
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  // the socket's
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  // the server's: shutting down, crash recovery, starting up, too many connections, class 08
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
]);

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && UNAVAILABLE.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
