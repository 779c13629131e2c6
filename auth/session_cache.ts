/**
 * Whether an access token's session is still live, remembered between
 * requests so the hot path reads nothing. A session ends (logout, password
 * reset, a reused refresh token) by revoking its refresh tokens; a trigger
 * then NOTIFYs `alatar_session_ended` with the user's id at commit, and every
 * API process forgets that user's sessions. The process that ended it forgets
 * them at once too (`forgetUser`), so its own next request already sees it.
 *
 * Correct across processes because nothing stale survives a notification:
 * a check that was reading while one arrived is not remembered (generation
 * counter), everything is forgotten whenever LISTEN reconnects (notifications
 * sent meanwhile are lost), and no answer is kept past `ttlMs` or past the
 * session's last refresh token's expiry.
 */
import type { Database } from "../db/database.ts";
import type { Logger } from "../log/logger.ts";

export const SESSION_ENDED_CHANNEL = "alatar_session_ended";

export interface SessionCache {
  isLive(userId: string, sessionId: string): Promise<boolean>;
  /** Forgets what is known of a user's sessions (after this process ended one). */
  forgetUser(userId: string): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface Entry {
  userId: string;
  liveUntil: number;
}

export function createSessionCache(
  db: Pick<Database, "withTenant" | "listen">,
  log: Logger,
  options: {
    ttlMs?: number;
    maxEntries?: number;
    /** Called when a notification makes the cache forget a user (observability, tests). */
    onForget?: (userId: string) => void;
  } = {},
): SessionCache {
  const ttlMs = options.ttlMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 100_000;
  /** Live sessions by `userId:sessionId`; a dead one is never remembered (it is rare). */
  const live = new Map<string, Entry>();
  let generation = 0;
  let listening: { unlisten(): Promise<void> } | null = null;

  const forgetUser = (userId: string) => {
    generation++;
    for (const [key, entry] of live) if (entry.userId === userId) live.delete(key);
  };
  const forgetAll = () => {
    generation++;
    live.clear();
  };

  return {
    async isLive(userId, sessionId) {
      const key = `${userId}:${sessionId}`;
      const known = live.get(key);
      if (known && known.liveUntil > Date.now()) return true;
      const asked = generation;
      const [row] = await db.withTenant(userId, (tx) =>
        tx<{ until: Date | null }[]>`
          select max(expires_at) as until from refresh_tokens
          where user_id = ${userId} and family_id = ${sessionId}
            and revoked_at is null and expires_at > now()`);
      const until = row?.until?.getTime() ?? null;
      if (until === null) {
        live.delete(key);
        return false;
      }
      // Only an answer no notification overtook is remembered.
      if (asked === generation && listening) {
        if (live.size >= maxEntries) live.delete(live.keys().next().value!);
        live.set(key, { userId, liveUntil: Math.min(until, Date.now() + ttlMs) });
      }
      return true;
    },
    forgetUser,
    async start() {
      listening = await db.listen(
        SESSION_ENDED_CHANNEL,
        (userId) => {
          forgetUser(userId);
          options.onForget?.(userId);
        },
        // Connected or reconnected: what was sent while away is lost, so forget everything.
        () => forgetAll(),
      );
      log.debug("session cache listening", { channel: SESSION_ENDED_CHANNEL });
    },
    async stop() {
      await listening?.unlisten();
      listening = null;
      forgetAll();
    },
  };
}
