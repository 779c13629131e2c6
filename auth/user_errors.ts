/**
 * Expected failures, returned to clients as `userErrors` entries. Codes are the
 * contract's; a mobile app switches on them, so they never change meaning.
 */
export const USER_ERROR_CODES = [
  "AUTHENTICATION_REQUIRED",
  "PERMISSION_DENIED",
  "NOT_FOUND",
  "INVALID_INPUT",
  "RATE_LIMIT_EXCEEDED",
  "EXTERNAL_SERVICE_ERROR",
  "AGENT_PROCESSING_ERROR",
  "TASK_CANCELLED",
  "INTERNAL_SERVER_ERROR",
] as const;

export type UserErrorCode = typeof USER_ERROR_CODES[number];

export interface UserError {
  message: string;
  code: UserErrorCode;
  field?: string;
  retryAfterSeconds?: number;
}

/** A service's answer: the value, or the user errors that explain why not. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; errors: UserError[] };

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });

export const fail = (
  code: UserErrorCode,
  message: string,
  extra: { field?: string; retryAfterSeconds?: number } = {},
): Outcome<never> => ({ ok: false, errors: [{ code, message, ...extra }] });

export function rateLimited(retryAfterSeconds: number): Outcome<never> {
  return fail("RATE_LIMIT_EXCEEDED", `Too many attempts. Try again in ${retryAfterSeconds} s.`, {
    retryAfterSeconds,
  });
}
