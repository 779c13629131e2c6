/** `POST /webhooks/shopify`: verified over the raw body, stored, acknowledged; work happens in a job. */
import { Hono } from "hono";
import type { Database } from "../db/database.ts";
import type { Enqueuer } from "../jobs/enqueue.ts";
import type { Logger } from "../log/logger.ts";
import { receiveWebhook } from "../shopify/webhooks.ts";
import { errorBody } from "./error_body.ts";

export function webhookRoutes(
  deps: { db: Database; boss: Enqueuer; apiSecret: string; log: Logger },
): Hono {
  return new Hono().post("/webhooks/shopify", async (c) => {
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const result = await receiveWebhook({ ...deps, log: c.get("log") }, raw, c.req.raw.headers);
    if (result.status === 200) return c.json({ received: true, duplicate: result.duplicate });
    const code = result.status === 401 ? "UNAUTHORIZED" : "BAD_REQUEST";
    return c.json(errorBody(code, result.reason, c.get("requestId")), result.status);
  });
}
