/**
 * The worker role: registers each queue's handler and the schedules, and
 * drains jobs until stopped. Later departments register here.
 */
import type { PgBoss } from "pg-boss";
import type { EmailSender } from "./auth/mail.ts";
import { DEFAULT_ANALYSIS_CONCURRENCY } from "./config/config.ts";
import type { Database } from "./db/database.ts";
import type { Logger } from "./log/logger.ts";
import { deliverEmail, EMAIL_QUEUE, type EmailJob } from "./auth/email_delivery.ts";
import { type JobObserver, loggedHandler, WORK_OPTIONS } from "./jobs/handler.ts";
import { PURGE_QUEUE, purgeExpired } from "./jobs/purge.ts";
import { WEBHOOK_QUEUE } from "./shopify/webhooks.ts";
import { processWebhook } from "./mirror/webhook_job.ts";
import type { MirrorDeps } from "./mirror/deps.ts";
import { queueStaleSyncs, runSyncJob } from "./mirror/sync_job.ts";
import { SYNC_QUEUE, SYNC_SCHEDULE_QUEUE, type SyncJob } from "./mirror/sync_queue.ts";
import {
  ACTION_RECOVERY_POLL_SECONDS,
  ACTION_RECOVERY_QUEUE,
  recoverAction,
  type RecoveryJob,
} from "./actions/recovery.ts";
import { runDepartmentJob } from "./graph/department_job.ts";
import { type CheckJob, INSIGHTS_CHECK_QUEUE, runDailyCheck } from "./insights/check.ts";
import { INSIGHTS_SCHEDULE_QUEUE, reconcileSchedules } from "./insights/schedule.ts";
import { deliverInsight, type DeliveryDeps } from "./notifications/deliver_insight.ts";
import { INSIGHT_DELIVERY_QUEUE, type InsightDeliveryJob } from "./notifications/delivery_queue.ts";
import { createDepartments } from "./agents/departments.ts";
import type { ChosenModel } from "./agents/llm.ts";
import { createAnalysisRunner } from "./graph/analysis_job.ts";
import { DEPARTMENTS } from "./agents/plan.ts";
import { settleDeadAnalysisJob } from "./graph/dead_letter.ts";
import {
  ANALYSIS_DEAD_LETTER_QUEUE,
  ANALYSIS_POLL_SECONDS,
  ANALYSIS_QUEUE,
  type AnalysisJob,
  type DepartmentJob,
  departmentQueue,
} from "./graph/queues.ts";

export interface WorkerDeps {
  boss: PgBoss;
  db: Database;
  log: Logger;
  emailSender: EmailSender;
  /** Syncing linked stores into the mirror. */
  mirror: MirrorDeps;
  /** Told of every finished job run (metrics; tests waiting for a job). */
  observe?: JobObserver;
  /**
   * Aborted when the process starts to stop: long jobs (a store's import) end at their next
   * safe point instead of holding the shutdown until pg-boss's timeout.
   */
  stopping?: AbortSignal;
  /** Pushing ready insights to the iPhone app (no client: listed and e-mailed only). */
  push?: Pick<DeliveryDeps, "apns" | "environment">;
  /** The analysis pipeline: the model for a user's preferredLlm, or null to run offline. */
  analysis: {
    modelFor(preferredLlm: string | null): ChosenModel | null;
    /** Told as each orchestrator node starts. */
    onNode?(node: string, requestId: string): Promise<void> | void;
    /** Told as each orchestrator node ends (see graph/orchestrator.ts#OrchestratorDeps). */
    onNodeEnd?(node: string, requestId: string, outcome: "done" | "stopped" | "error"): void;
    /**
     * Jobs handled side by side per queue (ANALYSIS_CONCURRENCY, 4 by default). With a model,
     * jobs mostly wait on it, so more overlap helps; with the offline model they are CPU work,
     * and processes × concurrency beyond the cores only adds contention (docs/benchmarks.md).
     */
    concurrency?: number;
  };
}

