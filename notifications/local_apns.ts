/**
 * A local stand-in for Apple's push service, as the dev store stands in for
 * Shopify: HTTP/2 over TLS (a self-signed certificate made at start, given to
 * the client as an extra CA), `POST /3/device/<token>`, the provider token
 * checked as APNs checks it (ES256, `kid`, `iss`, issued within the hour),
 * Apple's headers and its error answers (`{"reason": …}`, 410 with a
 * timestamp for an unregistered device). It records what it accepted, and a
 * test can unregister a device or make the next answers fail.
 *
 * @example
 * ```ts
 * const apns = await startLocalApns({ topic: "com.alatar.app" });
 * // APNS_URL=apns.url, APNS_KEY_ID=apns.credentials.keyId, …, caCerts: [apns.caCert]
 * apns.deliveries; // [{ deviceToken, collapseId, payload, … }]
 * await apns.close();
 * ```
 */
// @peculiar/x509 (certificates from WebCrypto keys) needs the Reflect metadata polyfill first.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { decodeProtectedHeader, exportPKCS8, generateKeyPair, jwtVerify } from "jose";
import { type ApnsClient, createApnsClient } from "./apns_client.ts";
import { type ApnsCredentials, createProviderTokens } from "./apns_token.ts";

export interface LocalDelivery {
  apnsId: string;
  deviceToken: string;
  topic: string;
  pushType: string;
  priority: string | null;
  expiration: string | null;
  collapseId: string | null;
  payload: unknown;
  at: Date;
}

export interface LocalApns {
  url: string;
  /** The PEM of the authority that signed the server's certificate: the client's extra CA. */
  caCert: string;
  /** A .p8 key, key id and team id this server accepts tokens of. */
  credentials: ApnsCredentials;
  deliveries: LocalDelivery[];
  /** Later sends to this token answer 410 Unregistered. */
  unregister(deviceToken: string): void;
  /** The next `count` sends answer `status` with `reason` (an outage, throttling). */
  failNext(count: number, status: number, reason: string): void;
  /**
   * The next send to `deviceToken` reaches the device, but its answer never comes back (the
   * provider dies or the connection drops in between). Resolves when that send arrives.
   */
  holdAnswerTo(deviceToken: string): Promise<LocalDelivery>;
  close(): Promise<void>;
}

const DEVICE_TOKEN = /^[0-9a-f]{64}$/i;
const PUSH_TYPES = new Set([
  "alert",
  "background",
  "voip",
  "complication",
  "fileprovider",
  "mdm",
  "liveactivity",
  "location",
  "pushtotalk",
]);

/**
 * A throwaway certificate authority and a `localhost` certificate it signs (TLS clients refuse a
 * CA certificate as the server's own). The CA's PEM is what the client trusts.
 */
async function localCertificates(): Promise<{ ca: string; cert: string; key: string }> {
  x509.cryptoProvider.set(crypto);
  const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const caKeys = await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const serverKeys = await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 365 * 86_400_000);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=Alatar local APNs CA",
    notBefore,
    notAfter,
    signingAlgorithm: algorithm,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
    ],
  });
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: "02",
    subject: "CN=localhost",
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingAlgorithm: algorithm,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: "dns", value: "localhost" },
        { type: "ip", value: "127.0.0.1" },
      ]),
    ],
  });
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", serverKeys.privateKey);
  const base64 = btoa(String.fromCharCode(...new Uint8Array(pkcs8))).replace(/.{64}/g, "$&\n");
  return {
    ca: ca.toString("pem"),
    cert: server.toString("pem"),
    key: `-----BEGIN PRIVATE KEY-----\n${base64.trim()}\n-----END PRIVATE KEY-----\n`,
  };
}

