/**
 * Removes secrets and masks personal data before anything reaches a log line.
 * Field names decide what is dropped whole; patterns catch what slips into
 * free text (an error message quoting a header, a prompt with an e-mail).
 *
 * @example
 * ```ts
 * maskValue({ password: "hunter2", note: "mail ann@example.com" });
 * // { password: "[REDACTED]", note: "mail a***@example.com" }
 * ```
 */

export const REDACTED = "[REDACTED]";

/** Keys whose values are secrets whatever they look like. */
const SECRET_KEY =
  /pass(word)?|secret|token|authorization|cookie|api[-_]?key|hmac|signature|credential|private[-_]?key|encryption[-_]?keys?/i;

const TEXT_RULES: Array<[RegExp, (match: string, ...groups: string[]) => string]> = [
  // Authorization header values quoted in messages.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, (_m, scheme) => `${scheme} ${REDACTED}`],
  // JSON Web Tokens.
  [/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, () => REDACTED],
  // Shopify access, refresh and app tokens (shpat_, shpua_, shprt_, shpss_ …).
  [/\bshp[a-z]{2}_[A-Za-z0-9]+/g, () => REDACTED],
  // Passwords inside connection strings.
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s@]+:)[^@\s]+@/gi, (_m, head) => `${head}${REDACTED}@`],
  // Secrets passed as query or form parameters.
  [
    /\b(access_token|refresh_token|client_secret|password|token|code|hmac)=([^&\s"]+)/gi,
    (_m, key) => `${key}=${REDACTED}`,
  ],
  // E-mail addresses: first character of the local part and the domain stay.
  [
    /\b([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)\b/g,
    (_m, first, domain) => `${first}***@${domain}`,
  ],
  // Phone numbers: international (+…) or 3-3-4 groupings; the last two digits stay.
  [
    /(?<![\w-])(?:\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}|\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4})(?![\w-])/g,
    (m) => `***${m.replace(/\D/g, "").slice(-2)}`,
  ],
];

/** Masks secrets and personal data inside free text. */
export function maskText(text: string): string {
  let out = text;
  for (const [pattern, replace] of TEXT_RULES) {
    out = out.replace(pattern, replace as (m: string, ...g: string[]) => string);
  }
  return out;
}

/** Deep copy of `value` with secret fields removed and text masked. */
export function maskValue(value: unknown, depth = 0): unknown {
  if (depth > 8) return "[Truncated]";
  if (typeof value === "string") return maskText(value);
  if (value instanceof Error) {
    return {
      name: value.name,
      message: maskText(value.message),
      stack: value.stack ? maskText(value.stack) : undefined,
    };
  }
  if (Array.isArray(value)) return value.map((v) => maskValue(v, depth + 1));
  if (value instanceof Uint8Array) return `[${value.length} bytes]`;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) && v !== null && v !== undefined
        ? REDACTED
        : maskValue(v, depth + 1);
    }
    return out;
  }
  return value;
}
