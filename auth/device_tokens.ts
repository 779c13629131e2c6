/**
 * Device tokens: long-lived bearer secrets for Siri Shortcuts, which cannot
 * sign in or refresh a JWT. A token is shown once when created, stored only
 * as a SHA-256 (auth/opaque_tokens.ts), works on the /siri endpoints and
 * nowhere else, and is revoked by the merchant from the app.
 *
 * @example
 * ```ts
 * const created = await createDeviceToken(db, viewer, "Kitchen HomePod");
 * // created.value.token: "dt_…", shown once
 * const device = await authenticateDevice(db, `Bearer ${created.value.token}`);
 * ```
 */
import type { Database, Tx } from "../db/database.ts";
import { isUuid } from "../db/database.ts";
import type { Viewer } from "./access_tokens.ts";
import { mintToken, parseToken } from "./opaque_tokens.ts";
import { fail, ok, type Outcome } from "./user_errors.ts";
import { audit } from "../db/audit.ts";

/** More live tokens than a merchant has devices would only be leaks waiting to happen. */
export const MAX_LIVE_DEVICE_TOKENS = 20;

export interface DeviceToken {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** Who a presented device token speaks for. */
export interface Device {
  userId: string;
  tokenId: string;
}

const columns = (tx: Tx) =>
  tx`id, name, created_at as "createdAt", last_used_at as "lastUsedAt", revoked_at as "revokedAt"`;

export async function createDeviceToken(
  db: Database,
  viewer: Viewer,
  name: string,
): Promise<Outcome<{ token: string; deviceToken: DeviceToken }>> {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 100) {
    return fail("INVALID_INPUT", "Name the device in 1 to 100 characters.", { field: "name" });
  }
  return await db.withTenant(viewer.userId, async (tx) => {
    // Serialises two creations by one user, so the cap holds.
    await tx`select pg_advisory_xact_lock(hashtextextended(${
      "device_tokens:" + viewer.userId
    }, 0))`;
    const [live] = await tx<{ n: number }[]>`
      select count(*)::int as n from device_tokens where revoked_at is null`;
    if (live!.n >= MAX_LIVE_DEVICE_TOKENS) {
      return fail(
        "INVALID_INPUT",
        `You have ${MAX_LIVE_DEVICE_TOKENS} device tokens. Revoke one you no longer use first.`,
        { field: "name" },
      );
    }
    const minted = mintToken("dt", viewer.userId);
    const [row] = await tx<DeviceToken[]>`
      insert into device_tokens (user_id, name, token_hash)
      values (${viewer.userId}, ${trimmed}, ${minted.hash})
      returning ${columns(tx)}`;
    await audit(tx, {
      userId: viewer.userId,
      actor: "user",
      action: "device_token.created",
      entity: { type: "device_token", id: row!.id },
    });
    return ok({ token: minted.token, deviceToken: row! });
  });
}

export async function revokeDeviceToken(
  db: Database,
  viewer: Viewer,
  id: string,
): Promise<Outcome<DeviceToken>> {
  const notFound = fail("NOT_FOUND", "There is no device token with this id.", { field: "id" });
  if (!isUuid(id)) return notFound;
  return await db.withTenant(viewer.userId, async (tx) => {
    const [row] = await tx<DeviceToken[]>`
      update device_tokens set revoked_at = coalesce(revoked_at, now())
      where id = ${id} returning ${columns(tx)}`;
    if (!row) return notFound;
    await audit(tx, {
      userId: viewer.userId,
      actor: "user",
      action: "device_token.revoked",
      entity: { type: "device_token", id },
    });
    return ok(row);
  });
}

/** The user's live device tokens, newest first (never the secrets: only their names). */
export function liveDeviceTokens(tx: Tx): Promise<DeviceToken[]> {
  return tx<DeviceToken[]>`
    select ${columns(tx)} from device_tokens where revoked_at is null
    order by created_at desc, id desc`;
}

/**
 * The device behind an `Authorization: Bearer dt_…` header, or null for a
 * missing, malformed, unknown or revoked token. Use is recorded at most once
 * a minute, so a chatty Shortcut does not write on every call.
 */
export async function authenticateDevice(
  db: Database,
  header: string | undefined,
): Promise<Device | null> {
  const presented = /^Bearer\s+(\S+)$/i.exec(header ?? "")?.[1];
  const parsed = presented ? parseToken("dt", presented) : null;
  if (!parsed) return null;
  return await db.withTenant(parsed.userId, async (tx) => {
    const [row] = await tx<{ id: string }[]>`
      select id from device_tokens where token_hash = ${parsed.hash} and revoked_at is null`;
    if (!row) return null;
    await tx`update device_tokens set last_used_at = now()
             where id = ${row.id}
               and (last_used_at is null or last_used_at < now() - interval '1 minute')`;
    return { userId: parsed.userId, tokenId: row.id };
  });
}
