/**
 * A `dept.*` job: runs one department task of an analysis (seed 000 §3.1).
 *
 * pending → running → completed; a failure moves it to `retrying` (pg-boss
 * retries with backoff) and, on the fifth attempt, to `failed` (the job goes
 * to the dead-letter queue, and the orchestrator fails the request if the task
 * was required). Delivery is at-least-once, so a task already finished, or
 * one whose request was cancelled, is left as it is. The task that finishes
 * its stage queues the orchestrator to resume, in the same transaction as
 * its result.
 */
import { inSpan } from "../log/tracing.ts";
import type { Database, Tx } from "../db/database.ts";
import { MirrorNotReady } from "../mirror/sync_job.ts";
import { ShopifyApiError } from "../shopify/admin_client.ts";
import { isStoreAccessLost, STORE_ACCESS_LOST } from "../shopify/access_lost.ts";
import { enqueueInTransaction, type Enqueuer } from "../jobs/enqueue.ts";
import type { Logger } from "../log/logger.ts";
import type { KpiScope } from "../metrics/scope.ts";
import type { Department, Plan } from "../agents/plan.ts";
import { lockedStatus } from "./request_status.ts";
import {
  ANALYSIS_QUEUE,
  type AnalysisJob,
  DEPARTMENT_RETRY_LIMIT,
  type DepartmentJob,
  RESUME_PRIORITY,
} from "./queues.ts";
import type {
  DepartmentInput,
  DepartmentResult,
  DepartmentRunnable,
  PriorResult,
} from "../agents/department.ts";
import { departmentsIn, READS_PRIOR_FROM_STAGE, STAGE_OF } from "../agents/department.ts";

export interface DepartmentJobDeps {
  db: Database;
  boss: Enqueuer;
  log: Logger;
  /** The departments for a user's preferred model. */
  departmentsFor(preferredLlm: string | null): Record<Department, DepartmentRunnable>;
}

interface TaskRow {
  department: Department;
  task_key: string;
  task_input: Record<string, unknown>;
  status: string;
  request_status: string;
  prompt: string;
  linked_account_id: string | null;
  agent_state: { plan: Plan; today: string } | null;
  preferred_llm: string | null;
  currency: string | null;
  /** Null when the store has no sync state (it was unlinked). */
  timezone: string | null;
  has_sync_state: boolean;
  last_synced_at: Date | null;
}

/** Queues the orchestrator when no task of `department`'s stage is still open. */
export async function resumeIfStageDone(
  deps: Pick<DepartmentJobDeps, "boss">,
  tx: Tx,
  job: DepartmentJob,
  department: Department,
) {
  const [open] = await tx<{ n: number }[]>`
    select count(*)::int as n from agent_tasks
    where analysis_request_id = ${job.requestId} and department = any(${
    departmentsIn((s) => s === STAGE_OF[department])
  })
      and status not in ('completed', 'failed')`;
  if (open!.n === 0) {
    await enqueueInTransaction(
      deps.boss,
      tx,
      ANALYSIS_QUEUE,
      {
        userId: job.userId,
        requestId: job.requestId,
      } satisfies AnalysisJob,
      { singletonKey: job.requestId, priority: RESUME_PRIORITY },
    );
  }
}

