/**
 * Account operations behind the GraphQL mutations. Each returns an
 * {@link Outcome}: expected failures are values (user errors), so only real
 * faults throw.
 *
 * Sign-in knows an e-mail address, not a tenant, so looking the account up is
 * the one read done through `withSystem`; everything after runs in the
 * account's own tenant context.
 */
import type { Database } from "../db/database.ts";
import { enqueueInTransaction, type Enqueuer } from "../jobs/enqueue.ts";
import { EMAIL_QUEUE } from "./email_delivery.ts";
import type { Logger } from "../log/logger.ts";
import { type AccessTokens, SHOPIFY_SESSION_PREFIX, type Viewer } from "./access_tokens.ts";
import { EmailSchema, passwordProblems } from "./credentials.ts";
import { mintToken, parseToken } from "./opaque_tokens.ts";
import type { PasswordHasher } from "./passwords.ts";
import type { RateLimiter, RateLimits } from "./rate_limit.ts";
import { issueTokens, revokeAllSessions, revokeFamily, type SessionTokens } from "./sessions.ts";
import type { SessionCache } from "./session_cache.ts";
import { fail, ok, type Outcome, rateLimited } from "./user_errors.ts";
import { audit } from "../db/audit.ts";

export const RESET_TOKEN_TTL_MINUTES = 30;

export interface AccountDeps {
  db: Database;
  hasher: PasswordHasher;
  accessTokens: AccessTokens;
  limiter: RateLimiter;
  limits: RateLimits;
  /** Told when this process ends a session, so its next request already sees it. */
  sessions: Pick<SessionCache, "forgetUser">;
  boss: Enqueuer;
  log: Logger;
  /** Public address, for the link in reset e-mails. */
  appUrl: string;
}

export interface AccountUser {
  id: string;
  email: string;
  createdAt: Date;
}

export type SignedIn = SessionTokens & { user: AccountUser };

const WRONG_CREDENTIALS = "The e-mail address or password is incorrect.";
const BAD_RESET_TOKEN = "This reset link is invalid or has expired. Ask for a new one.";

async function checkLimits(
  deps: AccountDeps,
  checks: Array<[scope: string, subject: string, limit: RateLimits[keyof RateLimits]]>,
): Promise<Outcome<void>> {
  for (const [scope, subject, limit] of checks) {
    const verdict = await deps.limiter.hit(scope, subject, limit);
    if (!verdict.allowed) return rateLimited(verdict.retryAfterSeconds);
  }
  return ok(undefined);
}

function parseEmail(raw: string): Outcome<string> {
  const parsed = EmailSchema.safeParse(raw);
  return parsed.success ? ok(parsed.data) : fail("INVALID_INPUT", parsed.error.issues[0]!.message, {
    field: "email",
  });
}

export async function register(
  deps: AccountDeps,
  input: { email: string; password: string; ip: string },
): Promise<Outcome<SignedIn>> {
  const limited = await checkLimits(deps, [["register:ip", input.ip, deps.limits.registerPerIp]]);
  if (!limited.ok) return limited;
  const email = parseEmail(input.email);
  if (!email.ok) return email;
  const problems = passwordProblems(input.password, email.value);
  if (problems.length > 0) return fail("INVALID_INPUT", problems.join(". "), { field: "password" });

  const passwordHash = await deps.hasher.hash(input.password);
  const userId = crypto.randomUUID();
  return await deps.db.withTenant(userId, async (tx) => {
    const [user] = await tx<AccountUser[]>`
      insert into users (id, email, password_hash) values (${userId}, ${email.value}, ${passwordHash})
      on conflict (email) do nothing
      returning id, email, created_at as "createdAt"`;
    if (!user) {
      return fail("INVALID_INPUT", "An account with this e-mail address already exists.", {
        field: "email",
      });
    }
    await tx`insert into user_preferences (user_id) values (${userId})`;
    await audit(tx, { userId, actor: "user", action: "account.registered" });
    return ok({ user, ...(await issueTokens(deps, tx, userId)) });
  });
}

