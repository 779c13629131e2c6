/**
 * Outgoing e-mail. Messages are written to `email_outbox` in the transaction
 * that causes them and delivered by the `email.deliver` job; a sender is the
 * only code that talks to a mail provider.
 */
import type { Logger } from "../log/logger.ts";

export interface EmailMessage {
  id: string;
  to: string;
  subject: string;
  body: string;
}

export interface EmailSender {
  send(message: EmailMessage): Promise<void>;
}

/**
 * Development: writes each message to `DATA_DIR/mail/<id>.txt` and logs the
 * path, so a developer can open the reset link without a mail server.
 */
export function createFileEmailSender(dir: string, log: Logger): EmailSender {
  return {
    async send(message) {
      await Deno.mkdir(dir, { recursive: true });
      const path = `${dir}/${message.id}.txt`;
      const text = `To: ${message.to}\nSubject: ${message.subject}\n\n${message.body}\n`;
      await Deno.writeTextFile(path, text, { mode: 0o600 });
      log.info("e-mail written to a file (development sender)", { path });
    },
  };
}

/**
 * Production: a JSON e-mail API (Postmark, Resend and similar accept this
 * shape behind a bearer key), with a timeout on every call.
 */
export function createHttpEmailSender(options: {
  url: string;
  apiKey: string;
  from: string;
  timeoutMs?: number;
}): EmailSender {
  return {
    async send(message) {
      const response = await fetch(options.url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${options.apiKey}` },
        body: JSON.stringify({
          from: options.from,
          to: message.to,
          subject: message.subject,
          text: message.body,
        }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`e-mail API answered ${response.status}`);
    },
  };
}
