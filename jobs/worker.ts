/**
 * The worker role: registers each queue's handler and the schedules, and
 * drains jobs until stopped. Later departments register here.
 */
import type { PgBoss } from "pg-boss";
import type { EmailSender } from "../auth/mail.ts";
import type { Database } from "../db/database.ts";
import type { Logger } from "../log/logger.ts";
import { deliverEmail, EMAIL_QUEUE, type EmailJob } from "./email_delivery.ts";
import { type JobObserver, loggedHandler } from "./handler.ts";
import { PURGE_QUEUE, purgeExpired } from "./purge.ts";
import { processWebhook, WEBHOOK_QUEUE } from "../shopify/webhooks.ts";

export interface WorkerDeps {
  boss: PgBoss;
  db: Database;
  log: Logger;
  emailSender: EmailSender;
  /** Told of every finished job run (metrics; tests waiting for a job). */
  observe?: JobObserver;
}

export async function startWorker(deps: WorkerDeps): Promise<void> {
  const { boss, db, log, observe } = deps;
  await boss.schedule(PURGE_QUEUE, "*/10 * * * *");
  await boss.work(
    PURGE_QUEUE,
    loggedHandler(log, async (_job, jobLog) => {
      const purged = await purgeExpired(db);
      jobLog.info("expired rows purged", purged);
      return purged;
    }, observe),
  );
  await boss.work<EmailJob>(
    EMAIL_QUEUE,
    loggedHandler<EmailJob>(
      log,
      (job) => deliverEmail({ db, sender: deps.emailSender }, job.data),
      observe,
    ),
  );
  await boss.work<{ webhookId: string }>(
    WEBHOOK_QUEUE,
    loggedHandler<{ webhookId: string }>(
      log,
      (job) => processWebhook({ db, log }, job.data.webhookId),
      observe,
    ),
  );
  log.info("worker ready", { queues: [PURGE_QUEUE, EMAIL_QUEUE, WEBHOOK_QUEUE] });
}