export async function login(
  deps: AccountDeps,
  input: { email: string; password: string; ip: string },
): Promise<Outcome<SignedIn>> {
  const normalised = EmailSchema.safeParse(input.email);
  const emailKey = normalised.success ? normalised.data : input.email.trim().toLowerCase();
  const limited = await checkLimits(deps, [
    ["login:ip", input.ip, deps.limits.loginPerIp],
    ["login:email", emailKey, deps.limits.loginPerEmail],
  ]);
  if (!limited.ok) return limited;

  const [account] = normalised.success
    ? await deps.db.withSystem(
      "sign-in lookup by e-mail",
      (tx) =>
        tx<{ id: string; password_hash: string | null }[]>`
        select id, password_hash from users where email = ${normalised.data}`,
    )
    : [];
  // Unknown account, or one without a password: spend the same time as a real check.
  if (!account?.password_hash) {
    await deps.hasher.verifyDummy(input.password);
    return fail("INVALID_INPUT", WRONG_CREDENTIALS);
  }
  const check = await deps.hasher.verify(account.password_hash, input.password);
  if (!check.valid) {
    deps.log.info("sign-in refused: wrong password", { user_id: account.id });
    return fail("INVALID_INPUT", WRONG_CREDENTIALS);
  }
  const rehashed = check.needsRehash ? await deps.hasher.hash(input.password) : null;
  return await deps.db.withTenant(account.id, async (tx) => {
    if (rehashed) await tx`update users set password_hash = ${rehashed} where id = ${account.id}`;
    const [user] = await tx<AccountUser[]>`
      select id, email, created_at as "createdAt" from users where id = ${account.id}`;
    return ok({ user: user!, ...(await issueTokens(deps, tx, account.id)) });
  });
}

/** Ends the session the access token belongs to. */
export async function logout(deps: AccountDeps, viewer: Viewer): Promise<Outcome<true>> {
  // The embedded dashboard's session is Shopify's: there is nothing of ours to end.
  if (viewer.sessionId.startsWith(SHOPIFY_SESSION_PREFIX)) return ok(true);
  await deps.db.withTenant(viewer.userId, async (tx) => {
    await revokeFamily(tx, viewer.userId, viewer.sessionId, "logout");
    await audit(tx, { userId: viewer.userId, actor: "user", action: "session.logged_out" });
  });
  deps.sessions.forgetUser(viewer.userId);
  return ok(true);
}

/** Answers the same whether or not the address has an account. */
export async function requestPasswordReset(
  deps: AccountDeps,
  input: { email: string; ip: string },
): Promise<Outcome<true>> {
  const email = parseEmail(input.email);
  const limited = await checkLimits(deps, [
    ["reset:ip", input.ip, deps.limits.resetPerIp],
    ["reset:email", email.ok ? email.value : input.email, deps.limits.resetPerEmail],
  ]);
  if (!limited.ok) return limited;
  if (!email.ok) return email;

  const [account] = await deps.db.withSystem(
    "password reset lookup by e-mail",
    (tx) => tx<{ id: string }[]>`select id from users where email = ${email.value}`,
  );
  if (!account) return ok(true);

  const { token, hash } = mintToken("pr", account.id);
  const link = `${deps.appUrl}/reset-password?token=${encodeURIComponent(token)}`;
  await deps.db.withTenant(account.id, async (tx) => {
    // Only the newest link works.
    await tx`update password_reset_tokens set used_at = now()
             where user_id = ${account.id} and used_at is null`;
    await tx`insert into password_reset_tokens (user_id, token_hash, expires_at)
             values (${account.id}, ${hash}, now() + make_interval(mins => ${RESET_TOKEN_TTL_MINUTES}))`;
    const [mail] = await tx<{ id: string }[]>`
      insert into email_outbox (user_id, to_address, subject, body)
      values (${account.id}, ${email.value}, 'Reset your Alatar password',
              ${resetEmailBody(link)})
      returning id`;
    await enqueueInTransaction(deps.boss, tx, EMAIL_QUEUE, {
      userId: account.id,
      emailId: mail!.id,
    });
    await audit(tx, {
      userId: account.id,
      actor: "user",
      action: "account.password_reset_requested",
    });
  });
  return ok(true);
}

function resetEmailBody(link: string): string {
  return [
    "Someone asked to reset the password of your Alatar account.",
    "",
    `Choose a new password here (the link works once, for ${RESET_TOKEN_TTL_MINUTES} minutes):`,
    link,
    "",
    "If it was not you, ignore this message: your password stays as it is.",
  ].join("\n");
}

