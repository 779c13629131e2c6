/**
 * Delivers one ready insight (issue #12): a push to each of the user's
 * devices through APNs, and for the weekly digest an e-mail through the mail
 * outbox. Runs as the `insights.deliver` job, queued in the transaction that
 * makes the insight ready (graph/request_status.ts), so no ready insight goes
 * undelivered.
 *
 * - Notifications off (`notificationsEnabled` false): nothing is sent.
 * - Quiet hours (22:00–08:00 shop time unless set otherwise): the job is queued
 *   again for the hour they end.
 * - Each device gets the insight once: a `push_deliveries` row per device, so
 *   a retried job skips devices already done; the collapse id is the
 *   insight's, so a resend after a crash between Apple's answer and our commit
 *   replaces the first on the device instead of adding a second.
 * - `BadDeviceToken`/`Unregistered` remove the device; 429, 5xx and an
 *   unreachable APNs fail the attempt, and pg-boss retries it with backoff;
 *   anything else fails that device's delivery with Apple's reason.
 */
import type { Database, Tx } from "../db/database.ts";
import { enqueueInTransaction, type Enqueuer } from "../jobs/enqueue.ts";
import { EMAIL_QUEUE, type EmailJob } from "../auth/email_delivery.ts";
import type { ApnsClient, PushOutcome } from "./apns_client.ts";
import { INSIGHT_DELIVERY_QUEUE, type InsightDeliveryJob } from "./delivery_queue.ts";
import { quietUntil } from "./quiet_hours.ts";

export interface DeliveryDeps {
  db: Database;
  boss: Enqueuer;
  /** Null when APNs is not configured: insights are still listed and e-mailed. */
  apns: ApnsClient | null;
  /** Which devices this APNs endpoint serves ("any": the local server in development). */
  environment: "production" | "sandbox" | "any";
  now?: () => Date;
}

export interface DeliveryOutcome {
  pushed: number;
  removed: number;
  failed: number;
  emailed: boolean;
  skipped?: string;
  deferredUntil?: string;
}

/** A push that may go through later (APNs throttling or down): pg-boss retries the job. */
export class PushLater extends Error {
  constructor(reasons: string[]) {
    super(`APNs asked to try again later: ${reasons.join(", ")}`);
    this.name = "PushLater";
  }
}

interface Reading {
  insight: {
    id: string;
    kind: string;
    title: string;
    summary: string;
    delivered: boolean;
    analysis_request_id: string | null;
    explanation: string | null;
  };
  enabled: boolean;
  quietStart: number;
  quietEnd: number;
  timezone: string;
  email: string;
  unread: number;
  devices: Array<{ id: string; token: string }>;
}

export async function deliverInsight(
  deps: DeliveryDeps,
  job: InsightDeliveryJob,
): Promise<DeliveryOutcome> {
  const now = deps.now ?? (() => new Date());
  const outcome: DeliveryOutcome = { pushed: 0, removed: 0, failed: 0, emailed: false };
  const read = await deps.db.withTenant(job.userId, (tx) => readDelivery(tx, deps, job));
  if (!read) return { ...outcome, skipped: "There is no such ready insight." };
  const { insight } = read;
  if (insight.delivered) return { ...outcome, skipped: "Already delivered." };
  if (!read.enabled) {
    await deps.db.withTenant(job.userId, (tx) => markDelivered(tx, insight.id));
    return { ...outcome, skipped: "Notifications are off." };
  }
  const until = quietUntil(now(), read.timezone, read.quietStart, read.quietEnd);
  if (until) {
    await deps.boss.send(INSIGHT_DELIVERY_QUEUE, job, { startAfter: until });
    return { ...outcome, deferredUntil: until.toISOString() };
  }

  const later: string[] = [];
  const settled: Array<{ deviceId: string; result: Exclude<PushOutcome, { kind: "retry" }> }> = [];
  if (deps.apns) {
    for (const device of read.devices) {
      const result = await deps.apns.send({
        deviceToken: device.token,
        collapseId: insight.id,
        // A day later the news is stale: APNs stops trying.
        expiration: Math.floor(now().getTime() / 1000) + 86_400,
        payload: {
          aps: {
            alert: { title: insight.title, body: insight.summary },
            sound: "default",
            badge: read.unread,
            "thread-id": "insights",
          },
          insightId: insight.id,
          analysisRequestId: insight.analysis_request_id,
        },
      });
      if (result.kind === "retry") later.push(result.reason);
      else settled.push({ deviceId: device.id, result });
    }
  }
  // One transaction for every answer (and, when nothing waits for a retry, the insight's end).
  await deps.db.withTenant(job.userId, async (tx) => {
    for (const { deviceId, result } of settled) {
      if (result.kind === "sent") {
        await recordDelivery(tx, job.userId, insight.id, deviceId, "sent", result.apnsId, null);
        await tx`update push_devices set last_pushed_at = now() where id = ${deviceId}`;
        outcome.pushed++;
      } else if (result.kind === "drop_device") {
        await recordDelivery(
          tx,
          job.userId,
          insight.id,
          deviceId,
          "device_removed",
          null,
          result.reason,
        );
        await tx`delete from push_devices where id = ${deviceId}`;
        outcome.removed++;
      } else {
        await recordDelivery(tx, job.userId, insight.id, deviceId, "failed", null, result.reason);
        outcome.failed++;
      }
    }
    if (later.length) return;
    if ((await markDelivered(tx, insight.id)) && insight.kind === "digest") {
      await queueDigestEmail(tx, deps.boss, job.userId, read);
      outcome.emailed = true;
    }
  });
  if (later.length) throw new PushLater(later);
  return outcome;
}

