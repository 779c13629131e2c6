/**
 * Resolvers bound to schema.graphql. Mutations translate service outcomes
 * into payloads with `userErrors`; queries read through the tenant helper.
 */
import { type ReturnPolicyChange, updateReturnPolicy } from "../actions/return_policy_settings.ts";
import type { GraphQLResolveInfo } from "graphql";
import { selectedFields } from "./selection.ts";
import type { Context } from "hono";
import * as accounts from "../auth/accounts.ts";
import { approveAction, type Decision, rejectAction } from "../actions/approval.ts";
import { previewOfStored } from "../actions/preview.ts";
import { createDeviceToken, liveDeviceTokens, revokeDeviceToken } from "../auth/device_tokens.ts";
import { issueTokens, rotateRefreshToken } from "../auth/sessions.ts";
import {
  linkPlatformLogin,
  type PlatformLogin,
  platformLogins,
  signInWithPlatform,
  unlinkPlatformLogin,
} from "../auth/platform_logins.ts";
import type { LoginProvider } from "../auth/platform_tokens.ts";
import { startShopifyOAuth } from "../shopify/oauth.ts";
import { completeShopifyOAuth } from "../mirror/link_store.ts";
import { fail, type Outcome, rateLimited, type UserError } from "../auth/user_errors.ts";
import { apiContext, requireViewer } from "./context.ts";
import type { Viewer } from "../auth/access_tokens.ts";
import { cancelAnalysisRequest, submitAnalysisRequest } from "../graph/requests.ts";
import { isUuid } from "../db/database.ts";
import {
  analysisRequestPage,
  analysisRequestsByIds,
  auditLogPage,
  conversationById,
  conversationPage,
  conversationRequests,
  insightPage,
  linkedAccountById,
  linkedAccountsOf,
  markInsightRead,
  preferencesOf,
  proposedActionPage,
  proposedActionsByIds,
  storeParts,
  unreadInsights,
  userById,
} from "./queries.ts";
import type {
  AnalysisRequestRow,
  AuditLogRow,
  ConversationRow,
  InsightRow,
  LinkedAccountRow,
  ProposedActionRow,
  UserRow,
} from "./queries.ts";
import {
  connection,
  decodeCursor,
  decodeIdCursor,
  encodeIdCursor,
  pageLimit,
} from "./pagination.ts";
import { DateScalar, DateTimeScalar, JSONScalar } from "./scalars.ts";
import { apiError, authenticationRequired, invalidInput } from "./errors.ts";
import type { InsightUpdate } from "./insight_feed.ts";
import { registerPushDevice, unregisterPushDevice } from "../notifications/push_devices.ts";
import type { RequestUpdate } from "./request_updates.ts";

type Args = Record<string, unknown>;

/** A payload from an outcome; rate-limit errors also set `Retry-After`. */
function payload<T>(c: Context, outcome: Outcome<T>, fields: (value: T) => object, empty: object) {
  if (outcome.ok) return { ...fields(outcome.value), userErrors: [] as UserError[] };
  const wait = outcome.errors.find((e) => e.retryAfterSeconds)?.retryAfterSeconds;
  if (wait) c.header("Retry-After", String(wait));
  return { ...empty, userErrors: outcome.errors };
}

/** A mutation's payload carrying the request it acted on, read back in the caller's context. */
async function analysisRequestPayload(
  c: Context,
  viewer: Viewer,
  outcome: Outcome<{ id: string }>,
) {
  if (!outcome.ok) return payload(c, outcome, () => ({}), { analysisRequest: null });
  const [row] = await apiContext(c).services.db.withTenant(
    viewer.userId,
    (tx) => analysisRequestsByIds(tx, viewer.userId, [outcome.value.id]),
  );
  return { analysisRequest: row ? toAnalysisRequest(row) : null, userErrors: [] };
}

/** A decision's payload: the action as it now stands, and why it failed if it did. */
interface DecisionArgs {
  actionId: string;
  clientMutationId?: string | null;
}