export async function resetPassword(
  deps: AccountDeps,
  input: { token: string; password: string },
): Promise<Outcome<true>> {
  const parsed = parseToken("pr", input.token);
  if (!parsed) return fail("INVALID_INPUT", BAD_RESET_TOKEN, { field: "token" });
  const [found] = await deps.db.withTenant(
    parsed.userId,
    (tx) =>
      tx<{ id: string; email: string }[]>`
      select t.id, u.email from password_reset_tokens t join users u on u.id = t.user_id
      where t.token_hash = ${parsed.hash} and t.used_at is null and t.expires_at > now()`,
  );
  if (!found) return fail("INVALID_INPUT", BAD_RESET_TOKEN, { field: "token" });
  const problems = passwordProblems(input.password, found.email);
  if (problems.length > 0) return fail("INVALID_INPUT", problems.join(". "), { field: "password" });

  const passwordHash = await deps.hasher.hash(input.password);
  const outcome = await deps.db.withTenant(parsed.userId, async (tx) => {
    const used = await tx`update password_reset_tokens set used_at = now()
                          where id = ${found.id} and used_at is null`;
    if (used.count === 0) return fail("INVALID_INPUT", BAD_RESET_TOKEN, { field: "token" });
    // The link reached the address's inbox: the account has proved its e-mail.
    await tx`update users set password_hash = ${passwordHash},
               email_verified_at = coalesce(email_verified_at, now())
             where id = ${parsed.userId}`;
    const revoked = await revokeAllSessions(tx, parsed.userId, "password_reset");
    await audit(tx, {
      userId: parsed.userId,
      actor: "user",
      action: "account.password_reset",
      details: { revoked_tokens: revoked },
    });
    return ok(true as const);
  });
  if (outcome.ok) deps.sessions.forgetUser(parsed.userId);
  return outcome;
}

export interface Preferences {
  preferredLlm: string | null;
  notificationsEnabled: boolean;
  /** Pushes wait from this hour to `quietHoursEnd`, in the shop's time (equal: never wait). */
  quietHoursStart: number;
  quietHoursEnd: number;
}

/** The preferences of a user who never set any (the columns' defaults in migration 0024). */
export const DEFAULT_PREFERENCES: Preferences = {
  preferredLlm: null,
  notificationsEnabled: true,
  quietHoursStart: 22,
  quietHoursEnd: 8,
};

function isHour(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 23;
}

const MODEL_ID = /^[A-Za-z0-9._-]{1,100}\/[A-Za-z0-9._:-]{1,100}$/;

/** `undefined` leaves a preference as it is; `null` clears the model choice. */
export async function updatePreferences(
  deps: Pick<AccountDeps, "db">,
  viewer: Viewer,
  input: {
    preferredLlm?: string | null;
    notificationsEnabled?: boolean | null;
    quietHoursStart?: number | null;
    quietHoursEnd?: number | null;
  },
): Promise<Outcome<Preferences>> {
  const llm = input.preferredLlm?.trim();
  if (llm && !MODEL_ID.test(llm)) {
    return fail("INVALID_INPUT", 'Use an OpenRouter model id such as "openai/gpt-4o-mini".', {
      field: "preferredLlm",
    });
  }
  if (input.notificationsEnabled === null) {
    return fail("INVALID_INPUT", "notificationsEnabled must be true or false.", {
      field: "notificationsEnabled",
    });
  }
  for (const field of ["quietHoursStart", "quietHoursEnd"] as const) {
    const hour = input[field];
    if (hour === null || (hour !== undefined && !isHour(hour))) {
      return fail("INVALID_INPUT", `${field} must be an hour from 0 to 23 in the shop's time.`, {
        field,
      });
    }
  }
  const setLlm = input.preferredLlm !== undefined;
  const start = input.quietHoursStart ?? null;
  const end = input.quietHoursEnd ?? null;
  const [row] = await deps.db.withTenant(viewer.userId, (tx) =>
    tx<Preferences[]>`
      insert into user_preferences
        (user_id, preferred_llm, notifications_enabled, quiet_hours_start, quiet_hours_end)
      values (${viewer.userId}, ${llm || null}, ${input.notificationsEnabled ?? true},
              ${start ?? DEFAULT_PREFERENCES.quietHoursStart},
              ${end ?? DEFAULT_PREFERENCES.quietHoursEnd})
      on conflict (user_id) do update set
        preferred_llm = case when ${setLlm} then excluded.preferred_llm
                             else user_preferences.preferred_llm end,
        notifications_enabled = coalesce(${input.notificationsEnabled ?? null},
                                         user_preferences.notifications_enabled),
        quiet_hours_start = coalesce(${start}::smallint, user_preferences.quiet_hours_start),
        quiet_hours_end = coalesce(${end}::smallint, user_preferences.quiet_hours_end)
      returning preferred_llm as "preferredLlm", notifications_enabled as "notificationsEnabled",
        quiet_hours_start as "quietHoursStart", quiet_hours_end as "quietHoursEnd"`);
  return ok(row!);
}
