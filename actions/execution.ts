/**
 * How an approved action is carried out on Shopify. Each action type has an
 * executor with two halves: `run` sends the mutation, and `find` looks for
 * what an earlier attempt may already have made (by the idempotency key, or
 * the object's own unique code), so a run that died with its answer unheard
 * is resolved instead of repeated.
 */
import type { UserErrorCode } from "../auth/user_errors.ts";
import type { ReturnPolicy } from "./returns_policy.ts";
import type { AdminClient } from "../shopify/admin_client.ts";

/** What running an action on Shopify came to. */
export type Execution =
  | { ok: true; result: Record<string, unknown> }
  | {
    ok: false;
    message: string;
    details: Record<string, unknown>;
    /** EXTERNAL_SERVICE_ERROR unless the action itself no longer holds (INVALID_INPUT). */
    code?: UserErrorCode;
  };

/** What an executor knows besides the action's parameters. */
export interface ExecutionContext {
  /** The action's stored key: sent with `@idempotent`, or written on the object made. */
  idempotencyKey: string;
  /** The store's returns policy, checked again for refunds. */
  returnPolicy: ReturnPolicy;
  now: Date;
  /** For a mutation that must not be resent blind: one attempt, no retries inside the client. */
  singleAttempt: AdminClient;
}

export interface ActionExecutor<P> {
  run(client: AdminClient, parameters: P, context: ExecutionContext): Promise<Execution>;
  /** What an earlier attempt made on Shopify, or null when there is none. */
  find(client: AdminClient, parameters: P, context: ExecutionContext): Promise<Execution | null>;
}

export interface ShopifyUserError {
  field: string[] | null;
  message: string;
  code?: string | null;
}

/** A 200 that carries userErrors is a refusal, not a success. */
/**
 * The errors of a mutation's payload, or, for a payload Shopify answered null (its schema allows
 * that for every mutation), one saying so: the action is refused with a clear reason, not a crash.
 */
export function userErrorsOf(
  payload: { userErrors: ShopifyUserError[] } | null,
): ShopifyUserError[] {
  return payload?.userErrors ?? [{ field: null, message: "it answered without a result" }];
}

export function refused(what: string, userErrors: ShopifyUserError[]): Execution {
  return {
    ok: false,
    message: `Shopify refused ${what}: ${userErrors.map((e) => e.message).join("; ")}`,
    details: { userErrors },
  };
}