export async function startLocalApns(options: {
  topic: string;
  port?: number;
  /** Overrides the server's clock (provider token age). */
  now?: () => number;
}): Promise<LocalApns> {
  const now = options.now ?? Date.now;
  const { ca, cert, key } = await localCertificates();
  const signing = await generateKeyPair("ES256", { extractable: true });
  const credentials: ApnsCredentials = {
    keyId: "LOCALKEY01",
    teamId: "LOCALTEAM1",
    privateKeyPem: await exportPKCS8(signing.privateKey),
  };
  const deliveries: LocalDelivery[] = [];
  const unregistered = new Map<string, number>();
  const failures: Array<{ status: number; reason: string }> = [];
  const held = new Map<string, (delivery: LocalDelivery) => void>();
  let closing: () => void = () => {};
  const closed = new Promise<void>((resolve) => closing = resolve);

  // A token's signature is checked once (APNs, too, verifies a provider token once per
  // connection, not per request); its age on every request.
  const verified = new Map<string, number>();
  async function checkProviderToken(token: string): Promise<string | null> {
    let iat = verified.get(token);
    if (iat === undefined) {
      try {
        const header = decodeProtectedHeader(token);
        if (header.alg !== "ES256" || header.kid !== credentials.keyId) {
          return "InvalidProviderToken";
        }
        const { payload } = await jwtVerify(token, signing.publicKey, {
          algorithms: ["ES256"],
          issuer: credentials.teamId,
          currentDate: new Date(now()),
        });
        if (typeof payload.iat !== "number") return "InvalidProviderToken";
        iat = payload.iat;
      } catch {
        return "InvalidProviderToken";
      }
      if (verified.size > 1000) verified.clear();
      verified.set(token, iat);
    }
    return now() / 1000 - iat > 3600 ? "ExpiredProviderToken" : null;
  }

  const answer = (status: number, reason: string, extra: Record<string, unknown> = {}) =>
    Response.json({ reason, ...extra }, { status, headers: { "apns-id": crypto.randomUUID() } });

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const match = /^\/3\/device\/([^/]+)$/.exec(url.pathname);
    if (!match) return answer(404, "BadPath");
    if (request.method !== "POST") return answer(405, "MethodNotAllowed");
    const failure = failures.shift();
    if (failure) {
      await request.body?.cancel();
      return answer(failure.status, failure.reason);
    }
    const authorization = request.headers.get("authorization") ?? "";
    if (!authorization.toLowerCase().startsWith("bearer ")) {
      return answer(403, "MissingProviderToken");
    }
    const token = authorization.slice(7);
    const problem = await checkProviderToken(token);
    if (problem) return answer(403, problem);
    const deviceToken = decodeURIComponent(match[1]!);
    if (!DEVICE_TOKEN.test(deviceToken)) return answer(400, "BadDeviceToken");
    const topic = request.headers.get("apns-topic");
    if (!topic) return answer(400, "MissingTopic");
    if (topic !== options.topic) return answer(400, "TopicDisallowed");
    const pushType = request.headers.get("apns-push-type") ?? "alert";
    if (!PUSH_TYPES.has(pushType)) return answer(400, "InvalidPushType");
    const collapseId = request.headers.get("apns-collapse-id");
    if (collapseId && new TextEncoder().encode(collapseId).length > 64) {
      return answer(400, "BadCollapseId");
    }
    const gone = unregistered.get(deviceToken.toLowerCase());
    if (gone) return answer(410, "Unregistered", { timestamp: gone });
    const body = new Uint8Array(await request.arrayBuffer());
    if (body.length === 0) return answer(400, "PayloadEmpty");
    if (body.length > 4096) return answer(413, "PayloadTooLarge");
    let payload: unknown;
    try {
      payload = JSON.parse(new TextDecoder().decode(body));
    } catch {
      return answer(400, "BadPayload");
    }
    const apnsId = request.headers.get("apns-id") ?? crypto.randomUUID();
    const delivery: LocalDelivery = {
      apnsId,
      deviceToken: deviceToken.toLowerCase(),
      topic,
      pushType,
      priority: request.headers.get("apns-priority"),
      expiration: request.headers.get("apns-expiration"),
      collapseId,
      payload,
      at: new Date(now()),
    };
    deliveries.push(delivery);
    const hold = held.get(delivery.deviceToken);
    if (hold) {
      held.delete(delivery.deviceToken);
      hold(delivery);
      await closed;
    }
    return new Response(null, { status: 200, headers: { "apns-id": apnsId } });
  }

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    cert,
    key,
    onListen: () => {},
  }, handle);
  return {
    url: `https://localhost:${server.addr.port}`,
    caCert: ca,
    credentials,
    deliveries,
    unregister: (deviceToken) => unregistered.set(deviceToken.toLowerCase(), now()),
    failNext(count, status, reason) {
      for (let i = 0; i < count; i++) failures.push({ status, reason });
    },
    holdAnswerTo: (deviceToken) =>
      new Promise((resolve) => held.set(deviceToken.toLowerCase(), resolve)),
    close: () => {
      closing();
      return server.shutdown();
    },
  };
}

/** The APNs client that talks to `apns`: its authority trusted, its key signing the tokens. */
export async function localApnsClient(apns: LocalApns, topic: string): Promise<ApnsClient> {
  return createApnsClient({
    url: apns.url,
    topic,
    tokens: await createProviderTokens(apns.credentials),
    caCerts: [apns.caCert],
  });
}
