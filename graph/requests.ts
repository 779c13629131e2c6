/**
 * Submitting and cancelling analysis requests (seed 000 §6, issue #6 step 1).
 *
 * Submit validates the prompt and the store, then writes the `pending` row
 * and its orchestrator job in one transaction: both exist or neither does.
 * Cancel moves a pending or processing request to `cancelled`; the worker
 * checks the status between steps and writes nothing after it.
 */
import { traceCarrier } from "../log/tracing.ts";
import type { Viewer } from "../auth/access_tokens.ts";
import { clientKey as checkClientKey } from "../auth/client_keys.ts";
import { fail, ok, type Outcome } from "../auth/user_errors.ts";
import type { Database, Tx } from "../db/database.ts";
import { isUuid } from "../db/database.ts";
import { enqueueInTransaction, type Enqueuer } from "../jobs/enqueue.ts";
import { InvalidDateError, readDates } from "../metrics/calendar.ts";
import { endRequest, lockedStatus, recordSubmitted, startProcessing } from "./request_status.ts";
import { ANALYSIS_QUEUE, type AnalysisJob } from "./queues.ts";
import { handleOf, storeNamedIn } from "./store_choice.ts";

export const PROMPT_MIN = 3;
export const PROMPT_MAX = 2000;

export interface RequestDeps {
  db: Database;
  boss: Enqueuer;
}

/**
 * Writes the request and its job, or with `input.clientKey` returns the
 * request that key already made (a retry after a lost answer creates nothing).
 * `read` runs in the same transaction, so what the caller answers with is what
 * was committed: a committed write is never followed by a failed re-read.
 */
export async function submitAnalysisRequest<T = undefined>(
  deps: RequestDeps,
  viewer: Viewer,
  input: {
    prompt: string;
    linkedAccountId?: string | null;
    /** Several stores: the question is answered for each, and their figures side by side. */
    linkedAccountIds?: readonly string[] | null;
    clientKey?: string | null;
    /** Continues this conversation; omitted, the question starts a new one. */
    conversationId?: string | null;
    /** The Siri device token that asked (its next question may continue the conversation). */
    deviceTokenId?: string | null;
  },
  read?: (tx: Tx, id: string) => Promise<T>,
): Promise<Outcome<{ id: string; replayed: boolean; read: T | undefined }>> {
  const prompt = input.prompt.trim();
  if (prompt.length < PROMPT_MIN || prompt.length > PROMPT_MAX) {
    return fail(
      "INVALID_INPUT",
      `Ask a question of ${PROMPT_MIN} to ${PROMPT_MAX} characters.`,
      { field: "prompt" },
    );
  }
  // A day that does not exist is the merchant's to correct, not ours to guess at. Whether it
  // exists does not depend on the shop's today (but for an undated 29 February, which the
  // analysis reads again in the shop's calendar).
  try {
    readDates(prompt, new Date().toISOString().slice(0, 10));
  } catch (error) {
    if (!(error instanceof InvalidDateError)) throw error;
    return fail("INVALID_INPUT", error.message, { field: "prompt" });
  }
  if (input.linkedAccountId && !isUuid(input.linkedAccountId)) {
    return fail("NOT_FOUND", "There is no linked store with this id.", {
      field: "linkedAccountId",
    });
  }
  if (input.linkedAccountIds?.some((id) => !isUuid(id))) {
    return fail("NOT_FOUND", "There is no linked store with this id.", {
      field: "linkedAccountIds",
    });
  }
  if (input.linkedAccountId && input.linkedAccountIds?.length) {
    return fail("INVALID_INPUT", "Give linkedAccountId or linkedAccountIds, not both.", {
      field: "linkedAccountIds",
    });
  }
  const noConversation = fail("NOT_FOUND", "There is no conversation with this id.", {
    field: "conversationId",
  });
  if (input.conversationId && !isUuid(input.conversationId)) return noConversation;
  const key = checkClientKey(input.clientKey);
  if (!key.ok) return key;
  const clientKey = key.value;
  return await deps.db.withTenant(viewer.userId, async (tx) => {
    // Named, the conversation goes on (another tenant's is invisible here, so it answers like
    // one that does not exist); not, the database starts one (migration 0022).
    if (input.conversationId) {
      const [found] = await tx`select 1 from conversations where id = ${input.conversationId}`;
      if (!found) return noConversation;
    }
    const stores = await chooseStores(
      tx,
      input.linkedAccountId ?? null,
      input.linkedAccountIds ?? null,
      prompt,
      () => input.conversationId ? storesAskedBefore(tx, input.conversationId) : [],
    );
    if (!stores.ok) return stores;
    if (clientKey) {
      // A retry of a request already made answers with it, whatever conversation it names.
      const [made] = await tx<{ id: string }[]>`
        select id from analysis_requests where client_key = ${clientKey}`;
      if (made) return await replay(tx, clientKey, prompt, read);
    }
    const request = {
      userId: viewer.userId,
      prompt,
      clientKey,
      conversationId: input.conversationId ?? null,
      deviceTokenId: input.deviceTokenId ?? null,
    };
    const id = stores.value.length === 1
      ? await insertAnalysisRequest(tx, deps.boss, { ...request, accountId: stores.value[0]! })
      : await insertQuestionAcrossStores(tx, deps.boss, { ...request, accountIds: stores.value });
    // A concurrent retry with the same key committed first: that one is the answer.
    if (!id) return await replay(tx, clientKey!, prompt, read);
    return ok({ id, replayed: false, read: read ? await read(tx, id) : undefined });
  });
}

