/**
 * The iPhone app's devices for push (`registerPushDevice`,
 * `unregisterPushDevice`). A token is APNs' device token in hex; it belongs to
 * one install, so registering it for one account releases it from any other.
 */
import { fail, ok, type Outcome } from "../auth/user_errors.ts";
import type { Database } from "../db/database.ts";
import { isUuid } from "../db/database.ts";

export type PushEnvironment = "production" | "sandbox";

export interface PushDeviceRow {
  id: string;
  environment: PushEnvironment;
  created_at: Date;
  last_pushed_at: Date | null;
}

const TOKEN = /^[0-9a-f]{64}$/;

export async function registerPushDevice(
  db: Database,
  userId: string,
  input: { token: string; environment: PushEnvironment },
): Promise<Outcome<PushDeviceRow>> {
  // Apple's tokens are 32 bytes; clients print them in hex, some with spaces or capitals.
  const token = input.token.replace(/[\s<>]/g, "").toLowerCase();
  if (!TOKEN.test(token)) {
    return fail("INVALID_INPUT", "A device token is the 64 hexadecimal digits APNs gave the app.", {
      field: "token",
    });
  }
  await db.withSystem(
    "release a push token registered by another account",
    (tx) =>
      tx`delete from push_devices where token = ${token} and environment = ${input.environment}
         and user_id <> ${userId}`,
  );
  const [row] = await db.withTenant(
    userId,
    (tx) =>
      tx<PushDeviceRow[]>`
      insert into push_devices (user_id, token, environment)
      values (${userId}, ${token}, ${input.environment})
      on conflict (user_id, token, environment) do update set token = excluded.token
      returning id, environment, created_at, last_pushed_at`,
  );
  return ok(row!);
}

export async function unregisterPushDevice(
  db: Database,
  userId: string,
  id: string,
): Promise<Outcome<{ id: string }>> {
  const missing = fail("NOT_FOUND", "There is no push device with this id.", { field: "id" });
  if (!isUuid(id)) return missing;
  const rows = await db.withTenant(
    userId,
    (tx) => tx`delete from push_devices where id = ${id} returning id`,
  );
  return rows.length ? ok({ id }) : missing;
}
