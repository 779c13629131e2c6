/**
 * Settles an analysis whose job gave up silently. A department or
 * orchestrator job that timed out, or whose worker died, on its last attempt
 * is moved by pg-boss to {@link ANALYSIS_DEAD_LETTER_QUEUE} with its data, and
 * no handler of ours ran to mark its task or request failed: without this the
 * merchant would watch "processing" forever.
 *
 * Idempotent, as every handler must be: a job that failed inside its handler
 * already settled its task, and a finished or cancelled request is left as is.
 */
import type { Database } from "../db/database.ts";
import type { Enqueuer } from "../jobs/enqueue.ts";
import type { Logger } from "../log/logger.ts";
import { resumeIfStageDone } from "./department_job.ts";
import type { Department } from "../agents/plan.ts";
import { endRequest, isOpen, lockedStatus } from "./request_status.ts";
import type { AnalysisJob, DepartmentJob } from "./queues.ts";

export const TASK_TIMED_OUT = "It did not finish in time. Try again in a few minutes.";
export const ANALYSIS_TIMED_OUT =
  "The analysis could not be finished in time. Try again in a few minutes.";

export interface DeadLetterDeps {
  db: Database;
  boss: Enqueuer;
  log: Logger;
}

export async function settleDeadAnalysisJob(
  deps: DeadLetterDeps,
  job: AnalysisJob | DepartmentJob,
): Promise<{ outcome: string }> {
  return "taskId" in job ? await settleTask(deps, job) : await settleRequest(deps, job);
}

/** The task fails like one that threw on its last attempt; the orchestrator then fails the request. */
async function settleTask(deps: DeadLetterDeps, job: DepartmentJob) {
  return await deps.db.withTenant(job.userId, async (tx) => {
    if ((await lockedStatus(tx, job.requestId)) !== "processing") {
      return { outcome: "request no longer processing" };
    }
    const [task] = await tx<{ department: Department }[]>`
      update agent_tasks set status = 'failed', error_message = ${TASK_TIMED_OUT},
                             finished_at = now()
      where id = ${job.taskId} and analysis_request_id = ${job.requestId}
        and status not in ('completed', 'failed')
      returning department`;
    if (!task) return { outcome: "task already settled" };
    await resumeIfStageDone(deps, tx, job, task.department);
    deps.log.warn("dead department task failed", {
      request_id: job.requestId,
      task_id: job.taskId,
    });
    return { outcome: "task failed" };
  });
}

/** The orchestrator itself gave up: nothing is left to resume it, so the request fails here. */
async function settleRequest(deps: DeadLetterDeps, job: AnalysisJob) {
  return await deps.db.withTenant(job.userId, async (tx) => {
    const status = await lockedStatus(tx, job.requestId);
    if (!isOpen(status)) {
      return { outcome: `request already ${status ?? "gone"}` };
    }
    await endRequest(tx, { userId: job.userId, requestId: job.requestId, from: status! }, {
      to: "failed",
      message: ANALYSIS_TIMED_OUT,
      actor: "system",
    }, deps.boss);
    deps.log.warn("dead analysis failed", { request_id: job.requestId });
    return { outcome: "request failed" };
  });
}
