/**
 * Client keys make a mutation safe to retry (issue #17): a phone that lost the
 * answer sends the same key again and gets the first outcome, never a second
 * write. The key arrives as `clientMutationId` or as the `Idempotency-Key`
 * header; both are checked here, once, with one message.
 *
 * @example
 * ```ts
 * const key = clientKey(args.clientMutationId ?? header);
 * if (!key.ok) return key; // INVALID_INPUT on field clientMutationId
 * ```
 */
import { fail, ok, type Outcome } from "./user_errors.ts";

const CLIENT_KEY = /^[A-Za-z0-9._:-]{1,200}$/;

/** The key as given (null when none was sent), or INVALID_INPUT on `clientMutationId`. */
export function clientKey(key: string | null | undefined): Outcome<string | null> {
  if (key === null || key === undefined) return ok(null);
  if (!CLIENT_KEY.test(key)) {
    return fail(
      "INVALID_INPUT",
      "A client key is 1 to 200 letters, digits, dots, dashes, colons or underscores.",
      { field: "clientMutationId" },
    );
  }
  return ok(key);
}