/**
 * Writes a pending request and its orchestrator job in the caller's transaction (the API's
 * submit, and the proactive checks that have a finding explained). Null when the client key
 * was already taken by a request committed meanwhile.
 */
export async function insertAnalysisRequest(
  tx: Tx,
  boss: Enqueuer,
  input: {
    userId: string;
    accountId: string;
    prompt: string;
    clientKey?: string | null;
    conversationId?: string | null;
    deviceTokenId?: string | null;
    /** A store's part of a question across stores (insertQuestionAcrossStores). */
    parentRequestId?: string | null;
  },
): Promise<string | null> {
  const conversation = input.conversationId ?? null;
  const [row] = await tx<{ id: string }[]>`
    insert into analysis_requests (user_id, linked_account_id, prompt, client_key, conversation_id,
      device_token_id, parent_request_id, trace_parent)
    values (${input.userId}, ${input.accountId}, ${input.prompt}, ${input.clientKey ?? null},
      ${conversation}, ${input.deviceTokenId ?? null}, ${input.parentRequestId ?? null},
      ${traceCarrier()?.traceparent ?? null})
    on conflict (user_id, client_key) where client_key is not null do nothing
    returning id`;
  if (!row) return null;
  if (conversation) {
    await tx`update conversations set updated_at = now() where id = ${conversation}`;
  }
  await enqueueInTransaction(
    boss,
    tx,
    ANALYSIS_QUEUE,
    { userId: input.userId, requestId: row.id } satisfies AnalysisJob,
    { singletonKey: row.id },
  );
  await recordSubmitted(tx, input.userId, row.id);
  return row.id;
}

/** The request a client key made, if it asked the same question. */
async function replay<T>(
  tx: Tx,
  clientKey: string,
  prompt: string,
  read?: (tx: Tx, id: string) => Promise<T>,
): Promise<Outcome<{ id: string; replayed: boolean; read: T | undefined }>> {
  const [first] = await tx<{ id: string; prompt: string }[]>`
    select id, prompt from analysis_requests where client_key = ${clientKey}`;
  if (first!.prompt !== prompt) {
    return fail(
      "INVALID_INPUT",
      "This client key was already used for another question: send a new key for a new question.",
      { field: "clientMutationId" },
    );
  }
  return ok({ id: first!.id, replayed: true, read: read ? await read(tx, first!.id) : undefined });
}

/**
 * A question across several stores: the question itself (no store, not run by the
 * orchestrator) and one ordinary request per store under it, in its conversation. The status
 * writer combines their answers when the last one ends (graph/request_status.ts).
 */
async function insertQuestionAcrossStores(
  tx: Tx,
  boss: Enqueuer,
  input: {
    userId: string;
    accountIds: string[];
    prompt: string;
    clientKey: string | null;
    conversationId: string | null;
    deviceTokenId: string | null;
  },
): Promise<string | null> {
  const [question] = await tx<{ id: string; conversation_id: string }[]>`
    insert into analysis_requests (user_id, linked_account_id, prompt, client_key, conversation_id,
      device_token_id)
    values (${input.userId}, null, ${input.prompt}, ${input.clientKey}, ${input.conversationId},
      ${input.deviceTokenId})
    on conflict (user_id, client_key) where client_key is not null do nothing
    returning id, conversation_id`;
  if (!question) return null;
  if (input.conversationId) {
    await tx`update conversations set updated_at = now() where id = ${input.conversationId}`;
  }
  await recordSubmitted(tx, input.userId, question.id);
  await startProcessing(tx, question.id);
  for (const accountId of input.accountIds) {
    await insertAnalysisRequest(tx, boss, {
      userId: input.userId,
      accountId,
      prompt: input.prompt,
      conversationId: question.conversation_id,
      parentRequestId: question.id,
    });
  }
  return question.id;
}

/** "across all my stores", "every store", "all stores", "each of my stores", "all shops". */
const ALL_STORES =
  /\b(?:across|all|every|each)(?: of)?(?: (?:my|our|the))? (?:stores?|shops?)\b|\bstore by store\b|\bper store\b|\bby store\b/i;

/**
 * The stores to answer for: the ids given; else the question's stores when it asks across
 * them ("across all my stores", "compare my US and EU stores"); else one store (chooseAccount).
 */
/**
 * The stores the conversation's last question was about: its one store, or each store of a
 * question across stores. A follow-up that names none ("and the week before?") asks about them.
 */
