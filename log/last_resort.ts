/**
 * The process's last resort: an error nothing caught (a throw in a timer, a
 * rejected promise nobody awaited) is logged as one line and the process exits
 * with status 70 (EX_SOFTWARE), so its supervisor (compose's
 * `restart: unless-stopped`, Kubernetes, systemd) starts a clean one. Carrying
 * on after an uncaught error would leave a pool or a job loop in an unknown
 * state; dying silently, as Deno does by default, leaves no record of why.
 *
 * @example
 * ```ts
 * installLastResort(log);
 * ```
 */
import type { Logger } from "./logger.ts";

export const UNCAUGHT_EXIT_CODE = 70;

export function installLastResort(log: Logger): () => void {
  const onError = (event: ErrorEvent) => {
    event.preventDefault();
    log.error("uncaught error; exiting for the supervisor to restart", { error: event.error });
    Deno.exit(UNCAUGHT_EXIT_CODE);
  };
  const onRejection = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    log.error("unhandled rejection; exiting for the supervisor to restart", {
      error: event.reason,
    });
    Deno.exit(UNCAUGHT_EXIT_CODE);
  };
  globalThis.addEventListener("error", onError);
  globalThis.addEventListener("unhandledrejection", onRejection);
  return () => {
    globalThis.removeEventListener("error", onError);
    globalThis.removeEventListener("unhandledrejection", onRejection);
  };
}
