/**
 * Top-level GraphQL errors carry a contract code in `extensions.code`. Only
 * these reach clients: any other error is replaced by a generic one before
 * the response is written (see `maskResolverErrors`).
 */
import { GraphQLError } from "graphql";
import type { UserErrorCode } from "../auth/user_errors.ts";

export function apiError(
  code: UserErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
) {
  return new GraphQLError(message, { extensions: { code, ...extensions } });
}

export function authenticationRequired(reason?: string) {
  return apiError("AUTHENTICATION_REQUIRED", reason ?? "Sign in to see this.");
}

export function invalidInput(message: string, field?: string) {
  return apiError("INVALID_INPUT", message, field ? { field } : {});
}

export const internalError = () => apiError("INTERNAL_SERVER_ERROR", "Internal server error");
