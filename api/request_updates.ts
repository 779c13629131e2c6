/**
 * Live analysis request updates for this API process's subscribers.
 *
 * One LISTEN connection per process hears the NOTIFY that the event trigger
 * sends at commit (migration 0001; the payload carries ids only). A
 * notification only wakes the subscribers of that request: each then reads
 * the events it has not seen from `analysis_request_events`, under its own
 * tenant context, so another tenant's id reveals nothing and a missed or
 * merged notification loses nothing. The events and the row are read in one
 * snapshot: read apart, a terminal row could arrive with the events before its
 * own, and the stream would end one update short. When the LISTEN connection comes back
 * after a drop, every subscriber reads again, which catches up whatever was
 * announced while it was down.
 *
 * @example
 * ```ts
 * const updates = createRequestUpdates({ db, log });
 * await updates.start();
 * const stream = await updates.watch(userId, requestId, null, signal);
 * for await (const { eventId, request } of stream ?? []) send(eventId, request);
 * ```
 */
import { startSpanIn, TRACING, userHash } from "../log/tracing.ts";
import type { Database, Tx } from "../db/database.ts";
import { isUuid } from "../db/database.ts";
import type { Logger } from "../log/logger.ts";
import { type AnalysisRequestRow, analysisRequestsByIds } from "./queries.ts";
import { createInsightFeed, type InsightFeed } from "./insight_feed.ts";

export const REQUEST_EVENTS_CHANNEL = "analysis_request_events";
const TERMINAL = new Set(["completed", "failed", "cancelled"]);

/** The request as of one logged event; `eventId` is the SSE event id. */
export interface RequestUpdate {
  eventId: string;
  request: AnalysisRequestRow;
}

export interface RequestUpdates {
  /** Starts listening; resolves once the LISTEN is in place. */
  start(): Promise<void>;
  /**
   * The request's updates: without `afterEventId` its current state first,
   * with it every logged change after that event; then each change as it is
   * committed, ending after a terminal status or when `signal` aborts. Null
   * when the user has no such request.
   */
  watch(
    userId: string,
    requestId: string,
    afterEventId: string | null,
    signal: AbortSignal,
  ): Promise<AsyncGenerator<RequestUpdate> | null>;
  /** Subscribers currently watching (a closed connection leaves at once). */
  readonly watching: number;
  /** Subscriptions started since the process began (for /metrics and tests). */
  readonly watched: number;
  /**
   * Aborted by `stop()`: streams then close without completing, so their
   * clients reconnect (to another process) and resume from their last event.
   */
  readonly closing: AbortSignal;
  /** The insightAdded feed, started and stopped with these updates. */
  readonly insights: InsightFeed;
  stop(): Promise<void>;
}

interface Watcher {
  changed: boolean;
  wake: (() => void) | null;
}

