/**
 * Sign in with Apple and with Google (seed 000 §1: "Email/Password or
 * Platform logins (Apple/Google) linked to account").
 *
 * Who a sign-in belongs to, in order:
 * 1. the account the provider's subject is linked to;
 * 2. else, when the provider asserts a verified e-mail that an account already
 *    proved it receives mail at, that account (linked now, and audited);
 * 3. else, when no account uses the e-mail, a new account;
 * 4. else nobody: the owner of that address signs in another way and links the
 *    login from a signed-in session. Taking over an account because someone
 *    created an Apple ID with its (unproved) address is what this prevents.
 *
 * Looking up a subject or an address knows no tenant yet, so those reads (and
 * spending an Apple nonce) are system work; everything after runs in the
 * account's tenant context.
 */
import { audit } from "../db/audit.ts";
import type { Database, Tx } from "../db/database.ts";
import type { Viewer } from "./access_tokens.ts";
import type { AccountDeps, AccountUser, SignedIn } from "./accounts.ts";
import { EmailSchema } from "./credentials.ts";
import type { IdTokenVerifier, LoginProvider, PlatformIdentity } from "./platform_tokens.ts";
import { issueTokens } from "./sessions.ts";
import { fail, ok, type Outcome, rateLimited } from "./user_errors.ts";

export type PlatformLoginDeps = AccountDeps & {
  idTokens: Record<LoginProvider, IdTokenVerifier>;
};

export interface PlatformLogin {
  provider: LoginProvider;
  email: string | null;
  privateEmail: boolean;
  linkedAt: Date;
  lastUsedAt: Date;
}

const NAMES: Record<LoginProvider, string> = { apple: "Apple", google: "Google" };

/** Thrown inside a transaction to roll it back when a concurrent sign-in got there first. */
class LostRace extends Error {}

/** Verifies the token and spends its nonce (Apple): a replayed sign-in is refused. */
async function verifiedIdentity(
  deps: PlatformLoginDeps,
  input: { provider: LoginProvider; idToken: string; nonce?: string | null },
): Promise<Outcome<PlatformIdentity>> {
  const verified = await deps.idTokens[input.provider].verify(input.idToken, input.nonce);
  if (!verified.ok || !verified.value.nonceHash) return verified;
  const { nonceHash, expiresAt } = verified.value;
  const spent = await deps.db.withSystem("spend a sign-in nonce", async (tx) => {
    await tx`delete from login_nonces where expires_at < now() - interval '1 hour'`;
    return await tx`insert into login_nonces (nonce_hash, expires_at)
                    values (${nonceHash}, ${expiresAt}) on conflict do nothing returning 1`;
  });
  if (spent.length === 0) {
    return fail("INVALID_INPUT", "This sign-in was already used. Sign in again.", {
      field: "nonce",
    });
  }
  return verified;
}

export async function signInWithPlatform(
  deps: PlatformLoginDeps,
  input: { provider: LoginProvider; idToken: string; nonce?: string | null; ip: string },
): Promise<Outcome<SignedIn>> {
  const verdict = await deps.limiter.hit("login:ip", input.ip, deps.limits.loginPerIp);
  if (!verdict.allowed) return rateLimited(verdict.retryAfterSeconds);
  const verified = await verifiedIdentity(deps, input);
  if (!verified.ok) return verified;
  const identity = verified.value;
  // A sign-in racing another for the same new subject or address loses once, then finds it.
  for (let attempt = 0;; attempt++) {
    try {
      return await signInAs(deps, identity);
    } catch (error) {
      if (!(error instanceof LostRace) || attempt > 0) throw error;
    }
  }
}

async function signInAs(deps: PlatformLoginDeps, identity: PlatformIdentity) {
  const name = NAMES[identity.provider];
  const [linked] = await deps.db.withSystem(
    "sign-in lookup by platform subject",
    (tx) =>
      tx<{ user_id: string }[]>`select user_id from platform_logins
        where provider = ${identity.provider} and subject = ${identity.subject}`,
  );
  if (linked) {
    return await deps.db.withTenant(linked.user_id, async (tx) => {
      await tx`update platform_logins set last_used_at = now(),
                 email = coalesce(${identity.email}, email)
               where provider = ${identity.provider} and subject = ${identity.subject}`;
      return ok(await session(deps, tx, linked.user_id));
    });
  }

  const email = identity.email ? EmailSchema.safeParse(identity.email) : null;
  if (!email?.success) {
    return fail(
      "INVALID_INPUT",
      `${name} did not share a usable e-mail address. Allow Alatar to see your e-mail (a private ` +
        "relay address is fine) and try again.",
      { field: "idToken" },
    );
  }
  const [owner] = await deps.db.withSystem(
    "sign-in lookup by e-mail",
    (tx) =>
      tx<{ id: string; proved: boolean }[]>`
        select id, email_verified_at is not null as proved from users where email = ${email.data}`,
  );
  if (owner) {
    if (!identity.emailVerified || !owner.proved) {
      return fail(
        "PERMISSION_DENIED",
        `An Alatar account already uses ${email.data}. Sign in to it another way, then link ` +
          `${name} in Settings.`,
        { field: "idToken" },
      );
    }
    return await deps.db.withTenant(owner.id, async (tx) => {
      if (!(await insertLogin(tx, owner.id, identity))) throw new LostRace();
      await audit(tx, {
        userId: owner.id,
        actor: "user",
        action: "platform_login.linked",
        details: { provider: identity.provider, via: "verified e-mail" },
      });
      return ok(await session(deps, tx, owner.id));
    });
  }

  const userId = crypto.randomUUID();
  return await deps.db.withTenant(userId, async (tx) => {
    const created = await tx`
      insert into users (id, email, email_verified_at)
      values (${userId}, ${email.data}, ${identity.emailVerified ? new Date() : null})
      on conflict (email) do nothing returning id`;
    if (created.length === 0) throw new LostRace();
    await tx`insert into user_preferences (user_id) values (${userId})`;
    if (!(await insertLogin(tx, userId, identity))) throw new LostRace();
    await audit(tx, {
      userId,
      actor: "user",
      action: "account.registered_with_platform_login",
      details: { provider: identity.provider },
    });
    return ok(await session(deps, tx, userId));
  });
}

