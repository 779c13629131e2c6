/**
 * What counts as an e-mail address and an acceptable password, as zod
 * schemas so the GraphQL layer and the services agree on one definition.
 */
import { z } from "zod";

/** Trimmed, NFC-normalised and lower-cased, so one address is one account. */
export const EmailSchema = z.string()
  .transform((s) => s.normalize("NFC").trim().toLowerCase())
  .pipe(
    z.string()
      .min(3, "Enter an e-mail address")
      .max(254, "E-mail addresses are at most 254 characters")
      .pipe(z.email({ pattern: z.regexes.unicodeEmail, message: "Enter a valid e-mail address" })),
  );

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;

/** Problems with `password` for the account `email`; empty when it is acceptable. */
export function passwordProblems(password: string, email: string): string[] {
  const length = [...password.normalize("NFKC")].length;
  const problems: string[] = [];
  if (length < PASSWORD_MIN) problems.push(`Use at least ${PASSWORD_MIN} characters`);
  if (length > PASSWORD_MAX) problems.push(`Use at most ${PASSWORD_MAX} characters`);
  const lowered = password.trim().toLowerCase();
  if (lowered === email || lowered === email.split("@")[0]) {
    problems.push("Do not use your e-mail address as your password");
  }
  return problems;
}
