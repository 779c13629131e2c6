/** Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the database answers). */
import { Hono } from "hono";
import type { Database } from "../db/database.ts";

export function healthRoutes(db: Pick<Database, "ping">): Hono {
  return new Hono()
    .get("/healthz", (c) => c.json({ status: "ok" }))
    .get("/readyz", async (c) => {
      try {
        await db.ping(2000);
        return c.json({ status: "ready" });
      } catch (error) {
        c.get("log").warn("readiness check failed", { error });
        return c.json({ status: "unavailable", reason: "database unreachable" }, 503);
      }
    });
}
