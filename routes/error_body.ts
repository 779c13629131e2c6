/**
 * The one error envelope of every HTTP route that is not GraphQL (GraphQL
 * answers in `errors` and `userErrors`): `{ error: { code, message, requestId } }`,
 * with the code a client can branch on for each status.
 */
export function errorBody(code: string, message: string, requestId?: string) {
  return { error: { code, message, requestId } };
}

/** The code for an HTTP status a route or middleware raised (Hono's HTTPException). */
export function codeForStatus(status: number): string {
  switch (status) {
    case 401:
      return "AUTHENTICATION_REQUIRED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 408:
      return "REQUEST_TIMEOUT";
    case 413:
      return "PAYLOAD_TOO_LARGE";
    case 429:
      return "RATE_LIMIT_EXCEEDED";
    default:
      return status >= 500 ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST";
  }
}