/** A mutation's client key: the argument, or the `Idempotency-Key` header for clients that cannot add one. */
const clientKeyOf = (c: Context, args: { clientMutationId?: string | null }) =>
  args.clientMutationId ?? c.req.header("idempotency-key") ?? null;

async function actionPayload(c: Context, viewer: Viewer, outcome: Outcome<Decision>) {
  if (!outcome.ok) {
    return payload(c, outcome, () => ({}), { success: false, proposedAction: null, action: null });
  }
  const [row] = await apiContext(c).services.db.withTenant(
    viewer.userId,
    (tx) => proposedActionsByIds(tx, viewer.userId, [outcome.value.id]),
  );
  const action = row ? toProposedAction(row) : null;
  const userErrors = outcome.value.error ? [outcome.value.error] : [];
  return { success: userErrors.length === 0, proposedAction: action, action, userErrors };
}

function toAuditEntry(row: AuditLogRow) {
  return {
    id: row.id,
    actor: row.actor.toUpperCase(),
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    analysisRequestId: row.analysis_request_id,
    beforeStatus: row.before_status,
    afterStatus: row.after_status,
    details: row.details,
    createdAt: row.created_at,
  };
}

const providerOf = (provider: "APPLE" | "GOOGLE"): LoginProvider =>
  provider === "APPLE" ? "apple" : "google";
const toPlatformLogin = (login: PlatformLogin) => ({
  ...login,
  provider: login.provider.toUpperCase(),
});

const signedIn = (value: accounts.SignedIn) => ({
  accessToken: value.accessToken,
  accessTokenExpiresAt: value.accessTokenExpiresAt,
  refreshToken: value.refreshToken,
  user: value.user,
});
const noSession = { accessToken: null, accessTokenExpiresAt: null, refreshToken: null, user: null };

