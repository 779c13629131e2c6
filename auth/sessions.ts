/**
 * Sessions: a refresh-token family per sign-in. Refresh tokens are rotated on
 * every use; presenting one that was already rotated means it was copied, so
 * the whole family is revoked and the event is recorded.
 */
import type { Database, Tx } from "../db/database.ts";
import type { Logger } from "../log/logger.ts";
import type { AccessTokens } from "./access_tokens.ts";
import { mintToken, parseToken } from "./opaque_tokens.ts";
import { fail, ok, type Outcome } from "./user_errors.ts";
import { audit } from "../db/audit.ts";
import type { SessionCache } from "./session_cache.ts";

export const REFRESH_TOKEN_TTL_DAYS = 30;

export interface SessionTokens {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
}

export interface SessionDeps {
  db: Database;
  accessTokens: AccessTokens;
  log: Logger;
  /** Told when a reused refresh token ends a session here. */
  sessions: Pick<SessionCache, "forgetUser">;
}

/** Starts a new family (sign-in) or continues one (rotation) inside `tx`. */
export async function issueTokens(
  deps: Pick<SessionDeps, "accessTokens">,
  tx: Tx,
  userId: string,
  familyId: string = crypto.randomUUID(),
): Promise<SessionTokens> {
  const refresh = mintToken("rt", userId);
  await tx`
    insert into refresh_tokens (user_id, family_id, token_hash, expires_at)
    values (${userId}, ${familyId}, ${refresh.hash},
            now() + make_interval(days => ${REFRESH_TOKEN_TTL_DAYS}))`;
  const access = await deps.accessTokens.sign({ userId, sessionId: familyId });
  return {
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken: refresh.token,
  };
}

const SIGN_IN_AGAIN = "Your session has ended. Sign in again.";

export async function rotateRefreshToken(
  deps: SessionDeps,
  presented: string,
): Promise<Outcome<SessionTokens & { userId: string }>> {
  const parsed = parseToken("rt", presented);
  if (!parsed) return fail("AUTHENTICATION_REQUIRED", SIGN_IN_AGAIN, { field: "refreshToken" });
  const { userId, hash } = parsed;

  let ended = false;
  const outcome = await deps.db.withTenant(userId, async (tx) => {
    // The row lock serialises two refreshes of one token: the second sees it used.
    const [row] = await tx<
      {
        id: string;
        family_id: string;
        expired: boolean;
        used_at: Date | null;
        revoked_at: Date | null;
      }[]
    >`
      select id, family_id, expires_at <= now() as expired, used_at, revoked_at
      from refresh_tokens where token_hash = ${hash} for update`;
    if (!row) return fail("AUTHENTICATION_REQUIRED", SIGN_IN_AGAIN, { field: "refreshToken" });

    if (row.used_at || row.revoked_at) {
      const revoked = await revokeFamily(tx, userId, row.family_id, "reuse_detected");
      ended = revoked > 0;
      if (row.used_at && !row.revoked_at) {
        await audit(tx, {
          userId,
          actor: "system",
          action: "session.refresh_token_reused",
          details: { family_id: row.family_id, revoked_tokens: revoked },
        });
        deps.log.warn("security: refresh token reused; session family revoked", {
          user_id: userId,
          family_id: row.family_id,
        });
      }
      return fail("AUTHENTICATION_REQUIRED", SIGN_IN_AGAIN, { field: "refreshToken" });
    }
    if (row.expired) {
      return fail("AUTHENTICATION_REQUIRED", SIGN_IN_AGAIN, { field: "refreshToken" });
    }

    await tx`update refresh_tokens set used_at = now() where id = ${row.id}`;
    return ok({ userId, ...(await issueTokens(deps, tx, userId, row.family_id)) });
  });
  if (ended) deps.sessions.forgetUser(userId);
  return outcome;
}

/** Revokes every live token of a family; returns how many. */
export async function revokeFamily(
  tx: Tx,
  userId: string,
  familyId: string,
  reason: string,
): Promise<number> {
  const result = await tx`
    update refresh_tokens set revoked_at = now(), revoked_reason = ${reason}
    where user_id = ${userId} and family_id = ${familyId} and revoked_at is null`;
  return result.count;
}

/** Revokes every session of a user (password reset). */
export async function revokeAllSessions(tx: Tx, userId: string, reason: string): Promise<number> {
  const result = await tx`
    update refresh_tokens set revoked_at = now(), revoked_reason = ${reason}
    where user_id = ${userId} and revoked_at is null`;
  return result.count;
}