/** False when the subject is already linked (to anyone) or this account has one of the provider. */
async function insertLogin(tx: Tx, userId: string, identity: PlatformIdentity): Promise<boolean> {
  const rows = await tx`
    insert into platform_logins (user_id, provider, subject, email, private_email)
    values (${userId}, ${identity.provider}, ${identity.subject}, ${identity.email},
            ${identity.privateEmail})
    on conflict do nothing returning id`;
  return rows.length === 1;
}

async function session(deps: PlatformLoginDeps, tx: Tx, userId: string): Promise<SignedIn> {
  const [user] = await tx<AccountUser[]>`
    select id, email, created_at as "createdAt" from users where id = ${userId}`;
  return { user: user!, ...(await issueTokens(deps, tx, userId)) };
}

/** Links a provider's login to the signed-in account (the token proves the person holds it). */
export async function linkPlatformLogin(
  deps: PlatformLoginDeps,
  viewer: Viewer,
  input: { provider: LoginProvider; idToken: string; nonce?: string | null },
): Promise<Outcome<PlatformLogin>> {
  const verified = await verifiedIdentity(deps, input);
  if (!verified.ok) return verified;
  const identity = verified.value;
  const name = NAMES[identity.provider];
  return await deps.db.withTenant(viewer.userId, async (tx) => {
    if (await insertLogin(tx, viewer.userId, identity)) {
      await audit(tx, {
        userId: viewer.userId,
        actor: "user",
        action: "platform_login.linked",
        details: { provider: identity.provider, via: "signed-in session" },
      });
    } else {
      const [mine] = await tx<{ subject: string }[]>`
        select subject from platform_logins where provider = ${identity.provider}`;
      if (!mine) {
        return fail("PERMISSION_DENIED", `This ${name} login belongs to another Alatar account.`, {
          field: "idToken",
        });
      }
      if (mine.subject !== identity.subject) {
        return fail(
          "INVALID_INPUT",
          `Your account already has another ${name} login. Unlink it first.`,
          { field: "provider" },
        );
      }
    }
    const [login] = await platformLogins(tx, identity.provider);
    return ok(login!);
  });
}

/** Unlinks a provider's login, unless it is the account's last way to sign in. */
export async function unlinkPlatformLogin(
  db: Database,
  viewer: Viewer,
  provider: LoginProvider,
): Promise<Outcome<LoginProvider>> {
  return await db.withTenant(viewer.userId, async (tx) => {
    const [ways] = await tx<{ has: boolean; password: boolean; others: number; shops: number }[]>`
      select exists (select 1 from platform_logins where provider = ${provider}) as has,
             (select password_hash is not null from users where id = ${viewer.userId}) as password,
             (select count(*)::int from platform_logins where provider <> ${provider}) as others,
             (select count(*)::int from linked_accounts where status = 'active') as shops`;
    if (!ways!.has) {
      return fail("NOT_FOUND", `No ${NAMES[provider]} login is linked to your account.`, {
        field: "provider",
      });
    }
    if (!ways!.password && ways!.others === 0 && ways!.shops === 0) {
      return fail(
        "PERMISSION_DENIED",
        `${NAMES[provider]} is the only way into your account: set a password first ` +
          "(Forgot password), then unlink it.",
        { field: "provider" },
      );
    }
    await tx`delete from platform_logins where provider = ${provider}`;
    await audit(tx, {
      userId: viewer.userId,
      actor: "user",
      action: "platform_login.unlinked",
      details: { provider },
    });
    return ok(provider);
  });
}

/** The signed-in account's platform logins (RLS keeps it to the tenant in context). */
export function platformLogins(tx: Tx, provider?: LoginProvider): Promise<PlatformLogin[]> {
  return tx<PlatformLogin[]>`
    select provider, email, private_email as "privateEmail", created_at as "linkedAt",
           last_used_at as "lastUsedAt"
    from platform_logins
    where ${provider ?? null}::text is null or provider = ${provider ?? null}
    order by created_at, provider`;
}
