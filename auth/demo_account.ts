/**
 * Development only: a demo account so a newcomer (and `deno task ask`) can
 * sign in at once. Created on the first `deno task start`; never in production.
 */
import { type AccountDeps, register } from "./accounts.ts";

export const DEMO_EMAIL = "demo@alatar.dev";
export const DEMO_PASSWORD = "alatar-demo-password";

/**
 * The demo account's user id, creating the account first if needed. It is
 * looked up, not signed in: a sign-in would count against the per-e-mail login
 * limit, and after ten restarts `deno task start` failed with "Cannot create
 * the demo account".
 */
export async function ensureDemoAccount(deps: AccountDeps): Promise<string> {
  const [existing] = await deps.db.withSystem(
    "demo account lookup",
    (tx) => tx<{ id: string }[]>`select id from users where email = ${DEMO_EMAIL}`,
  );
  if (existing) return existing.id;
  const created = await register(deps, {
    email: DEMO_EMAIL,
    password: DEMO_PASSWORD,
    ip: "127.0.0.1",
  });
  if (!created.ok) throw new Error(`Cannot create the demo account: ${created.errors[0]!.message}`);
  return created.value.user.id;
}