export function createRequestUpdates(deps: { db: Database; log: Logger }): RequestUpdates {
  const { db, log } = deps;
  const byRequest = new Map<string, Set<Watcher>>();
  let watching = 0;
  let watched = 0;
  let listening: { unlisten(): Promise<void> } | null = null;
  const closing = new AbortController();
  const insights = createInsightFeed({ db, log, closing: closing.signal });

  const poke = (watcher: Watcher) => {
    watcher.changed = true;
    watcher.wake?.();
  };

  const onNotify = (payload: string) => {
    let requestId: unknown;
    try {
      requestId = JSON.parse(payload).requestId;
    } catch {
      log.warn("unreadable request event notification", { payload });
      return;
    }
    if (typeof requestId !== "string") return;
    for (const watcher of byRequest.get(requestId) ?? []) poke(watcher);
  };

  // (Re)connected: anything announced while the connection was down is in the log.
  const onListen = () => {
    for (const watchers of byRequest.values()) for (const w of watchers) poke(w);
  };

  const changed = (watcher: Watcher, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (watcher.changed || signal.aborted) return resolve();
      const done = () => {
        watcher.wake = null;
        signal.removeEventListener("abort", done);
        resolve();
      };
      watcher.wake = done;
      signal.addEventListener("abort", done, { once: true });
    });

  return {
    async start() {
      listening = await db.listen(REQUEST_EVENTS_CHANNEL, onNotify, onListen);
      await insights.start();
    },
    insights,
    get watching() {
      return watching;
    },
    get watched() {
      return watched;
    },
    closing: closing.signal,
    async watch(userId, requestId, afterEventId, signal) {
      if (!isUuid(requestId)) return null;
      const watcher: Watcher = { changed: false, wake: null };
      // Registered before the first read, so a change committed meanwhile is not missed.
      const watchers = byRequest.get(requestId) ?? new Set();
      byRequest.set(requestId, watchers);
      watchers.add(watcher);
      watching++;
      watched++;
      const leave = () => {
        if (!watchers.delete(watcher)) return;
        watching--;
        if (watchers.size === 0 && byRequest.get(requestId) === watchers) {
          byRequest.delete(requestId);
        }
      };
      let first: Unseen | null;
      try {
        first = await db.withTenant(
          userId,
          (tx) => readUpdates(tx, userId, requestId, afterEventId),
          { snapshot: true },
        );
      } catch (error) {
        leave();
        throw error;
      }
      if (!first) {
        leave();
        return null;
      }
      return (async function* () {
        try {
          let last = afterEventId;
          let read: Unseen | null = first;
          first = null;
          while (read) {
            for (const update of read.updates) {
              // The final event closes the analysis's trace (a no-op unless tracing is on).
              const span = TRACING && TERMINAL.has(update.request.status)
                ? await finalEventSpan(db, userId, requestId)
                : null;
              yield update;
              span?.end();
              last = update.eventId;
            }
            if (TERMINAL.has(read.status)) return;
            // Not held while waiting: a thousand idle subscribers would keep a thousand rows.
            read = null;
            await changed(watcher, signal);
            if (signal.aborted || closing.signal.aborted) return;
            watcher.changed = false;
            read = await db.withTenant(
              userId,
              (tx) => readUpdates(tx, userId, requestId, last),
              { snapshot: true },
            );
          }
        } finally {
          leave();
        }
      })();
    },
    async stop() {
      closing.abort();
      for (const watchers of byRequest.values()) for (const w of watchers) w.wake?.();
      await listening?.unlisten();
      listening = null;
      await insights.stop();
    },
  };
}

/**
 * What a subscriber has not seen: with no event id, the request as it is now
 * (as of its newest event); otherwise one update per event after it. Earlier
 * events of a batch show that moment's status and progress; the last shows
 * the whole current row, result included. Null when the request is not the
 * tenant's.
 */
interface Unseen {
  /** The request's status now. */
  status: string;
  updates: RequestUpdate[];
}

async function readUpdates(
  tx: Tx,
  userId: string,
  requestId: string,
  afterEventId: string | null,
): Promise<Unseen | null> {
  const events = await tx<
    { event_id: string; status: string; progress: AnalysisRequestRow["progress"] }[]
  >`
    select id::text as event_id, status, progress from analysis_request_events
    where analysis_request_id = ${requestId}
      ${afterEventId === null ? tx`` : tx`and id > ${afterEventId}::bigint`}
    order by id ${afterEventId === null ? tx`desc limit 1` : tx``}`;
  const [row] = await analysisRequestsByIds(tx, userId, [requestId]);
  if (!row) return null;
  const updates = events.map((event, i) => ({
    eventId: event.event_id,
    request: i === events.length - 1 ? row : {
      ...row,
      status: event.status,
      progress: event.progress,
      result: null,
      error_message: null,
      error_code: null,
    },
  }));
  return { status: row.status, updates };
}

/** A span in the trace of the request's submission, around sending its final event. */
async function finalEventSpan(db: Database, userId: string, requestId: string) {
  const [row] = await db.withTenant(userId, (tx) =>
    tx<{ trace_parent: string | null }[]>`
      select trace_parent from analysis_requests where id = ${requestId}`);
  return startSpanIn(row?.trace_parent ?? null, "sse final event", {
    "alatar.request_id": requestId,
    "alatar.user_hash": userHash(userId),
  });
}
