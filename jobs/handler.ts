/**
 * Wraps a job handler so every run is logged the same way: job id, queue,
 * attempt and elapsed milliseconds, with the outcome written in `finally`.
 *
 * Jobs arrive in batches (see {@link WORK_OPTIONS}) and each gets its own
 * outcome: one failing job is retried by the queue's policy without failing
 * or re-running its neighbours.
 */
import type { Job, JobResult } from "pg-boss";
import type { Logger } from "../log/logger.ts";
import { carrierOf, inCarriedContext, inSpan, userHash } from "../log/tracing.ts";

/** What an observer (metrics, a test waiting for a job) learns of each run. */
export interface JobRun {
  queue: string;
  jobId: string;
  attempt: number;
  outcome: "completed" | "failed";
  ms: number;
  result?: unknown;
  error?: unknown;
}

export type JobObserver = (run: JobRun) => void;

/**
 * How every worker fetches. pg-boss wakes a worker per NOTIFY, but jobs that
 * arrived while it was busy are only seen at the next fetch; with one job per
 * fetch the rest would wait for the 30-second backstop poll. Fetching in
 * batches and fetching again at once while batches come back full drains a
 * burst (of webhooks, say) without waiting.
 */
export const WORK_OPTIONS = {
  batchSize: 5,
  burstWhenBatchFull: true,
  perJobResults: true,
} as const;

export function loggedHandler<T extends object>(
  log: Logger,
  handle: (job: Job<T>, log: Logger) => Promise<unknown>,
  observe?: JobObserver,
): (jobs: Job<T>[]) => Promise<JobResult[]> {
  return async (jobs) => {
    const results: JobResult[] = [];
    for (const job of jobs) {
      const attempt = job.retryCount + 1;
      const jobLog = log.child({ job_id: job.id, queue: job.name, attempt });
      const started = performance.now();
      const run: JobRun = { queue: job.name, jobId: job.id, attempt, outcome: "failed", ms: 0 };
      try {
        run.result = await inCarriedContext(
          carrierOf(job.data),
          () => inSpan(`job ${job.name}`, jobAttributes(job, attempt), () => handle(job, jobLog)),
        );
        run.outcome = "completed";
        results.push({ id: job.id, status: "completed", output: run.result });
      } catch (error) {
        run.error = error;
        // A job cut short because the process is stopping is not a fault: its retry goes on.
        if (error instanceof DOMException && error.name === "AbortError") {
          jobLog.info("job interrupted; it will be retried", { reason: error.message });
        } else if (isRetryLater(error)) {
          jobLog.warn("job deferred; it will be retried", { reason: error.message });
        } else {
          jobLog.error("job failed", { error });
        }
        results.push({
          id: job.id,
          status: "failed",
          output: { message: error instanceof Error ? error.message : String(error) },
        });
      } finally {
        run.ms = Math.round(performance.now() - started);
        jobLog.info("job finished", { outcome: run.outcome, ms: run.ms });
        observe?.(run);
      }
    }
    return results;
  };
}

/**
 * An error that says "not yet" rather than "broken" (a store whose import is still running): the
 * job's retry is the plan, so it is a warning, not an error an operator is paged for.
 */
export interface RetryLater extends Error {
  readonly retryLater: true;
}

function isRetryLater(error: unknown): error is RetryLater {
  return error instanceof Error && (error as Partial<RetryLater>).retryLater === true;
}

/** What a job's span says of it: ids only (the user's hashed), never its data. */
function jobAttributes(job: Job<object>, attempt: number): Record<string, string | number> {
  // A scheduled job (pg-boss cron) has null data.
  const data = (job.data ?? {}) as Record<string, unknown>;
  const attributes: Record<string, string | number> = {
    "messaging.system": "pg-boss",
    "messaging.destination.name": job.name,
    "messaging.message.id": job.id,
    "alatar.job.attempt": attempt,
  };
  if (typeof data.requestId === "string") attributes["alatar.request_id"] = data.requestId;
  if (typeof data.taskId === "string") attributes["alatar.task_id"] = data.taskId;
  if (typeof data.userId === "string") attributes["alatar.user_hash"] = userHash(data.userId);
  return attributes;
}