export async function runDepartmentJob(
  deps: DepartmentJobDeps,
  job: DepartmentJob,
  retryCount: number,
  signal?: AbortSignal,
): Promise<{ outcome: string }> {
  const { db } = deps;
  const loaded = await db.withTenant(job.userId, async (tx) => {
    // The task, its request and the store's scope in one read.
    const [task] = await tx<TaskRow[]>`
      select t.department, t.task_key, t.task_input, t.status, r.status as request_status, r.prompt,
             r.linked_account_id, r.agent_state, p.preferred_llm, s.shop_currency as currency,
             s.shop_timezone as timezone, s.linked_account_id is not null as has_sync_state,
             a.last_synced_at
      from agent_tasks t
      join analysis_requests r on r.id = t.analysis_request_id
      left join user_preferences p on p.user_id = r.user_id
      left join linked_accounts a on a.id = r.linked_account_id
      left join store_sync_state s on s.linked_account_id = r.linked_account_id
      where t.id = ${job.taskId} and t.analysis_request_id = ${job.requestId}
      for update of t`;
    if (!task) return { skip: "task not found" } as const;
    if (task.request_status !== "processing") {
      return { skip: `request ${task.request_status}` } as const;
    }
    if (task.status === "completed" || task.status === "failed") {
      return { skip: `task already ${task.status}` } as const;
    }
    if (!task.linked_account_id || !task.agent_state) {
      return { skip: "request has no store or plan" } as const;
    }
    if (!task.has_sync_state) return { skip: "store not linked" } as const;
    const scope: KpiScope = {
      userId: job.userId,
      accountId: task.linked_account_id,
      timezone: task.timezone ?? "UTC",
      syncedAt: task.last_synced_at,
    };
    await tx`update agent_tasks set status = 'running', retry_count = ${retryCount},
               started_at = coalesce(started_at, now())
             where id = ${job.taskId}`;
    // Only the stages after the analysis read earlier results (data and figures need none).
    const prior = STAGE_OF[task.department] < READS_PRIOR_FROM_STAGE ? [] : await tx<
      { department: Department; task_key: string; result: DepartmentResult }[]
    >`
      select department, task_key, result from agent_tasks
      where analysis_request_id = ${job.requestId} and status = 'completed'
        and department = any(${departmentsIn((s) => s < STAGE_OF[task.department])})
      order by created_at, task_key`;
    return { task, scope, prior };
  });
  if ("skip" in loaded) {
    deps.log.info("department task skipped", { task_id: job.taskId, reason: loaded.skip });
    return { outcome: `skipped: ${loaded.skip}` };
  }
  const { task, scope, prior } = loaded;
  const input: DepartmentInput = {
    requestId: job.requestId,
    prompt: task.prompt,
    scope,
    today: task.agent_state!.today,
    currency: task.currency ?? "USD",
    plan: task.agent_state!.plan,
    task: { key: task.task_key, input: task.task_input },
    prior: prior.map((p): PriorResult => ({
      department: p.department,
      taskKey: p.task_key,
      result: p.result,
    })),
  };
  let result: DepartmentResult;
  try {
    const department = deps.departmentsFor(task.preferred_llm)[task.department];
    result = await inSpan(
      `department ${task.department}`,
      { "alatar.request_id": job.requestId, "alatar.task_key": task.task_key },
      () => department.invoke(input, signal ? { signal } : {}),
    );
  } catch (error) {
    const final = retryCount >= DEPARTMENT_RETRY_LIMIT;
    const message = reasonFor(error);
    await db.withTenant(job.userId, async (tx) => {
      await lockedStatus(tx, job.requestId);
      await tx`update agent_tasks
               set status = ${final ? "failed" : "retrying"}, error_message = ${message},
                   retry_count = ${Math.min(retryCount + (final ? 0 : 1), 5)},
                   finished_at = ${final ? new Date() : null}
               where id = ${job.taskId} and status = 'running'`;
      if (final) await resumeIfStageDone(deps, tx, job, task.department);
    });
    throw error;
  }
  const stored = await db.withTenant(job.userId, async (tx) => {
    // Locking the request serialises the stage's last tasks: exactly one sees the stage done.
    if ((await lockedStatus(tx, job.requestId)) !== "processing") return false;
    await tx`update agent_tasks set status = 'completed', result = ${tx.json(result as never)},
               error_message = null, finished_at = now()
             where id = ${job.taskId} and status = 'running'`;
    await resumeIfStageDone(deps, tx, job, task.department);
    return true;
  });
  return { outcome: stored ? "completed" : "request no longer processing" };
}

/**
 * Why a task failed, in words the merchant reads in the request's error (the
 * full error, with its stack, is in the job's log line, not here).
 */
export function reasonFor(error: unknown): string {
  if (error instanceof MirrorNotReady) return error.message;
  if (isStoreAccessLost(error)) return STORE_ACCESS_LOST;
  if (error instanceof ShopifyApiError) {
    return "Shopify did not answer as expected. Try again in a few minutes.";
  }
  return "Something went wrong on our side. Try again; if it keeps failing, contact support.";
}
