/**
 * Wraps a job handler so every run is logged the same way: job id, queue,
 * attempt and elapsed milliseconds, with the outcome written in `finally`.
 * Failures are re-thrown so pg-boss applies the queue's retry policy.
 */
import type { Job } from "pg-boss";
import type { Logger } from "../log/logger.ts";

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

export function loggedHandler<T extends object>(
  log: Logger,
  handle: (job: Job<T>, log: Logger) => Promise<unknown>,
  observe?: JobObserver,
): (jobs: Job<T>[]) => Promise<unknown[]> {
  return async (jobs) => {
    const results: unknown[] = [];
    for (const job of jobs) {
      const attempt = job.retryCount + 1;
      const jobLog = log.child({ job_id: job.id, queue: job.name, attempt });
      const started = performance.now();
      const run: JobRun = { queue: job.name, jobId: job.id, attempt, outcome: "failed", ms: 0 };
      try {
        run.result = await handle(job, jobLog);
        run.outcome = "completed";
        results.push(run.result);
      } catch (error) {
        run.error = error;
        jobLog.error("job failed", { error });
        throw error;
      } finally {
        run.ms = Math.round(performance.now() - started);
        jobLog.info("job finished", { outcome: run.outcome, ms: run.ms });
        observe?.(run);
      }
    }
    return results;
  };
}
