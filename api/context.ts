/**
 * What every resolver can reach for one HTTP request: the signed-in viewer
 * (or why there is none), the services, and per-request batch loaders.
 * @hono/graphql-server passes the Hono context as GraphQL's context value.
 */
import type { SessionCache } from "../auth/session_cache.ts";
import type { RequestLimiter } from "../auth/request_limiter.ts";
import type { ShopifySessionViewers } from "./shopify_session_viewer.ts";
import DataLoader from "dataloader";
import type { Context } from "hono";
import type { Viewer } from "../auth/access_tokens.ts";
import { isUuid } from "../db/database.ts";
import type { PlatformLoginDeps } from "../auth/platform_logins.ts";
import type { Logger } from "../log/logger.ts";
import type { ShopifyLinkDeps } from "../shopify/oauth.ts";
import { authenticationRequired } from "./errors.ts";
import type { RequestUpdates } from "./request_updates.ts";
import { type MirrorCounts, mirrorCounts } from "../mirror/sync_state.ts";
import { returnPoliciesOf, type ReturnPolicy } from "../actions/returns_policy.ts";
import {
  type AnalysisRequestRow,
  analysisRequestsByIds,
  type ProposedActionRow,
  proposedActionsByRequestIds,
} from "./queries.ts";

/** Everything resolvers may use; also what linking a Shopify store needs. */
export type ApiServices = PlatformLoginDeps & ShopifyLinkDeps & {
  /** Which sessions are live, remembered between requests (auth/session_cache.ts). */
  sessions: SessionCache;
  /** The per-user request limit, counted without a write per request. */
  requestLimiter: RequestLimiter;
  /** Callers that present a Shopify session token (the embedded dashboard). */
  shopifySessions: ShopifySessionViewers;
  /** When an action's recovery job looks at it (ACTION_RECOVERY_SECONDS by default). */
  actionRecoverySeconds?: number;
};

export interface RequestContext {
  viewer: Viewer | null;
  /** Why a presented access token was not accepted, for the error a client sees. */
  viewerProblem: string | null;
  ip: string;
  services: ApiServices;
  log: Logger;
  loaders: Loaders;
  /** Set only on the SSE route (/graphql/stream), where subscriptions run. */
  live?: LiveContext;
}

export interface LiveContext {
  updates: RequestUpdates;
  /** The `Last-Event-ID` a reconnecting client sent. */
  lastEventId: string | null;
  /** Aborted when the client's connection closes. */
  signal: AbortSignal;
}

declare module "hono" {
  interface ContextVariableMap {
    api: RequestContext;
    /** Set when a resolver found the database unreachable: the answer is a 503. */
    databaseUnavailable: boolean;
  }
}

export interface Loaders {
  analysisRequest: DataLoader<string, AnalysisRequestRow | null>;
  proposedActionsOfRequest: DataLoader<string, ProposedActionRow[]>;
  mirrorCounts: DataLoader<string, MirrorCounts>;
  returnPolicy: DataLoader<string, ReturnPolicy>;
}

export function apiContext(c: Context): RequestContext {
  return c.get("api");
}

export function requireViewer(ctx: RequestContext): Viewer {
  if (!ctx.viewer) throw authenticationRequired(ctx.viewerProblem ?? undefined);
  return ctx.viewer;
}

/** Loaders batch aliased lookups of one request into a single query. */
export function createLoaders(services: Pick<ApiServices, "db">, viewer: () => Viewer): Loaders {
  return {
    analysisRequest: new DataLoader(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length === 0 ? [] : await services.db.withTenant(
        viewer().userId,
        (tx) => analysisRequestsByIds(tx, viewer().userId, valid),
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
    }),
    proposedActionsOfRequest: new DataLoader(async (requestIds) => {
      const rows = await services.db.withTenant(
        viewer().userId,
        (tx) => proposedActionsByRequestIds(tx, viewer().userId, requestIds),
      );
      return requestIds.map((id) => rows.filter((r) => r.asked_in === id));
    }),
    mirrorCounts: new DataLoader(async (accountIds) => {
      const counts = await services.db.withTenant(
        viewer().userId,
        (tx) => mirrorCounts(tx, [...accountIds]),
      );
      return accountIds.map((id) => counts.get(id) ?? new Error(`no account ${id}`));
    }),
    returnPolicy: new DataLoader(async (accountIds) => {
      const policies = await services.db.withTenant(
        viewer().userId,
        (tx) => returnPoliciesOf(tx, accountIds),
      );
      return accountIds.map((id) => policies.get(id)!);
    }),
  };
}
