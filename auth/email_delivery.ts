/**
 * Delivers one `email_outbox` row. Idempotent: a message already sent is
 * skipped, so pg-boss's at-least-once delivery never mails twice after a
 * successful send. The body, which may hold a reset link, is dropped once sent.
 */
import type { EmailSender } from "./mail.ts";
import type { Database } from "../db/database.ts";

export const EMAIL_QUEUE = "email.deliver";

export interface EmailJob {
  userId: string;
  emailId: string;
}

export async function deliverEmail(
  deps: { db: Database; sender: EmailSender },
  job: EmailJob,
): Promise<{ sent: boolean }> {
  const [message] = await deps.db.withTenant(
    job.userId,
    (tx) =>
      tx<{ id: string; to_address: string; subject: string; body: string | null }[]>`
      select id, to_address, subject, body from email_outbox
      where id = ${job.emailId} and sent_at is null`,
  );
  if (!message?.body) return { sent: false };
  try {
    await deps.sender.send({
      id: message.id,
      to: message.to_address,
      subject: message.subject,
      body: message.body,
    });
  } catch (error) {
    await deps.db.withTenant(
      job.userId,
      (tx) =>
        tx`update email_outbox set attempts = attempts + 1, last_error = ${
          String(error).slice(0, 500)
        }
         where id = ${message.id}`,
    );
    throw error;
  }
  await deps.db.withTenant(
    job.userId,
    (tx) =>
      tx`update email_outbox set sent_at = now(), body = null, attempts = attempts + 1, last_error = null
       where id = ${message.id}`,
  );
  return { sent: true };
}
