/**
 * Writes a job in the caller's transaction, so the job exists exactly when
 * the rows that caused it do: a rollback drops both. The transaction runs as
 * the app role, which `grantEnqueue` allows to insert jobs and nothing more.
 *
 * @example
 * ```ts
 * await db.withTenant(userId, async (tx) => {
 *   const [email] = await tx`insert into email_outbox … returning id`;
 *   await enqueueInTransaction(boss, tx, EMAIL_QUEUE, { userId, emailId: email.id });
 * });
 * ```
 */
import type { PgBoss } from "pg-boss";
import type { Tx } from "../db/database.ts";
import { TRACE_KEY, traceCarrier } from "../log/tracing.ts";

export type Enqueuer = Pick<PgBoss, "send">;

export function enqueueInTransaction(
  boss: Enqueuer,
  tx: Tx,
  queue: string,
  data: object,
  options: { singletonKey?: string; priority?: number; startAfter?: number } = {},
): Promise<string | null> {
  // The job continues the caller's trace (log/tracing.ts); absent when nothing is traced.
  const carrier = traceCarrier();
  return boss.send(queue, carrier ? { ...data, [TRACE_KEY]: carrier } : data, {
    ...options,
    db: {
      executeSql: (text, values) =>
        tx.unsafe(text, (values ?? []) as never[]).then((rows) => ({ rows: [...rows] })),
    },
  });
}