async function readDelivery(
  tx: Tx,
  deps: DeliveryDeps,
  job: InsightDeliveryJob,
): Promise<Reading | null> {
  const [row] = await tx<
    (Reading["insight"] & {
      enabled: boolean | null;
      quiet_start: number | null;
      quiet_end: number | null;
      timezone: string | null;
      email: string;
      unread: number;
    })[]
  >`
    select i.id, i.kind, i.title, i.summary, i.delivered_at is not null as delivered,
           i.analysis_request_id, r.result->>'summary' as explanation,
           p.notifications_enabled as enabled, p.quiet_hours_start as quiet_start,
           p.quiet_hours_end as quiet_end, s.shop_timezone as timezone, u.email,
           (select count(*)::int from insights
            where ready_at is not null and read_at is null) as unread
    from insights i
    join users u on u.id = i.user_id
    left join user_preferences p on p.user_id = i.user_id
    left join store_sync_state s on s.linked_account_id = i.linked_account_id
    left join analysis_requests r on r.id = i.analysis_request_id
    where i.id = ${job.insightId} and i.ready_at is not null`;
  if (!row) return null;
  // Devices already done for this insight are left out: a retried job sends only the rest.
  const devices = await tx<{ id: string; token: string }[]>`
    select d.id, d.token from push_devices d
    where (${deps.environment} = 'any' or d.environment = ${deps.environment})
      and not exists (select 1 from push_deliveries x
                      where x.insight_id = ${job.insightId} and x.device_id = d.id)
    order by d.created_at, d.id`;
  return {
    insight: {
      id: row.id,
      kind: row.kind,
      title: row.title,
      summary: row.summary,
      delivered: row.delivered,
      analysis_request_id: row.analysis_request_id,
      explanation: row.explanation,
    },
    enabled: row.enabled ?? true,
    quietStart: row.quiet_start ?? 22,
    quietEnd: row.quiet_end ?? 8,
    timezone: row.timezone ?? "UTC",
    email: row.email,
    unread: row.unread,
    devices,
  };
}

function recordDelivery(
  tx: Tx,
  userId: string,
  insightId: string,
  deviceId: string,
  status: "sent" | "failed" | "device_removed",
  apnsId: string | null,
  reason: string | null,
) {
  return tx`insert into push_deliveries (user_id, insight_id, device_id, status, apns_id, reason)
            values (${userId}, ${insightId}, ${deviceId}, ${status}, ${apnsId}, ${reason})
            on conflict (insight_id, device_id) do nothing`;
}

/** True when this call marked it (a concurrent run that got there first makes it false). */
async function markDelivered(tx: Tx, insightId: string): Promise<boolean> {
  const rows = await tx`update insights set delivered_at = now(), updated_at = now()
                        where id = ${insightId} and delivered_at is null returning id`;
  return rows.length === 1;
}

async function queueDigestEmail(tx: Tx, boss: Enqueuer, userId: string, read: Reading) {
  const body = [
    read.insight.summary,
    read.insight.explanation ?? "",
    "Open Alatar for the charts and the actions proposed for this week.",
  ].filter(Boolean).join("\n\n");
  const [email] = await tx<{ id: string }[]>`
    insert into email_outbox (user_id, to_address, subject, body)
    values (${userId}, ${read.email}, ${read.insight.title}, ${body}) returning id`;
  await enqueueInTransaction(
    boss,
    tx,
    EMAIL_QUEUE,
    {
      userId,
      emailId: email!.id,
    } satisfies EmailJob,
  );
}
