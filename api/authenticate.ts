/**
 * Who is calling, from an `Authorization` header. A missing or bad token is
 * not an error here: the fields that need a viewer say so, with the reason.
 * A valid token's session must still be live (logout, password reset and
 * reuse detection end it at once) and its user within the per-user rate
 * limit; both are checked in one tenant transaction.
 */
import type { Viewer } from "../auth/access_tokens.ts";
import { countHit, rateLimitKey, retryAfter, type Verdict, verdictOf } from "../auth/rate_limit.ts";
import type { Tx } from "../db/database.ts";
import type { ApiServices } from "./context.ts";

export type Authentication =
  | { viewer: Viewer | null; viewerProblem: string | null; retryAfterSeconds?: undefined }
  | { rateLimited: true; retryAfterSeconds: number };

export async function authenticate(
  header: string | undefined,
  services: Pick<ApiServices, "accessTokens" | "db" | "limiter" | "limits">,
): Promise<Authentication> {
  if (!header) return { viewer: null, viewerProblem: null };
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) {
    return { viewer: null, viewerProblem: "Use the header Authorization: Bearer <access token>." };
  }
  let viewer: Viewer;
  try {
    viewer = await services.accessTokens.verify(match[1]!);
  } catch {
    return {
      viewer: null,
      viewerProblem: "The access token is invalid or has expired. Refresh it or sign in again.",
    };
  }
  const { live, verdict } = await services.db.withTenant(
    viewer.userId,
    (tx) => checkSessionAndCount(tx, viewer, services),
  );
  if (!live) return { viewer: null, viewerProblem: "Your session has ended. Sign in again." };
  if (!verdict.allowed) return { rateLimited: true, retryAfterSeconds: verdict.retryAfterSeconds };
  return { viewer, viewerProblem: null };
}

/**
 * One statement for the two checks every authenticated request makes. Its
 * transaction commits without waiting for the WAL flush: a rate-limit hit lost
 * in a crash costs nothing, and the request does not pay for an fsync.
 */
async function checkSessionAndCount(
  tx: Tx,
  viewer: Viewer,
  services: Pick<ApiServices, "limits">,
): Promise<{ live: boolean; verdict: Verdict }> {
  const { limit, windowSeconds } = services.limits.requestsPerUser;
  const key = rateLimitKey("user", viewer.userId);
  const [row] = await tx<{ live: boolean; hits: number; retry_after: number }[]>`
    with counted as (${countHit(tx, key, windowSeconds)})
    select
      set_config('synchronous_commit', 'off', true) is not null
        and exists (select 1 from refresh_tokens
                    where user_id = ${viewer.userId} and family_id = ${viewer.sessionId}
                      and revoked_at is null and expires_at > now()) as live,
      hits,
      ${retryAfter(tx, windowSeconds)} as retry_after
    from counted`;
  return { live: row!.live, verdict: verdictOf(row!, limit) };
}
