/**
 * Development only: a demo account so a newcomer (and `deno task ask`) can
 * sign in at once. Created on the first `deno task start`; never in production.
 */
import { type AccountDeps, login, register } from "./accounts.ts";

export const DEMO_EMAIL = "demo@alatar.dev";
export const DEMO_PASSWORD = "alatar-demo-password";

/** Signs the demo account in, creating it first if needed; returns its user id. */
export async function ensureDemoAccount(deps: AccountDeps): Promise<string> {
  const input = { email: DEMO_EMAIL, password: DEMO_PASSWORD, ip: "127.0.0.1" };
  const existing = await login(deps, input);
  if (existing.ok) return existing.value.user.id;
  const created = await register(deps, input);
  if (!created.ok) throw new Error(`Cannot create the demo account: ${created.errors[0]!.message}`);
  return created.value.user.id;
}