export function toAnalysisRequest(row: AnalysisRequestRow) {
  const result = row.result as
    | {
      summary: string;
      speech?: string;
      visualizations?: unknown[];
      rawData?: unknown;
      model: string;
      currency?: string;
      interpretation?: unknown;
    }
    | null;
  return {
    id: row.id,
    prompt: row.prompt,
    status: row.status.toUpperCase(),
    progress: row.progress,
    result: result && {
      ...result,
      speech: result.speech ?? null,
      currency: result.currency ?? null,
      visualizations: result.visualizations ?? [],
      // Answers stored before interpretations existed say so rather than invent one.
      interpretation: result.interpretation ?? {
        text: "Not recorded for this answer",
        answerable: true,
        metrics: [],
        dimensions: [],
        range: null,
        comparisonRange: null,
        timezone: "UTC",
        assumptions: [],
      },
    },
    errorMessage: row.error_message,
    errorCode: row.error_code,
    linkedAccountId: row.linked_account_id,
    conversationId: row.conversation_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toInsight(row: InsightRow) {
  return {
    id: row.id,
    kind: row.kind.toUpperCase(),
    severity: row.severity.toUpperCase(),
    title: row.title,
    summary: row.summary,
    range: { from: row.period_from, to: row.period_to },
    linkedAccountId: row.linked_account_id,
    analysisRequestId: row.analysis_request_id,
    createdAt: row.created_at,
    readAt: row.read_at,
  };
}

function toConversation(row: ConversationRow) {
  return { id: row.id, title: row.title, createdAt: row.created_at, updatedAt: row.updated_at };
}

export function toProposedAction(row: ProposedActionRow) {
  return {
    id: row.id,
    analysisRequestId: row.analysis_request_id,
    description: row.description,
    actionType: row.action_type,
    parameters: row.parameters,
    preview: previewOfStored(row.action_type, row.parameters, row.description, row.shop),
    linkedAccountId: row.linked_account_id,
    shop: row.shop,
    status: row.status.toUpperCase(),
    executionResult: row.execution_result,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toLinkedAccount(row: LinkedAccountRow) {
  return {
    id: row.id,
    provider: row.provider,
    accountIdentifier: row.account_identifier,
    status: row.status.toUpperCase(),
    scopes: row.scopes,
    syncStatus: row.sync_status.toUpperCase(),
    lastSyncedAt: row.last_synced_at,
    syncError: row.sync_error,
    createdAt: row.created_at,
  };
}

const ACTION_STATUSES = new Set([
  "PROPOSED",
  "APPROVED",
  "REJECTED",
  "EXECUTING",
  "EXECUTED",
  "FAILED",
]);

export const resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  JSON: JSONScalar,

  Query: {
    async me(_: unknown, __: Args, c: Context) {
      const ctx = apiContext(c);
      const viewer = requireViewer(ctx);
      return await ctx.services.db.withTenant(viewer.userId, (tx) => userById(tx, viewer.userId));
    },
    async analysisRequest(_: unknown, args: { id: string }, c: Context) {
      const ctx = apiContext(c);
      requireViewer(ctx);
      const row = await ctx.loaders.analysisRequest.load(args.id);
      return row && toAnalysisRequest(row);
    },
    async listAnalysisRequests(
      _: unknown,
      args: { first?: number; after?: string; updatedSince?: Date | null },
      c: Context,
      info: GraphQLResolveInfo,
    ) {
      const ctx = apiContext(c);
      const viewer = requireViewer(ctx);
      const limit = pageLimit(args.first);
      const after = decodeCursor(args.after);
      // Only the parts of each answer the operation asks for (api/selection.ts).
      const parts = selectedFields(info, ["edges", "node"]).has("result")
        ? [...selectedFields(info, ["edges", "node", "result"])]
        : [];
      const rows = await ctx.services.db.withTenant(
        viewer.userId,
        (tx) =>
          analysisRequestPage(tx, viewer.userId, after, limit, args.updatedSince ?? null, parts),
      );
      return connection(rows, limit, toAnalysisRequest);
    },
    async conversations(_: unknown, args: { first?: number; after?: string }, c: Context) {
      const ctx = apiContext(c);
      const viewer = requireViewer(ctx);
      const limit = pageLimit(args.first);
      const after = decodeCursor(args.after);
      const rows = await ctx.services.db.withTenant(
        viewer.userId,
        (tx) => conversationPage(tx, viewer.userId, after, limit),
      );
      return connection(rows, limit, toConversation);
    },
    async conversation(_: unknown, args: { id: string }, c: Context) {
      const ctx = apiContext(c);
      const viewer = requireViewer(ctx);
      // Another tenant's conversation is invisible (RLS): it answers null like a missing one.
      if (!isUuid(args.id)) return null;
      const row = await ctx.services.db.withTenant(
        viewer.userId,
        (tx) => conversationById(tx, viewer.userId, args.id),
      );
      return row && toConversation(row);
    },
    async insights(
      _: unknown,
      args: {
        first?: number;
        after?: string;
        unreadOnly?: boolean;
        linkedAccountId?: string | null;
      },
      c: Context,
    ) {
      const ctx = apiContext(c);
      const viewer = requireViewer(ctx);
      const limit = pageLimit(args.first);
      const after = decodeCursor(args.after);
      // Another tenant's store, or no store at all, filters to nothing (RLS hides its rows).
      const account = args.linkedAccountId ?? null;
      if (account !== null && !isUuid(account)) {
        return { edges: [], pageInfo: { hasNextPage: false, endCursor: null }, unreadCount: 0 };
      }
      const filter = { unreadOnly: args.unreadOnly ?? false, linkedAccountId: account };
      const [rows, unread] = await ctx.services.db.withTenant(
        viewer.userId,
        async (tx) =>
          [
            await insightPage(tx, viewer.userId, filter, after, limit),
            await unreadInsights(tx, viewer.userId, account),
          ] as const,
      );
      return { ...connection(rows, limit, toInsight), unreadCount: unread };
    },
    async unreadInsightCount(_: unknown, _args: Args, c: Context) {
      const ctx = apiContext(c);
      const viewer = requireViewer(ctx);
      return await ctx.services.db.withTenant(
        viewer.userId,
        (tx) => unreadInsights(tx, viewer.userId),
      );
    },
    async proposedActions(
      _: unknown,
      args: { status?: string | null; first?: number; after?: string; updatedSince?: Date | null },
      c: Context,
    ) {
      const ctx = apiContext(c);
      const viewer = requireViewer(ctx);
      const limit = pageLimit(args.first);
      const after = decodeCursor(args.after);
      if (args.status && !ACTION_STATUSES.has(args.status)) {
        throw invalidInput("Unknown status", "status");
      }
      const status = args.status ? args.status.toLowerCase() : null;
      const rows = await ctx.services.db.withTenant(
        viewer.userId,
        (tx) =>
          proposedActionPage(tx, viewer.userId, status, after, limit, args.updatedSince ?? null),
      );
      return connection(rows, limit, toProposedAction);
    },
    async auditLog(_: unknown, args: { first?: number; after?: string | null }, c: Context) {
      const ctx = apiContext(c);
      const viewer = requireViewer(ctx);
      const limit = pageLimit(args.first);
      const before = decodeIdCursor(args.after);
      const rows = await ctx.services.db.withTenant(
        viewer.userId,
        (tx) => auditLogPage(tx, viewer.userId, before, limit),
      );
      return connection(rows, limit, toAuditEntry, (row) => encodeIdCursor(row.id));
    },
    async deviceTokens(_: unknown, __: Args, c: Context) {
      const ctx = apiContext(c);
      const viewer = requireViewer(ctx);
      return await ctx.services.db.withTenant(viewer.userId, liveDeviceTokens);
    },
    async linkedAccounts(_: unknown, __: Args, c: Context) {
      const ctx = apiContext(c);
      const viewer = requireViewer(ctx);
      const rows = await ctx.services.db.withTenant(
        viewer.userId,
        (tx) => linkedAccountsOf(tx, viewer.userId),
      );
      return rows.map(toLinkedAccount);
    },
  },

  Mutation: {
    async register(_: unknown, args: { email: string; password: string }, c: Context) {
      const ctx = apiContext(c);
      const outcome = await accounts.register(ctx.services, { ...args, ip: ctx.ip });
      return payload(c, outcome, signedIn, noSession);
    },
    async login(_: unknown, args: { email: string; password: string }, c: Context) {
      const ctx = apiContext(c);
      const outcome = await accounts.login(ctx.services, { ...args, ip: ctx.ip });
      return payload(c, outcome, signedIn, noSession);
    },
    async signInWithApple(_: unknown, args: { idToken: string; nonce: string }, c: Context) {
      const ctx = apiContext(c);
      const outcome = await signInWithPlatform(ctx.services, {
        provider: "apple",
        ...args,
        ip: ctx.ip,
      });
      return payload(c, outcome, signedIn, noSession);
    },
    async signInWithGoogle(_: unknown, args: { idToken: string }, c: Context) {
      const ctx = apiContext(c);
      const outcome = await signInWithPlatform(ctx.services, {
        provider: "google",
        ...args,
        ip: ctx.ip,
      });
      return payload(c, outcome, signedIn, noSession);
    },
    async linkPlatformLogin(
      _: unknown,
      args: { provider: "APPLE" | "GOOGLE"; idToken: string; nonce?: string | null },
      c: Context,
    ) {
      const ctx = apiContext(c);
      const outcome = await linkPlatformLogin(ctx.services, requireViewer(ctx), {
        ...args,
        provider: providerOf(args.provider),
      });
      return payload(c, outcome, (login) => ({ platformLogin: toPlatformLogin(login) }), {
        platformLogin: null,
      });
    },
    async unlinkPlatformLogin(_: unknown, args: { provider: "APPLE" | "GOOGLE" }, c: Context) {
      const ctx = apiContext(c);
      const outcome = await unlinkPlatformLogin(
        ctx.services.db,
        requireViewer(ctx),
        providerOf(args.provider),
      );
      return payload(c, outcome, () => ({ provider: args.provider }), { provider: null });
    },
    async refreshToken(_: unknown, args: { refreshToken: string }, c: Context) {
      const ctx = apiContext(c);
      const outcome = await rotateRefreshToken(ctx.services, args.refreshToken);
      if (!outcome.ok) return payload(c, outcome, signedIn, noSession);
      const user = await ctx.services.db.withTenant(
        outcome.value.userId,
        (tx) => userById(tx, outcome.value.userId),
      );
      return payload(
        c,
        { ok: true, value: { ...outcome.value, user: user! } },
        signedIn,
        noSession,
      );
    },
    async logout(_: unknown, __: Args, c: Context) {
      const ctx = apiContext(c);
      const outcome = await accounts.logout(ctx.services, requireViewer(ctx));
      return payload(c, outcome, () => ({ success: true }), { success: false });
    },
    async requestPasswordReset(_: unknown, args: { email: string }, c: Context) {
      const ctx = apiContext(c);
      const outcome = await accounts.requestPasswordReset(ctx.services, {
        email: args.email,
        ip: ctx.ip,
      });
      return payload(c, outcome, () => ({ success: true }), { success: false });
    },
    async resetPassword(_: unknown, args: { token: string; password: string }, c: Context) {
      const ctx = apiContext(c);
      const outcome = await accounts.resetPassword(ctx.services, args);
      return payload(c, outcome, () => ({ success: true }), { success: false });
    },
    async updatePreferences(
      _: unknown,
      args: {
        preferredLlm?: string | null;
        notificationsEnabled?: boolean | null;
        quietHoursStart?: number | null;
        quietHoursEnd?: number | null;
      },
      c: Context,
    ) {
      const ctx = apiContext(c);
      const outcome = await accounts.updatePreferences(ctx.services, requireViewer(ctx), args);
      return payload(c, outcome, (preferences) => ({ preferences }), { preferences: null });
    },
    async updateReturnPolicy(_: unknown, args: ReturnPolicyChange, c: Context) {
      const ctx = apiContext(c);
      const outcome = await updateReturnPolicy(ctx.services, requireViewer(ctx), args);
      return payload(c, outcome, (returnPolicy) => ({ returnPolicy }), { returnPolicy: null });
    },
    async startShopifyOAuth(_: unknown, args: { shop: string }, c: Context) {
      const ctx = apiContext(c);
      if (!ctx.viewer) {
        // Log in with Shopify starts without an account: limit it like sign-in.
        const verdict = await ctx.services.limiter.hit(
          "login:ip",
          ctx.ip,
          ctx.services.limits.loginPerIp,
        );
        if (!verdict.allowed) {
          return payload(c, rateLimited(verdict.retryAfterSeconds), () => ({}), {
            authorizationUrl: null,
          });
        }
      }
      const outcome = await startShopifyOAuth(ctx.services, ctx.viewer, args.shop);
      return payload(c, outcome, (value) => value, { authorizationUrl: null });
    },
    async submitAnalysisRequest(
      _: unknown,
      args: {
        prompt: string;
        linkedAccountId?: string | null;
        linkedAccountIds?: string[] | null;
        clientMutationId?: string | null;
        conversationId?: string | null;
      },
      c: Context,
    ) {
      const ctx = apiContext(c);
      const viewer = requireViewer(ctx);
      const outcome = await submitAnalysisRequest(
        ctx.services,
        viewer,
        {
          prompt: args.prompt,
          linkedAccountId: args.linkedAccountId,
          linkedAccountIds: args.linkedAccountIds,
          clientKey: clientKeyOf(c, args),
          conversationId: args.conversationId,
        },
        // Read in the committing transaction: the answer is what was committed.
        (tx, id) => analysisRequestsByIds(tx, viewer.userId, [id]),
      );
      if (!outcome.ok) return payload(c, outcome, () => ({}), { analysisRequest: null });
      const [row] = outcome.value.read ?? [];
      return { analysisRequest: row ? toAnalysisRequest(row) : null, userErrors: [] };
    },
    async userApprovesAction(_: unknown, args: DecisionArgs, c: Context) {
      const ctx = apiContext(c);
      const viewer = requireViewer(ctx);
      const outcome = await approveAction(
        ctx.services,
        viewer,
        args.actionId,
        clientKeyOf(c, args),
      );
      return await actionPayload(c, viewer, outcome);
    },
    async userRejectsAction(_: unknown, args: DecisionArgs, c: Context) {
      const ctx = apiContext(c);
      const viewer = requireViewer(ctx);
      const outcome = await rejectAction(ctx.services, viewer, args.actionId, clientKeyOf(c, args));
      return await actionPayload(c, viewer, outcome);
    },
    async createDeviceToken(_: unknown, args: { name: string }, c: Context) {
      const ctx = apiContext(c);
      const outcome = await createDeviceToken(ctx.services.db, requireViewer(ctx), args.name);
      return payload(c, outcome, (value) => value, { token: null, deviceToken: null });
    },
    async revokeDeviceToken(_: unknown, args: { id: string }, c: Context) {
      const ctx = apiContext(c);
      const outcome = await revokeDeviceToken(ctx.services.db, requireViewer(ctx), args.id);
      return payload(c, outcome, (deviceToken) => ({ deviceToken }), { deviceToken: null });
    },
    async registerPushDevice(
      _: unknown,
      args: { token: string; environment?: string | null },
      c: Context,
    ) {
      const ctx = apiContext(c);
      const viewer = requireViewer(ctx);
      const environment = args.environment === "SANDBOX" ? "sandbox" : "production";
      const outcome = await registerPushDevice(ctx.services.db, viewer.userId, {
        token: args.token,
        environment,
      });
      return payload(c, outcome, (row) => ({
        device: {
          id: row.id,
          environment: row.environment.toUpperCase(),
          createdAt: row.created_at,
          lastPushedAt: row.last_pushed_at,
        },
      }), { device: null });
    },
    async unregisterPushDevice(_: unknown, args: { id: string }, c: Context) {
      const ctx = apiContext(c);
      const viewer = requireViewer(ctx);
      const outcome = await unregisterPushDevice(ctx.services.db, viewer.userId, args.id);
      return payload(c, outcome, (r) => ({ deviceId: r.id }), { deviceId: null });
    },
    async markInsightRead(_: unknown, args: { id: string }, c: Context) {
      const ctx = apiContext(c);
      const viewer = requireViewer(ctx);
      const row = isUuid(args.id)
        ? await ctx.services.db.withTenant(
          viewer.userId,
          (tx) => markInsightRead(tx, viewer.userId, args.id),
        )
        : null;
      if (!row) {
        const missing = fail("NOT_FOUND", "There is no insight with this id.", { field: "id" });
        return payload(c, missing, () => ({}), { insight: null });
      }
      return { insight: toInsight(row), userErrors: [] };
    },
    async cancelAnalysisRequest(_: unknown, args: { id: string }, c: Context) {
      const ctx = apiContext(c);
      const viewer = requireViewer(ctx);
      const outcome = await cancelAnalysisRequest(ctx.services, viewer, args.id);
      return await analysisRequestPayload(c, viewer, outcome);
    },
    async completeShopifyOAuth(_: unknown, args: { query: string }, c: Context) {
      const ctx = apiContext(c);
      const outcome = await completeShopifyOAuth(ctx.services, args.query, ctx.viewer);
      const empty = { linkedAccount: null, ...noSession };
      if (!outcome.ok) return payload(c, outcome, () => ({}), empty);
      const userId = outcome.value.signIn ?? ctx.viewer?.userId;
      if (!userId) throw authenticationRequired();
      return await ctx.services.db.withTenant(userId, async (tx) => {
        const row = await linkedAccountById(tx, userId, outcome.value.id);
        const session = outcome.value.signIn ? await issueTokens(ctx.services, tx, userId) : null;
        const user = session ? await userById(tx, userId) : null;
        return {
          ...noSession,
          ...(session ? { ...session, user } : {}),
          linkedAccount: row && toLinkedAccount(row),
          userErrors: [],
        };
      });
    },
  },

  User: {
    // The parent came from `me` or a sign-in payload, so it is the caller's own account.
    async platformLogins(user: UserRow, _: Args, c: Context) {
      const logins = await apiContext(c).services.db.withTenant(
        user.id,
        (tx) => platformLogins(tx),
      );
      return logins.map(toPlatformLogin);
    },
    preferences(user: UserRow, _: Args, c: Context) {
      return user.preferences ??
        apiContext(c).services.db.withTenant(user.id, (tx) => preferencesOf(tx, user.id));
    },
  },

  Subscription: {
    analysisRequestUpdates: {
      async subscribe(_: unknown, args: { requestId: string }, c: Context) {
        const ctx = apiContext(c);
        const viewer = requireViewer(ctx);
        if (!ctx.live) {
          throw invalidInput("Subscribe at /graphql/stream, over Server-Sent Events.");
        }
        const { updates, lastEventId, signal } = ctx.live;
        const stream = await updates.watch(viewer.userId, args.requestId, lastEventId, signal);
        if (!stream) {
          throw apiError("NOT_FOUND", "There is no analysis request with this id.", {
            field: "requestId",
          });
        }
        return stream;
      },
      resolve: (update: RequestUpdate) => toAnalysisRequest(update.request),
    },
    insightAdded: {
      subscribe(_: unknown, _args: Args, c: Context) {
        const ctx = apiContext(c);
        const viewer = requireViewer(ctx);
        if (!ctx.live) {
          throw invalidInput("Subscribe at /graphql/stream, over Server-Sent Events.");
        }
        const { updates, lastEventId, signal } = ctx.live;
        return updates.insights.watch(viewer.userId, lastEventId, signal);
      },
      resolve: (update: InsightUpdate) => toInsight(update.insight),
    },
  },

  Conversation: {
    async requests(
      conversation: { id: string },
      args: { first?: number; after?: string },
      c: Context,
    ) {
      const ctx = apiContext(c);
      const viewer = requireViewer(ctx);
      const limit = pageLimit(args.first);
      const after = decodeCursor(args.after);
      const rows = await ctx.services.db.withTenant(
        viewer.userId,
        (tx) => conversationRequests(tx, viewer.userId, conversation.id, after, limit),
      );
      for (const row of rows) ctx.loaders.analysisRequest.prime(row.id, row);
      return connection(rows, limit, toAnalysisRequest);
    },
  },

  Insight: {
    async analysisRequest(insight: { analysisRequestId: string | null }, _: Args, c: Context) {
      if (!insight.analysisRequestId) return null;
      const row = await apiContext(c).loaders.analysisRequest.load(insight.analysisRequestId);
      return row && toAnalysisRequest(row);
    },
  },

  AnalysisRequest: {
    async proposedActions(request: { id: string }, _: Args, c: Context) {
      const rows = await apiContext(c).loaders.proposedActionsOfRequest.load(request.id);
      return rows.map(toProposedAction);
    },
    async storeAnswers(
      request: { id: string; linkedAccountId: string | null },
      _: Args,
      c: Context,
    ) {
      // Only a question across stores has none of its own store.
      if (request.linkedAccountId) return [];
      const ctx = apiContext(c);
      const viewer = requireViewer(ctx);
      const rows = await ctx.services.db.withTenant(
        viewer.userId,
        (tx) => storeParts(tx, viewer.userId, request.id),
      );
      return rows.map(toAnalysisRequest);
    },
  },

  LinkedAccount: {
    mirror(account: { id: string }, _: Args, c: Context) {
      requireViewer(apiContext(c));
      return apiContext(c).loaders.mirrorCounts.load(account.id);
    },
    returnPolicy(account: { id: string }, _: Args, c: Context) {
      requireViewer(apiContext(c));
      return apiContext(c).loaders.returnPolicy.load(account.id);
    },
  },
};