async function storesAskedBefore(tx: Tx, conversationId: string): Promise<string[]> {
  const [last] = await tx<{ stores: string[] }[]>`
    select coalesce(
      nullif(array(select p.linked_account_id::text from analysis_requests p
                   where p.parent_request_id = b.id and p.linked_account_id is not null
                   order by p.created_at, p.id), '{}'),
      array_remove(array[b.linked_account_id::text], null)) as stores
    from analysis_requests b
    where b.conversation_id = ${conversationId} and b.parent_request_id is null
    order by b.created_at desc, b.id desc limit 1`;
  return last?.stores ?? [];
}

async function chooseStores(
  tx: Tx,
  named: string | null,
  several: readonly string[] | null,
  prompt: string,
  /** The stores of the conversation's last question, read only when the question names none. */
  before: () => Promise<readonly string[]> | readonly string[],
): Promise<Outcome<string[]>> {
  if (several?.length) {
    const ids = [...new Set(several.map((id) => id.toLowerCase()))];
    const rows = await tx<{ id: string; status: string }[]>`
      select id, status from linked_accounts
      where provider = 'shopify' and id = any(${ids}::uuid[])`;
    // Another tenant's account is invisible here (RLS): it answers like one that does not exist.
    if (rows.length !== ids.length) {
      return fail("NOT_FOUND", "There is no linked store with this id.", {
        field: "linkedAccountIds",
      });
    }
    if (rows.some((r) => r.status !== "active")) {
      return fail(
        "PERMISSION_DENIED",
        "Alatar no longer has access to one of these stores. Link it again, then ask.",
        { field: "linkedAccountIds" },
      );
    }
    return ok(ids);
  }
  const stores = await storesOf(tx);
  if (!named) {
    const active = stores.filter((a) => a.status === "active");
    if (active.length > 1) {
      const choice = storeNamedIn(prompt, active);
      if (choice.kind === "several") return ok(choice.ids);
      if (choice.kind === "none" && ALL_STORES.test(prompt)) return ok(active.map((a) => a.id));
      // A follow-up naming no store goes on with the stores of the question before it.
      if (choice.kind === "none") {
        const still = (await before()).filter((id) => active.some((a) => a.id === id));
        if (still.length > 0) return ok(still);
      }
    }
  }
  const one = chooseAccount(stores, named, prompt);
  return one.ok ? ok([one.value]) : one;
}

type Store = { id: string; status: string; domain: string; country: string | null };

/** The tenant's Shopify stores, in the order they were linked (RLS: its own only). */
function storesOf(tx: Tx) {
  return tx<Store[]>`
    select a.id, a.status, a.account_identifier as domain, s.shop_country as country
    from linked_accounts a left join store_sync_state s on s.linked_account_id = a.id
    where a.provider = 'shopify' order by a.created_at`;
}

/**
 * The store to analyse: the one whose id is given, else the only active one, else the one the
 * question names ("in my EU store"; graph/store_choice.ts).
 */
function chooseAccount(
  accounts: readonly Store[],
  named: string | null,
  prompt: string,
): Outcome<string> {
  if (named) {
    // Another tenant's account is invisible here (RLS): it answers like one that does not exist.
    const account = accounts.find((a) => a.id === named.toLowerCase());
    if (!account) {
      return fail("NOT_FOUND", "There is no linked store with this id.", {
        field: "linkedAccountId",
      });
    }
    if (account.status !== "active") {
      return fail(
        "PERMISSION_DENIED",
        "Alatar no longer has access to this store. Link it again, then ask.",
        { field: "linkedAccountId" },
      );
    }
    return ok(account.id);
  }
  const active = accounts.filter((a) => a.status === "active");
  if (active.length === 1) return ok(active[0]!.id);
  if (active.length === 0) {
    return fail("INVALID_INPUT", "Link a Shopify store first: there is no store to analyse.", {
      field: "linkedAccountId",
    });
  }
  const choice = storeNamedIn(prompt, active);
  if (choice.kind === "named") return ok(choice.id);
  // (Several named, or "across all my stores", is a question across stores: chooseStores.)
  const names = active.map((a) => a.domain).join(", ");
  return fail(
    "INVALID_INPUT",
    `You have several stores linked (${names}): name one in the question ("in my ${
      handleOf(active[1]!.domain)
    } store"), ask "across all my stores", or pass linkedAccountId.`,
    { field: "linkedAccountId" },
  );
}

export async function cancelAnalysisRequest(
  deps: RequestDeps,
  viewer: Viewer,
  id: string,
): Promise<Outcome<{ id: string; status: string }>> {
  const notFound = fail("NOT_FOUND", "There is no analysis request with this id.", { field: "id" });
  if (!isUuid(id)) return notFound;
  return await deps.db.withTenant(viewer.userId, async (tx) => {
    const status = await lockedStatus(tx, id);
    if (!status) return notFound;
    if (status !== "pending" && status !== "processing") {
      return fail(
        "INVALID_INPUT",
        `This request is already ${status} and can no longer be cancelled.`,
        { field: "id" },
      );
    }
    await endRequest(tx, { userId: viewer.userId, requestId: id, from: status }, {
      to: "cancelled",
    }, deps.boss);
    return ok({ id, status: "cancelled" });
  });
}
