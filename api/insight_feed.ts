/**
 * The live `insightAdded` feed for this API process's subscribers.
 *
 * Migration 0024 NOTIFYs `insight_events` (user id and sequence number only)
 * when an insight becomes ready, at commit. A notification wakes that user's
 * subscribers, each of which reads the ready insights after the last one it
 * sent, under its own tenant context; so a missed or merged notification loses
 * nothing, and after the LISTEN connection comes back every subscriber reads
 * again. Event ids are the insights' sequence numbers: a client reconnecting
 * with `Last-Event-ID` is sent what became ready meanwhile. Without one, the
 * feed starts with what becomes ready after the subscription.
 *
 * @example
 * ```ts
 * const feed = createInsightFeed({ db, log, closing });
 * await feed.start();
 * for await (const { eventId, insight } of await feed.watch(userId, null, signal)) send(eventId, insight);
 * ```
 */
import type { Database } from "../db/database.ts";
import type { Logger } from "../log/logger.ts";
import { type InsightRow, readyInsightsAfter } from "./queries.ts";

export const INSIGHT_EVENTS_CHANNEL = "insight_events";

export interface InsightUpdate {
  eventId: string;
  insight: InsightRow;
}

export interface InsightFeed {
  start(): Promise<void>;
  /**
   * Ready insights after `afterEventId` (or after now), as they come, until `signal` aborts or
   * the process stops; resolves once the subscriber is registered.
   */
  watch(
    userId: string,
    afterEventId: string | null,
    signal: AbortSignal,
  ): Promise<AsyncGenerator<InsightUpdate>>;
  stop(): Promise<void>;
}

interface Watcher {
  changed: boolean;
  wake: (() => void) | null;
}

export function createInsightFeed(
  deps: { db: Database; log: Logger; closing: AbortSignal },
): InsightFeed {
  const { db, log } = deps;
  const byUser = new Map<string, Set<Watcher>>();
  let listening: { unlisten(): Promise<void> } | null = null;

  const poke = (w: Watcher) => {
    w.changed = true;
    w.wake?.();
  };
  const onNotify = (payload: string) => {
    let userId: unknown;
    try {
      userId = JSON.parse(payload).userId;
    } catch {
      log.warn("unreadable insight notification", { payload });
      return;
    }
    if (typeof userId === "string") { for (const w of byUser.get(userId) ?? []) poke(w); }
  };
  const onListen = () => {
    for (const watchers of byUser.values()) for (const w of watchers) poke(w);
  };
  const changed = (w: Watcher, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (w.changed || signal.aborted) return resolve();
      const done = () => {
        w.wake = null;
        signal.removeEventListener("abort", done);
        resolve();
      };
      w.wake = done;
      signal.addEventListener("abort", done, { once: true });
    });

  return {
    async start() {
      listening = await db.listen(INSIGHT_EVENTS_CHANNEL, onNotify, onListen);
    },
    async watch(userId, afterEventId, signal) {
      const stop = AbortSignal.any([signal, deps.closing]);
      const watcher: Watcher = { changed: false, wake: null };
      // Registered, and the starting point read, before the first event is asked for: an
      // insight made ready once this has resolved is sent.
      const watchers = byUser.get(userId) ?? new Set();
      byUser.set(userId, watchers);
      watchers.add(watcher);
      const leave = () => {
        watchers.delete(watcher);
        if (watchers.size === 0 && byUser.get(userId) === watchers) byUser.delete(userId);
      };
      let after: string;
      try {
        after = afterEventId ??
          (await db.withTenant(userId, (tx) => readyInsightsAfter(tx, userId, null))).last;
      } catch (error) {
        leave();
        throw error;
      }
      return (async function* () {
        try {
          while (!stop.aborted) {
            watcher.changed = false;
            const { rows } = await db.withTenant(
              userId,
              (tx) => readyInsightsAfter(tx, userId, after),
            );
            for (const insight of rows) {
              yield { eventId: insight.seq, insight };
              after = insight.seq;
            }
            if (rows.length === 100) continue; // more than a page came at once
            await changed(watcher, stop);
          }
        } finally {
          leave();
        }
      })();
    },
    async stop() {
      for (const watchers of byUser.values()) for (const w of watchers) w.wake?.();
      await listening?.unlisten();
      listening = null;
    },
  };
}