export async function startWorker(deps: WorkerDeps): Promise<void> {
  const { boss, db, log, observe } = deps;
  await boss.schedule(PURGE_QUEUE, "*/10 * * * *");
  await boss.work(
    PURGE_QUEUE,
    WORK_OPTIONS,
    loggedHandler(log, async (_job, jobLog) => {
      const purged = await purgeExpired(db);
      jobLog.info("expired rows purged", purged);
      return purged;
    }, observe),
  );
  await boss.work<EmailJob>(
    EMAIL_QUEUE,
    WORK_OPTIONS,
    loggedHandler<EmailJob>(
      log,
      (job) => deliverEmail({ db, sender: deps.emailSender }, job.data),
      observe,
    ),
  );
  await boss.work<{ webhookId: string }>(
    WEBHOOK_QUEUE,
    WORK_OPTIONS,
    loggedHandler<{ webhookId: string }>(
      log,
      (job) =>
        processWebhook({ db, log, lookupKey: deps.mirror.lookupKey, boss }, job.data.webhookId),
      observe,
    ),
  );
  // Syncs run for seconds to minutes: one at a time per fetch, two side by side, and a short
  // backstop poll instead of batching (a batch would hold later accounts behind an import).
  await boss.work<SyncJob>(
    SYNC_QUEUE,
    { perJobResults: true, localConcurrency: 2, notifyPollingIntervalSeconds: 5 },
    loggedHandler<SyncJob>(
      log,
      async (job, jobLog) => {
        const signal = deps.stopping ? AbortSignal.any([job.signal, deps.stopping]) : job.signal;
        try {
          return await runSyncJob(
            { ...deps.mirror, log: jobLog },
            job.data,
            job.retryCount,
            signal,
          );
        } catch (error) {
          if (!deps.stopping?.aborted) throw error;
          // Cut short because this process is stopping: not a failed attempt, which would wait
          // out the retry delay (and, the queue being stately, hold back a new sync too). It is
          // queued again to start at once on the next worker, which resumes the import.
          await boss.send(SYNC_QUEUE, job.data, { singletonKey: job.data.accountId });
          jobLog.info("sync interrupted by shutdown; queued again to resume");
          return { interrupted: true };
        }
      },
      observe,
    ),
  );
  await boss.schedule(SYNC_SCHEDULE_QUEUE, "*/5 * * * *");
  await boss.work(
    SYNC_SCHEDULE_QUEUE,
    WORK_OPTIONS,
    loggedHandler(log, async () => ({ queued: await queueStaleSyncs({ db, boss }) }), observe),
  );
  await boss.work<RecoveryJob>(
    ACTION_RECOVERY_QUEUE,
    { ...WORK_OPTIONS, notifyPollingIntervalSeconds: ACTION_RECOVERY_POLL_SECONDS },
    loggedHandler<RecoveryJob>(
      log,
      (job, jobLog) => recoverAction({ ...deps.mirror, db, log: jobLog }, job.data, job.retryCount),
      observe,
    ),
  );
  await startInsightWorkers(deps);
  const analysisQueues = await startAnalysisWorkers(deps);
  log.info("worker ready", {
    queues: [
      PURGE_QUEUE,
      EMAIL_QUEUE,
      WEBHOOK_QUEUE,
      SYNC_QUEUE,
      SYNC_SCHEDULE_QUEUE,
      ACTION_RECOVERY_QUEUE,
      INSIGHTS_CHECK_QUEUE,
      INSIGHTS_SCHEDULE_QUEUE,
      INSIGHT_DELIVERY_QUEUE,
      ...analysisQueues,
    ],
  });
}

/**
 * The proactive checks: each store's daily check, and the hourly pass that keeps one schedule
 * per linked store (run once at start, so a new deployment schedules at once).
 */
