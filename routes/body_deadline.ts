/**
 * A request body must arrive within a deadline of its headers. A client that
 * trickles a body a byte at a time (slowloris) would otherwise hold a
 * connection and a handler for as long as it likes; Deno's server sets no
 * such limit. The body is read here, once, and handed on as bytes, so the
 * routes behind (webhooks verifying an HMAC over the raw body among them)
 * read it as before.
 *
 * Headers that never finish never reach this code: that deadline belongs to
 * the proxy or load balancer in front (README, "Running it in production").
 *
 * @example
 * ```ts
 * app.use(bodyDeadline(10_000, (c) => c.json({ error: "too slow" }, 408)));
 * ```
 */
import type { Context, MiddlewareHandler } from "hono";

export const BODY_READ_TIMEOUT_MS = 10_000;

export function bodyDeadline(
  ms: number,
  onTimeout: (c: Context) => Response | Promise<Response>,
): MiddlewareHandler {
  return async (c, next) => {
    const raw = c.req.raw;
    if (!raw.body) return await next();
    const reader = raw.body.getReader();
    // Past the deadline the read is cancelled: the server then drops the rest of the body and
    // closes the connection after the answer, instead of waiting for bytes that never come.
    // (A cancelled read ends as done, not as an error, hence the flag.)
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      reader.cancel().catch(() => {});
    }, ms);
    const chunks: Uint8Array[] = [];
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
      }
    } finally {
      clearTimeout(timer);
    }
    if (late) {
      c.header("Connection", "close");
      return await onTimeout(c);
    }
    const body = new Uint8Array(chunks.reduce((n, chunk) => n + chunk.byteLength, 0));
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
    c.req.raw = new Request(raw.url, {
      method: raw.method,
      headers: raw.headers,
      body,
      signal: raw.signal,
    });
    await next();
  };
}
