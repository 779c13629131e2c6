/**
 * The reads behind the GraphQL queries. Every function takes a transaction
 * opened by `withTenant`, so row-level security applies; the explicit
 * `user_id` filter is there for the index, not for safety.
 */
import { DEFAULT_PREFERENCES, type Preferences } from "../auth/accounts.ts";
import type { Tx } from "../db/database.ts";
import type { Position } from "./pagination.ts";

/**
 * Row timestamp printed with microseconds in UTC: the cursor's sort key. It goes
 * back in as text (`::text::timestamptz`): a parameter typed timestamptz would be
 * sent through a JS Date by postgres.js and lose its microseconds.
 */
const cursorAt = (tx: Tx) =>
  tx`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export interface AnalysisRequestRow {
  id: string;
  prompt: string;
  status: string;
  progress: { stage: string; percent: number };
  result: Record<string, unknown> | null;
  error_message: string | null;
  error_code: string | null;
  linked_account_id: string | null;
  conversation_id: string;
  created_at: Date;
  updated_at: Date;
  cursor_at: string;
}

/**
 * What of a request's `result` a read needs: all of it, or only these top-level keys (none
 * when the operation does not ask for the result). A list page of answers with their raw data
 * and charts is mostly `result`: reading only the keys asked for spares Postgres the copy and
 * us the JSON parse of the rest.
 */
export type ResultParts = "all" | readonly string[];

const resultColumn = (tx: Tx, parts: ResultParts) =>
  parts === "all" ? tx`result` : tx`case when result is null then null else (
    select coalesce(jsonb_object_agg(key, value), '{}'::jsonb) from jsonb_each(result)
    where key = any(${parts as string[]}::text[])) end`;

const requestColumns = (tx: Tx, parts: ResultParts = "all") =>
  tx`id, prompt, status, progress, ${resultColumn(tx, parts)} as result, error_message,
     error_code, linked_account_id, conversation_id, created_at, updated_at,
     ${cursorAt(tx)} as cursor_at`;

export function analysisRequestsByIds(tx: Tx, userId: string, ids: readonly string[]) {
  return tx<AnalysisRequestRow[]>`
    select ${requestColumns(tx)} from analysis_requests
    where user_id = ${userId} and id = any(${ids as string[]}::uuid[])`;
}

/**
 * `updatedSince`: only rows changed at or after it (a dashboard's "what changed since I
 * looked"). Inclusive, because clients hold millisecond timestamps and rows carry microseconds:
 * the row at the boundary comes again rather than a change in the same millisecond being lost.
 */
export function analysisRequestPage(
  tx: Tx,
  userId: string,
  after: Position | null,
  limit: number,
  updatedSince: Date | null = null,
  parts: ResultParts = "all",
) {
  return tx<AnalysisRequestRow[]>`
    select ${requestColumns(tx, parts)} from analysis_requests
    where user_id = ${userId} and parent_request_id is null
      ${updatedSince ? tx`and updated_at >= ${updatedSince}` : tx``}
      ${
    after ? tx`and (created_at, id) < (${after.at}::text::timestamptz, ${after.id}::uuid)` : tx``
  }
    order by created_at desc, id desc
    limit ${limit + 1}`;
}

export interface ConversationRow {
  id: string;
  title: string;
  created_at: Date;
  updated_at: Date;
  cursor_at: string;
}

/** Conversations, the most recently continued first (cursor over updated_at, id). */
export function conversationPage(tx: Tx, userId: string, after: Position | null, limit: number) {
  return tx<ConversationRow[]>`
    select id, title, created_at, updated_at,
      to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at
    from conversations
    where user_id = ${userId}
      ${
    after ? tx`and (updated_at, id) < (${after.at}::text::timestamptz, ${after.id}::uuid)` : tx``
  }
    order by updated_at desc, id desc
    limit ${limit + 1}`;
}

export async function conversationById(
  tx: Tx,
  userId: string,
  id: string,
): Promise<ConversationRow | null> {
  const [row] = await tx<ConversationRow[]>`
    select id, title, created_at, updated_at,
      to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at
    from conversations where user_id = ${userId} and id = ${id}`;
  return row ?? null;
}

/** A conversation's requests in the order they were asked (cursor over created_at, id). */
export function conversationRequests(
  tx: Tx,
  userId: string,
  conversationId: string,
  after: Position | null,
  limit: number,
) {
  return tx<AnalysisRequestRow[]>`
    select ${requestColumns(tx)} from analysis_requests
    where user_id = ${userId} and conversation_id = ${conversationId}
      and parent_request_id is null
      ${
    after ? tx`and (created_at, id) > (${after.at}::text::timestamptz, ${after.id}::uuid)` : tx``
  }
    order by created_at, id
    limit ${limit + 1}`;
}

export interface ProposedActionRow {
  id: string;
  analysis_request_id: string;
  linked_account_id: string | null;
  /** The store's domain, read with the action so its preview can name it. */
  shop: string | null;
  description: string;
  action_type: string;
  parameters: unknown;
  status: string;
  execution_result: unknown;
  created_at: Date;
  updated_at: Date;
  cursor_at: string;
}

const actionColumns = (tx: Tx) =>
  tx`id, analysis_request_id, linked_account_id, description, action_type, parameters, status,
     execution_result, created_at, updated_at, ${cursorAt(tx)} as cursor_at,
     (select l.account_identifier from linked_accounts l
      where l.id = proposed_actions.linked_account_id) as shop`;

export function proposedActionsByIds(tx: Tx, userId: string, ids: readonly string[]) {
  return tx<ProposedActionRow[]>`
    select ${actionColumns(tx)} from proposed_actions
    where user_id = ${userId} and id = any(${ids as string[]}::uuid[])`;
}

/**
 * The actions of each request; a question across stores has those of its stores' parts
 * (`asked_in` is the request the merchant asked: the part's question, or the request itself).
 */
export function proposedActionsByRequestIds(tx: Tx, userId: string, requestIds: readonly string[]) {
  return tx<(ProposedActionRow & { asked_in: string })[]>`
    select ${
    actionColumns(tx)
  }, (select coalesce(r.parent_request_id, r.id) from analysis_requests r
                                  where r.id = proposed_actions.analysis_request_id) as asked_in
    from proposed_actions
    where user_id = ${userId} and analysis_request_id in (
      select id from analysis_requests
      where id = any(${requestIds as string[]}::uuid[])
         or parent_request_id = any(${requestIds as string[]}::uuid[]))
    order by created_at, id`;
}

/** The stores' parts of a question across stores, in the order the stores were linked. */
export function storeParts(tx: Tx, userId: string, requestId: string) {
  return tx<AnalysisRequestRow[]>`
    select ${requestColumns(tx)} from analysis_requests r
    where user_id = ${userId} and parent_request_id = ${requestId}
    order by (select created_at from linked_accounts a where a.id = r.linked_account_id), id`;
}

export function proposedActionPage(
  tx: Tx,
  userId: string,
  status: string | null,
  after: Position | null,
  limit: number,
  updatedSince: Date | null = null,
) {
  return tx<ProposedActionRow[]>`
    select ${actionColumns(tx)} from proposed_actions
    where user_id = ${userId}
      ${status ? tx`and status = ${status}` : tx``}
      ${updatedSince ? tx`and updated_at >= ${updatedSince}` : tx``}
      ${
    after ? tx`and (created_at, id) < (${after.at}::text::timestamptz, ${after.id}::uuid)` : tx``
  }
    order by created_at desc, id desc
    limit ${limit + 1}`;
}

export interface LinkedAccountRow {
  id: string;
  provider: string;
  account_identifier: string;
  status: string;
  scopes: string[];
  sync_status: string;
  last_synced_at: Date | null;
  sync_error: string | null;
  created_at: Date;
}

export async function linkedAccountById(tx: Tx, userId: string, id: string) {
  const [row] = await tx<LinkedAccountRow[]>`
    select a.id, a.provider, a.account_identifier, a.status, a.scopes, a.sync_status,
           a.last_synced_at, s.last_error as sync_error, a.created_at
    from linked_accounts a left join store_sync_state s on s.linked_account_id = a.id
    where a.user_id = ${userId} and a.id = ${id}`;
  return row ?? null;
}

export function linkedAccountsOf(tx: Tx, userId: string) {
  return tx<LinkedAccountRow[]>`
    select a.id, a.provider, a.account_identifier, a.status, a.scopes, a.sync_status,
           a.last_synced_at, s.last_error as sync_error, a.created_at
    from linked_accounts a left join store_sync_state s on s.linked_account_id = a.id
    where a.user_id = ${userId} order by a.created_at, a.id`;
}

export interface UserRow {
  id: string;
  email: string;
  createdAt: Date;
  /** Present when read with the user, so `User.preferences` needs no second query. */
  preferences?: Preferences;
}

export async function userById(tx: Tx, userId: string): Promise<UserRow | null> {
  const [row] = await tx<
    (UserRow & { preferences: Preferences | null })[]
  >`
    select u.id, u.email, u.created_at as "createdAt",
      case when p.user_id is not null then json_build_object(
        'preferredLlm', p.preferred_llm, 'notificationsEnabled', p.notifications_enabled,
        'quietHoursStart', p.quiet_hours_start, 'quietHoursEnd', p.quiet_hours_end) end
        as preferences
    from users u left join user_preferences p on p.user_id = u.id
    where u.id = ${userId}`;
  if (!row) return null;
  return { ...row, preferences: row.preferences ?? DEFAULT_PREFERENCES };
}

export async function preferencesOf(tx: Tx, userId: string): Promise<Preferences> {
  const [row] = await tx<Preferences[]>`
    select preferred_llm as "preferredLlm", notifications_enabled as "notificationsEnabled",
      quiet_hours_start as "quietHoursStart", quiet_hours_end as "quietHoursEnd"
    from user_preferences where user_id = ${userId}`;
  return row ?? DEFAULT_PREFERENCES;
}

export interface AuditLogRow {
  id: string;
  actor: string;
  action: string;
  entity_type: string | null;
  entity_id: string | null;
  analysis_request_id: string | null;
  before_status: string | null;
  after_status: string | null;
  details: Record<string, unknown>;
  created_at: Date;
}

/** The user's audit entries older than `beforeId`, newest first (ids only grow). */
export function auditLogPage(tx: Tx, userId: string, beforeId: string | null, limit: number) {
  return tx<AuditLogRow[]>`
    select id::text, actor, action, entity_type, entity_id, analysis_request_id, before_status,
           after_status, details, created_at
    from audit_log
    where user_id = ${userId} ${beforeId ? tx`and audit_log.id < ${beforeId}::bigint` : tx``}
    order by audit_log.id desc
    limit ${limit + 1}`;
}

export interface InsightRow {
  id: string;
  /** Its place in the insightAdded feed (the SSE event id). */
  seq: string;
  kind: string;
  severity: string;
  title: string;
  summary: string;
  period_from: string;
  period_to: string;
  linked_account_id: string;
  analysis_request_id: string | null;
  created_at: Date;
  read_at: Date | null;
  cursor_at: string;
}

const INSIGHT_COLUMNS = `id, ready_seq::text as seq, kind, severity, title, summary,
  to_char(period_from, 'YYYY-MM-DD') as period_from, to_char(period_to, 'YYYY-MM-DD') as period_to,
  linked_account_id, analysis_request_id, created_at, read_at,
  to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at`;

export interface InsightFilter {
  unreadOnly: boolean;
  linkedAccountId: string | null;
}

/** Ready insights, newest first (cursor over created_at, id). */
export function insightPage(
  tx: Tx,
  userId: string,
  filter: InsightFilter,
  after: Position | null,
  limit: number,
) {
  return tx<InsightRow[]>`
    select ${tx.unsafe(INSIGHT_COLUMNS)} from insights
    where user_id = ${userId} and ready_at is not null
      ${filter.unreadOnly ? tx`and read_at is null` : tx``}
      ${filter.linkedAccountId ? tx`and linked_account_id = ${filter.linkedAccountId}` : tx``}
      ${
    after ? tx`and (created_at, id) < (${after.at}::text::timestamptz, ${after.id}::uuid)` : tx``
  }
    order by created_at desc, id desc
    limit ${limit + 1}`;
}

export async function unreadInsights(
  tx: Tx,
  userId: string,
  linkedAccountId: string | null = null,
): Promise<number> {
  const [row] = await tx<{ n: number }[]>`
    select count(*)::int as n from insights
    where user_id = ${userId} and ready_at is not null and read_at is null
      ${linkedAccountId ? tx`and linked_account_id = ${linkedAccountId}` : tx``}`;
  return row!.n;
}

/** Marks a ready insight read (the first time only); null when there is none with this id. */
export async function markInsightRead(
  tx: Tx,
  userId: string,
  id: string,
): Promise<InsightRow | null> {
  await tx`update insights set read_at = now(), updated_at = now()
           where user_id = ${userId} and id = ${id} and ready_at is not null and read_at is null`;
  const [row] = await tx<InsightRow[]>`
    select ${tx.unsafe(INSIGHT_COLUMNS)} from insights
    where user_id = ${userId} and id = ${id} and ready_at is not null`;
  return row ?? null;
}

/**
 * Insights that became ready after the one numbered `after`, in order (at most 100 at a time:
 * the caller reads again); with `after` null, none, and the number to start after.
 */
export async function readyInsightsAfter(
  tx: Tx,
  userId: string,
  after: string | null,
): Promise<{ rows: InsightRow[]; last: string }> {
  if (after === null) {
    const [row] = await tx<{ last: string }[]>`
      select coalesce(max(ready_seq), 0)::text as last from insights
      where user_id = ${userId} and ready_seq is not null`;
    return { rows: [], last: row!.last };
  }
  const rows = await tx<InsightRow[]>`
    select ${tx.unsafe(INSIGHT_COLUMNS)} from insights
    where user_id = ${userId} and ready_seq > ${after}::bigint
    order by ready_seq limit 100`;
  return { rows, last: rows.at(-1)?.seq ?? after };
}
