/** Per-request state every router may read, typed once for Hono. */
import type { Logger } from "../log/logger.ts";

declare module "hono" {
  interface ContextVariableMap {
    /** Logger bound to this request's id (and user, once authenticated). */
    log: Logger;
  }
}
