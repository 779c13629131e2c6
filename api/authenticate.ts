/**
 * Who is calling, from an `Authorization` header. A missing or bad token is
 * not an error here: the fields that need a viewer say so, with the reason.
 * A valid token's session must still be live (logout, password reset and
 * reuse detection end it at once, in every process: auth/session_cache.ts)
 * and its user within the per-user rate limit (auth/request_limiter.ts).
 */
import type { Viewer } from "../auth/access_tokens.ts";
import type { ApiServices } from "./context.ts";

export type Authentication =
  | { viewer: Viewer | null; viewerProblem: string | null; retryAfterSeconds?: undefined }
  | { rateLimited: true; retryAfterSeconds: number };

export async function authenticate(
  header: string | undefined,
  services: Pick<ApiServices, "accessTokens" | "sessions" | "requestLimiter" | "shopifySessions">,
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
    // The dashboard embedded in the Shopify admin sends App Bridge's session token instead.
    const shopify = await services.shopifySessions.viewerFor(match[1]!);
    if (shopify && "viewer" in shopify) {
      // A session token lives a minute and comes fresh from Shopify: there is no Alatar
      // session to check, only the per-user limit.
      const verdict = await services.requestLimiter.hit(shopify.viewer.userId);
      if (!verdict.allowed) {
        return { rateLimited: true, retryAfterSeconds: verdict.retryAfterSeconds };
      }
      return { viewer: shopify.viewer, viewerProblem: null };
    }
    return {
      viewer: null,
      viewerProblem: shopify?.problem ??
        "The access token is invalid or has expired. Refresh it or sign in again.",
    };
  }
  // Neither check touches the database on the hot path: the session's liveness is remembered
  // until a notification says otherwise, and hits are counted here and written in batches.
  const [live, verdict] = await Promise.all([
    services.sessions.isLive(viewer.userId, viewer.sessionId),
    services.requestLimiter.hit(viewer.userId),
  ]);
  if (!live) return { viewer: null, viewerProblem: "Your session has ended. Sign in again." };
  if (!verdict.allowed) return { rateLimited: true, retryAfterSeconds: verdict.retryAfterSeconds };
  return { viewer, viewerProblem: null };
}
