/**
 * When each store's daily check runs: at 06:mm in the shop's own timezone,
 * through one pg-boss schedule per store (key: the account, `tz`: its zone),
 * so "yesterday" is complete and the insight is there before the merchant's
 * day starts. The minute is fixed per store from its id, which spreads ten
 * thousand stores over the hour instead of starting them at once.
 *
 * `reconcileSchedules` (hourly, and at worker start) adds the schedules of
 * newly linked stores, moves those whose timezone changed, and drops those of
 * stores no longer linked.
 */
import type { PgBoss } from "pg-boss";
import type { Database } from "../db/database.ts";
import { type CheckJob, INSIGHTS_CHECK_QUEUE } from "./check.ts";

export const INSIGHTS_SCHEDULE_QUEUE = "insights.schedule";
/** The hour of the daily check, shop time. */
export const CHECK_HOUR = 6;

/** The store's minute of the hour: FNV-1a of its id, mod 60. */
export function checkMinute(accountId: string): number {
  let hash = 0x811c9dc5;
  for (const char of accountId) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 60;
}

export const checkCron = (accountId: string) => `${checkMinute(accountId)} ${CHECK_HOUR} * * *`;

type Scheduler = Pick<PgBoss, "schedule" | "unschedule" | "getSchedules">;

export async function reconcileSchedules(
  deps: { db: Database; boss: Scheduler },
): Promise<{ added: number; changed: number; removed: number }> {
  const accounts = await deps.db.withSystem(
    "list linked stores for their daily checks",
    (tx) =>
      tx<{ id: string; user_id: string; timezone: string }[]>`
        select a.id, a.user_id, coalesce(s.shop_timezone, 'UTC') as timezone
        from linked_accounts a join store_sync_state s on s.linked_account_id = a.id
        where a.provider = 'shopify' and a.status = 'active'`,
  );
  const existing = new Map(
    (await deps.boss.getSchedules(INSIGHTS_CHECK_QUEUE)).map((s) => [s.key, s]),
  );
  let added = 0, changed = 0, removed = 0;
  for (const account of accounts) {
    const cron = checkCron(account.id);
    const now = existing.get(account.id);
    existing.delete(account.id);
    if (now && now.cron === cron && now.timezone === account.timezone) continue;
    await deps.boss.schedule(
      INSIGHTS_CHECK_QUEUE,
      cron,
      { userId: account.user_id, accountId: account.id } satisfies CheckJob,
      // A worker that was down at 06:mm still checks the day once it is back.
      { tz: account.timezone, key: account.id, singletonKey: account.id, missed: "once" },
    );
    if (now) changed++;
    else added++;
  }
  for (const key of existing.keys()) {
    await deps.boss.unschedule(INSIGHTS_CHECK_QUEUE, key);
    removed++;
  }
  return { added, changed, removed };
}
