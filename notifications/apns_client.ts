/**
 * Sends one notification to APNs over HTTP/2 (`POST /3/device/<token>`), the
 * way Apple's provider API asks: a bearer provider token, `apns-topic` (the
 * app's bundle id), `apns-push-type`, `apns-priority`, `apns-expiration` and
 * a collapse id, and a JSON payload of at most 4 KB. Each answer is sorted
 * into what the caller does next: done, drop the device (`BadDeviceToken`,
 * `Unregistered`, a token of another app), retry later (429 and 5xx), or
 * fail this delivery with Apple's reason. The same client talks to the local
 * APNs server in development and tests (notifications/local_apns.ts).
 */
import type { ProviderTokens } from "./apns_token.ts";

/** APNs refuses payloads above this many bytes (alert notifications). */
export const MAX_PAYLOAD_BYTES = 4096;
/** How long one send may take before it counts as a transient failure. */
export const SEND_TIMEOUT_MS = 10_000;

export interface PushMessage {
  deviceToken: string;
  /** Replaces an earlier notification with the same id on the device (one per insight). */
  collapseId: string;
  payload: Record<string, unknown>;
  /** Unix seconds after which APNs stops trying to deliver; 0: once, now. */
  expiration: number;
}

export type PushOutcome =
  | { kind: "sent"; apnsId: string | null }
  | { kind: "drop_device"; status: number; reason: string }
  | { kind: "retry"; status: number; reason: string }
  | { kind: "failed"; status: number; reason: string };

export interface ApnsClient {
  send(message: PushMessage): Promise<PushOutcome>;
  close(): void;
}

const DEVICE_GONE = new Set(["BadDeviceToken", "Unregistered", "DeviceTokenNotForTopic"]);

export function createApnsClient(options: {
  /** https://api.push.apple.com, https://api.sandbox.push.apple.com, or the local server. */
  url: string;
  topic: string;
  tokens: ProviderTokens;
  /** Extra certificate authorities (the local server's self-signed certificate). */
  caCerts?: string[];
}): ApnsClient {
  // HTTP/2 only, as APNs requires; one client keeps its connection open between sends.
  const client = Deno.createHttpClient({
    http1: false,
    http2: true,
    ...(options.caCerts ? { caCerts: options.caCerts } : {}),
  });
  const base = options.url.replace(/\/+$/, "");

  async function post(message: PushMessage, body: string): Promise<Response> {
    return await fetch(`${base}/3/device/${encodeURIComponent(message.deviceToken)}`, {
      method: "POST",
      client,
      headers: {
        authorization: `bearer ${await options.tokens.current()}`,
        "apns-topic": options.topic,
        "apns-push-type": "alert",
        "apns-priority": "10",
        "apns-expiration": String(message.expiration),
        "apns-collapse-id": message.collapseId,
        "content-type": "application/json",
      },
      body,
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
  }

  return {
    async send(message) {
      const body = JSON.stringify(message.payload);
      if (new TextEncoder().encode(body).length > MAX_PAYLOAD_BYTES) {
        return { kind: "failed", status: 413, reason: "PayloadTooLarge" };
      }
      let response: Response;
      try {
        response = await post(message, body);
        if (
          response.status === 403 && (await reasonOf(response.clone())) === "ExpiredProviderToken"
        ) {
          await response.body?.cancel();
          options.tokens.renew();
          response = await post(message, body);
        }
      } catch (error) {
        // Unreachable, reset or too slow: APNs may be down for a moment.
        return { kind: "retry", status: 0, reason: error instanceof Error ? error.name : "Error" };
      }
      if (response.status === 200) {
        await response.body?.cancel();
        return { kind: "sent", apnsId: response.headers.get("apns-id") };
      }
      const reason = await reasonOf(response);
      if (DEVICE_GONE.has(reason) || response.status === 410) {
        return { kind: "drop_device", status: response.status, reason };
      }
      if (response.status === 429 || response.status >= 500) {
        return { kind: "retry", status: response.status, reason };
      }
      return { kind: "failed", status: response.status, reason };
    },
    close: () => client.close(),
  };
}

/** Apple's `{"reason": "…"}`, or the status when the body says nothing readable. */
async function reasonOf(response: Response): Promise<string> {
  try {
    const body = await response.json();
    if (typeof body?.reason === "string") return body.reason;
  } catch {
    // not JSON
  }
  return `HTTP ${response.status}`;
}
