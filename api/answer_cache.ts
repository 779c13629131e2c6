/**
 * Answers to a user's GraphQL reads, kept until that user's data changes.
 *
 * A phone app and the dashboard ask the same few queries again and again (`me` on every open, the
 * History screen polling its list), and between two asks the answer rarely changed. Each change
 * to a tenant's rows NOTIFYs `alatar_tenant_changed` with the user's id at commit (migration
 * 0032, statement triggers on every table with a `user_id`), and every API process then forgets
 * that user's answers. The process that ran a mutation forgets the user at once too
 * (`forgetUser`), so its own client reads its writes.
 *
 * Correct across processes for the same reasons as auth/session_cache.ts: an answer whose read
 * was overtaken by a notification for its user is not kept (a per-user generation, taken before
 * the read starts, so a change committed after the read's snapshot is always announced after it);
 * everything is forgotten whenever LISTEN (re)connects, since notifications sent meanwhile are
 * lost; nothing is kept while not listening; and nothing is kept past `ttlMs`. What remains is
 * the notification's own flight: a write committed by another process is seen here once its
 * notification arrives (docs/benchmarks.md measures it).
 *
 * Only whole successes of authenticated queries are kept (no errors), under a byte budget, least
 * recently used users evicted first.
 */
import type { Database } from "../db/database.ts";
import type { Logger } from "../log/logger.ts";

export const TENANT_CHANGED_CHANNEL = "alatar_tenant_changed";

/** An answer as sent: its JSON bytes and, once a GET asked for it, its ETag. */
export interface HeldAnswer {
  body: Uint8Array<ArrayBuffer>;
  etag?: string;
}

/** Taken before a read starts; the answer is kept only if nothing changed for the user since. */
export interface ReadTicket {
  readonly userId: string;
  readonly user: UserAnswers;
  readonly generation: number;
}

interface UserAnswers {
  generation: number;
  /** `size` counts the key and the body, as the budget does. */
  answers: Map<string, { answer: HeldAnswer; until: number; size: number }>;
  bytes: number;
}

export interface AnswerCache {
  get(userId: string, key: string): HeldAnswer | null;
  /** Call before reading; pass the ticket to `keep`. */
  ticket(userId: string): ReadTicket;
  keep(ticket: ReadTicket, key: string, answer: HeldAnswer): void;
  /** Forgets a user's answers (after this process changed their data). */
  forgetUser(userId: string): void;
  /** Held bytes and users, for tests and metrics. */
  readonly stats: { bytes: number; users: number };
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** What identifies one answer of a user: the parsed document (one object per distinct text), the operation and the variables. */
export function answerKey(
  documentId: number,
  operationName: string | null,
  variables: Record<string, unknown> | undefined,
): string {
  return `${documentId}\n${operationName ?? ""}\n${variables ? JSON.stringify(variables) : ""}`;
}

export function createAnswerCache(
  db: Pick<Database, "listen">,
  log: Logger,
  options: {
    ttlMs?: number;
    /** All answers of all users together. */
    maxBytes?: number;
    /** Larger answers are not kept: they would push out many small ones. */
    maxAnswerBytes?: number;
    /** Users remembered, answers or not (each read's ticket remembers its user). */
    maxUsers?: number;
    /** Called when a notification makes the cache forget a user (observability, tests). */
    onForget?: (userId: string) => void;
    now?: () => number;
  } = {},
): AnswerCache {
  const ttlMs = options.ttlMs ?? 60_000;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const maxAnswerBytes = options.maxAnswerBytes ?? 256 * 1024;
  const maxUsers = options.maxUsers ?? 100_000;
  const now = options.now ?? Date.now;
  /** By user id; the Map's order is least recently used first. */
  let users = new Map<string, UserAnswers>();
  let bytes = 0;
  let listening: { unlisten(): Promise<void> } | null = null;

  const userOf = (userId: string): UserAnswers => {
    let user = users.get(userId);
    if (user) {
      users.delete(userId);
    } else {
      user = { generation: 0, answers: new Map(), bytes: 0 };
    }
    users.set(userId, user);
    if (users.size > maxUsers) drop(users.keys().next().value!);
    return user;
  };
  const forgetUser = (userId: string) => {
    const user = users.get(userId);
    if (!user) return;
    // The entry stays, with a new generation: a read in flight for this user is not kept.
    user.generation++;
    bytes -= user.bytes;
    user.bytes = 0;
    user.answers.clear();
  };
  const forgetAll = () => {
    // New entries for everyone: every ticket taken before now points at an entry no longer held.
    users = new Map();
    bytes = 0;
  };
  /** Forgets a user entirely: a read in flight for them is not kept (its entry is gone). */
  const drop = (userId: string) => {
    bytes -= users.get(userId)?.bytes ?? 0;
    users.delete(userId);
  };
  const evict = () => {
    for (const userId of users.keys()) {
      if (bytes <= maxBytes) return;
      drop(userId);
    }
  };

  return {
    get(userId, key) {
      const user = users.get(userId);
      const held = user?.answers.get(key);
      if (!held) return null;
      if (held.until <= now()) {
        // Only this answer is old; the user's others and reads in flight stand.
        user!.answers.delete(key);
        user!.bytes -= held.size;
        bytes -= held.size;
        return null;
      }
      // Re-inserted, so the Map's order stays least recently used first.
      users.delete(userId);
      users.set(userId, user!);
      return held.answer;
    },
    ticket(userId) {
      const user = userOf(userId);
      return { userId, user, generation: user.generation };
    },
    keep(ticket, key, answer) {
      const user = users.get(ticket.userId);
      if (!listening || user !== ticket.user || user.generation !== ticket.generation) return;
      const size = answer.body.byteLength + key.length;
      if (size > maxAnswerBytes) return;
      const old = user.answers.get(key);
      if (old) {
        user.bytes -= old.size;
        bytes -= old.size;
      }
      user.answers.set(key, { answer, until: now() + ttlMs, size });
      user.bytes += size;
      bytes += size;
      evict();
    },
    forgetUser,
    get stats() {
      return { bytes, users: users.size };
    },
    async start() {
      listening = await db.listen(
        TENANT_CHANGED_CHANNEL,
        (userId) => {
          forgetUser(userId);
          options.onForget?.(userId);
        },
        // Connected or reconnected: what was sent while away is lost, so forget everything.
        () => forgetAll(),
      );
      log.debug("answer cache listening", { channel: TENANT_CHANGED_CHANNEL });
    },
    async stop() {
      await listening?.unlisten();
      listening = null;
      forgetAll();
    },
  };
}