async function startInsightWorkers(deps: WorkerDeps): Promise<void> {
  const { boss, db, log, observe } = deps;
  await boss.work<CheckJob>(
    INSIGHTS_CHECK_QUEUE,
    WORK_OPTIONS,
    loggedHandler<CheckJob>(log, async (job, jobLog) => {
      const outcome = await runDailyCheck({ db, boss }, job.data);
      jobLog.info("daily check done", {
        day: outcome.day,
        created: outcome.created.length,
        extended: outcome.extended,
        skipped: outcome.skipped,
      });
      return outcome;
    }, observe),
  );
  await boss.schedule(INSIGHTS_SCHEDULE_QUEUE, "17 * * * *");
  await boss.work(
    INSIGHTS_SCHEDULE_QUEUE,
    WORK_OPTIONS,
    loggedHandler(log, () => reconcileSchedules({ db, boss }), observe),
  );
  await boss.send(INSIGHTS_SCHEDULE_QUEUE, {}, { singletonKey: "start" });
  const push = deps.push ?? { apns: null, environment: "production" as const };
  await boss.work<InsightDeliveryJob>(
    INSIGHT_DELIVERY_QUEUE,
    WORK_OPTIONS,
    loggedHandler<InsightDeliveryJob>(
      log,
      (job) => deliverInsight({ db, boss, ...push }, job.data),
      observe,
    ),
  );
}

/** The orchestrator and one queue per department; analysis jobs are short, so several run at once. */
async function startAnalysisWorkers(deps: WorkerDeps): Promise<string[]> {
  const { boss, db, log, observe } = deps;
  const { modelFor, onNode, onNodeEnd, concurrency = DEFAULT_ANALYSIS_CONCURRENCY } = deps.analysis;
  const options = {
    ...WORK_OPTIONS,
    localConcurrency: concurrency,
    notifyPollingIntervalSeconds: ANALYSIS_POLL_SECONDS,
  };
  // Departments and the graph are built once per process, not per job: the user's model is
  // the only thing that varies, and it is looked up per request.
  const built = new Map<string | null, ReturnType<typeof createDepartments>>();
  const departmentsFor = (preferredLlm: string | null) => {
    let departments = built.get(preferredLlm);
    if (!departments) {
      departments = createDepartments({ mirror: deps.mirror, log, modelFor }, preferredLlm);
      // Model names are the users' to choose: a bounded cache, not one that grows with them.
      if (built.size >= 64) built.clear();
      built.set(preferredLlm, departments);
    }
    return departments;
  };
  const runAnalysis = createAnalysisRunner({
    db,
    boss,
    log,
    modelFor,
    departmentsFor,
    onNode,
    onNodeEnd,
  });
  await boss.work<AnalysisJob>(
    ANALYSIS_QUEUE,
    options,
    loggedHandler<AnalysisJob>(log, (job) => runAnalysis(job.data, job.signal), observe),
  );
  for (const department of DEPARTMENTS) {
    await boss.work<DepartmentJob>(
      departmentQueue(department),
      options,
      loggedHandler<DepartmentJob>(
        log,
        (job, jobLog) =>
          runDepartmentJob(
            { db, boss, log: jobLog, departmentsFor },
            job.data,
            job.retryCount,
            job.signal,
          ),
        observe,
      ),
    );
  }
  await boss.work<AnalysisJob | DepartmentJob>(
    ANALYSIS_DEAD_LETTER_QUEUE,
    // pg-boss moves a job here without a NOTIFY, so only the poll finds it.
    { ...WORK_OPTIONS, notifyPollingIntervalSeconds: ANALYSIS_POLL_SECONDS },
    loggedHandler<AnalysisJob | DepartmentJob>(
      log,
      (job, jobLog) => settleDeadAnalysisJob({ db, boss, log: jobLog }, job.data),
      observe,
    ),
  );
  return [ANALYSIS_QUEUE, ...DEPARTMENTS.map(departmentQueue), ANALYSIS_DEAD_LETTER_QUEUE];
}
