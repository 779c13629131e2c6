/**
 * The one place the environment is read. `parseConfig` turns a plain record of
 * variables into a typed, validated {@link Config}; everything else receives
 * that object as an argument instead of reading `Deno.env`.
 *
 * @example
 * ```ts
 * const config = parseConfig({ APP_ENV: "test", JWT_SECRET: "…", ALATAR_ENCRYPTION_KEYS: "k1:…" });
 * config.port; // 8000
 * ```
 */
import { z } from "zod";
import { decodeBase64 } from "@oslojs/encoding";
import { hmac } from "@oslojs/crypto/hmac";
import { SHA256 } from "@oslojs/crypto/sha2";

export type AppEnv = "development" | "test" | "production";
export type LogLevel = "debug" | "info" | "warn" | "error";

/** One AES-256 key of the ring; `id` is written into every ciphertext. */
export interface EncryptionKey {
  id: string;
  key: Uint8Array;
}

export interface Config {
  appEnv: AppEnv;
  port: number;
  appUrl: string;
  dataDir: string;
  /** Unset means: run the embedded PostgreSQL server. */
  databaseUrl: string | undefined;
  databasePoolMax: number;
  /** Memory for GraphQL answers kept per API process; 0 keeps none. */
  answerCacheMegabytes: number;
  /** Analysis jobs each worker process runs side by side, per queue. */
  analysisConcurrency: number;
  /** Unset: the data directory keeps a port of its own (db/embedded.ts). */
  embeddedPostgresPort: number | undefined;
  /** Password of the embedded server's owner; generated in development. */
  embeddedPostgresPassword: string;
  jwtSecret: string;
  /**
   * Key of the store mirror's customer e-mail and phone hashes, derived from
   * JWT_SECRET (a new secret re-keys them at the next full import).
   */
  customerLookupKey: Uint8Array;
  /** Newest first: the first key encrypts, every key decrypts. */
  encryptionKeys: EncryptionKey[];
  openRouter: { apiKey: string | undefined; model: string; baseUrl: string };
  shopify: {
    apiKey: string;
    apiSecret: string;
    scopes: string[];
    apiVersion: string;
    /** `https://{shop}` for Shopify; the dev store's address when it runs. */
    adminBaseUrl: string;
    /** Run the local dev store in this process (development, no Shopify keys given). */
    devStore: { port: number } | null;
  };
  email: { from: string; apiUrl: string | undefined; apiKey: string | undefined };
  /** How many reverse proxies in front of us append to X-Forwarded-For (0: use the socket). */
  trustProxyHops: number;
  corsOrigins: string[];
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
  /** How long POST /siri/ask waits for the answer. */
  siriWaitSeconds: number;
  actionRecoverySeconds: number;
  /**
   * Push to the iPhone app through APNs; null when no key is configured. In development without
   * keys, `deno task start` runs the local APNs server instead (`localApns`).
   */
  apns: {
    keyId: string;
    teamId: string;
    privateKeyPem: string;
    topic: string;
    url: string;
    /** The devices it serves: sandbox builds for Apple's sandbox host, production otherwise. */
    environment: "production" | "sandbox";
  } | null;
  localApns: { topic: string } | null;
  /** Sign in with Apple and Google: the client ids accepted as audience (none: off). */
  platformLogins: Record<"apple" | "google", { clientIds: string[]; jwksUrl: string }>;
}

/** Raised with every problem found, each naming its variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

const KEY_RING_HINT =
  "a comma-separated key ring, newest first, of id:base64 entries each holding 32 random bytes " +
  "(e.g. k2:…,k1:…); generate one with `openssl rand -base64 32`";

function parseKeyRing(raw: string, ctx: z.RefinementCtx): EncryptionKey[] {
  const keys: EncryptionKey[] = [];
  for (const entry of raw.split(",").map((s) => s.trim()).filter(Boolean)) {
    const sep = entry.indexOf(":");
    const id = sep > 0 ? entry.slice(0, sep) : "";
    let key: Uint8Array | undefined;
    try {
      key = decodeBase64(entry.slice(sep + 1));
    } catch {
      key = undefined;
    }
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id) || key?.length !== 32) {
      ctx.addIssue({ code: "custom", message: `expected ${KEY_RING_HINT}` });
      return [];
    }
    if (keys.some((k) => k.id === id)) {
      ctx.addIssue({ code: "custom", message: `key id "${id}" appears twice` });
      return [];
    }
    keys.push({ id, key });
  }
  if (keys.length === 0) ctx.addIssue({ code: "custom", message: `expected ${KEY_RING_HINT}` });
  return keys;
}

const optionalText = z.string().trim().min(1).optional().catch(undefined);
const list = (fallback: string) =>
  z.string().default(fallback).transform((s) => s.split(",").map((x) => x.trim()).filter(Boolean));

/** Where Apple and Google publish the keys their ID tokens are signed with. */
export const DEFAULT_JWKS_URLS = {
  apple: "https://appleid.apple.com/auth/keys",
  google: "https://www.googleapis.com/oauth2/v3/certs",
} as const;

/** The Admin API version spoken unless SHOPIFY_API_VERSION says otherwise (supported to 2027-10). */
export const DEFAULT_SHOPIFY_API_VERSION = "2026-10";
/** Analysis jobs a worker runs side by side per queue, sized for jobs that wait on a model. */
export const DEFAULT_ANALYSIS_CONCURRENCY = 4;

const EnvSchema = z.object({
  APP_ENV: z.enum(["development", "test", "production"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  APP_URL: z.url().optional(),
  DATA_DIR: z.string().min(1).default(".data"),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "expected a postgres:// URL").optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  // Memory for answers kept per API process (api/answer_cache.ts); 0 keeps none.
  GRAPHQL_ANSWER_CACHE_MB: z.coerce.number().int().min(0).max(4096).default(64),
  ANALYSIS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(
    DEFAULT_ANALYSIS_CONCURRENCY,
  ),
  // Unset: the port the data directory had, else 54329, else a free one (db/embedded.ts).
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  JWT_SECRET: z.string().min(32, "expected at least 32 characters of random secret").optional(),
  ALATAR_ENCRYPTION_KEYS: z.string().transform(parseKeyRing).optional(),
  OPENROUTER_API_KEY: optionalText,
  OPENROUTER_MODEL: z.string().min(1).default("openai/gpt-4o-mini"),
  OPENROUTER_BASE_URL: z.url().default("https://openrouter.ai/api/v1"),
  SHOPIFY_API_KEY: optionalText,
  SHOPIFY_API_SECRET: optionalText,
  SHOPIFY_SCOPES: list(
    "read_products,read_orders,read_all_orders,read_customers,read_discounts," +
      "write_discounts,write_draft_orders,write_orders,write_products",
  ),
  SHOPIFY_API_VERSION: z.string().regex(/^\d{4}-\d{2}$/, "expected YYYY-MM")
    .default(DEFAULT_SHOPIFY_API_VERSION),
  SHOPIFY_ADMIN_BASE_URL: z.string().includes("{shop}", { message: "must contain {shop}" })
    .optional(),
  DEVSTORE_PORT: z.coerce.number().int().min(1).max(65535).default(8100),
  EMAIL_FROM: z.string().min(3).default("Alatar <no-reply@alatar.local>"),
  EMAIL_API_URL: z.url().optional(),
  EMAIL_API_KEY: optionalText,
  APNS_KEY_ID: optionalText,
  APNS_TEAM_ID: optionalText,
  // The .p8 file's PEM; a single line with \n escapes (as env files hold it) is accepted too.
  APNS_PRIVATE_KEY: optionalText.transform((v) => v?.replaceAll("\\n", "\n")),
  APNS_TOPIC: z.string().min(1).default("com.alatar.app"),
  APNS_URL: z.url().default("https://api.push.apple.com"),
  // Sign in with Apple / Google: the audiences accepted (none: that sign-in is off).
  APPLE_CLIENT_IDS: list(""),
  GOOGLE_CLIENT_IDS: list(""),
  APPLE_JWKS_URL: z.url().default(DEFAULT_JWKS_URLS.apple),
  GOOGLE_JWKS_URL: z.url().default(DEFAULT_JWKS_URLS.google),
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(5).default(0),
  CORS_ORIGINS: list(""),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  // Shortcuts give up after about ten seconds: past this, /siri/ask says it is still working.
  SIRI_WAIT_SECONDS: z.coerce.number().int().min(1).max(25).default(8),
  // An approved action still executing this long after approval is settled by the recovery job.
  ACTION_RECOVERY_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
});

/** Secrets that development and test may fill in from `DATA_DIR` when unset. */
export interface GeneratedSecrets {
  JWT_SECRET: string;
  ALATAR_ENCRYPTION_KEYS: string;
  EMBEDDED_PG_PASSWORD: string;
  /** The dev store's app secret, shared by `deno task start` and `deno task devstore`. */
  SHOPIFY_API_SECRET: string;
}

/** The app key the dev store knows when no real one is configured. */
export const DEV_SHOPIFY_API_KEY = "alatar-dev-app";

/**
 * Validates `env`. In production every secret must be present; elsewhere
 * `generated` fills the gaps (see `ensureDevSecrets`).
 */
export function parseConfig(
  env: Record<string, string | undefined>,
  generated?: GeneratedSecrets,
): Config {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ""),
  );
  const isProduction = cleaned.APP_ENV === "production";
  const withSecrets = isProduction ? cleaned : { ...generated, ...cleaned };
  const parsed = EnvSchema.safeParse(withSecrets);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`);
  const e = parsed.data;
  const required = isProduction
    ? [
      "DATABASE_URL",
      "JWT_SECRET",
      "ALATAR_ENCRYPTION_KEYS",
      "APP_URL",
      "EMAIL_API_URL",
      "EMAIL_API_KEY",
      "SHOPIFY_API_KEY",
      "SHOPIFY_API_SECRET",
    ]
    : ["JWT_SECRET", "ALATAR_ENCRYPTION_KEYS", "SHOPIFY_API_SECRET"];
  for (const name of required) {
    if (withSecrets[name] === undefined) problems.push(`${name}: is required${hint(name)}`);
  }
  const apnsSet = ["APNS_KEY_ID", "APNS_TEAM_ID", "APNS_PRIVATE_KEY"].filter((n) => cleaned[n]);
  if (apnsSet.length > 0 && apnsSet.length < 3) {
    problems.push(
      "APNS_KEY_ID, APNS_TEAM_ID and APNS_PRIVATE_KEY: set all three (the .p8 key's id, the team " +
        "id and the key's PEM) or none",
    );
  }
  if (problems.length > 0 || !e) throw new ConfigError(problems);
  // Without Shopify keys outside production, the app talks to the local dev store.
  const devStore = !isProduction && !cleaned.SHOPIFY_API_KEY ? { port: e.DEVSTORE_PORT } : null;
  return {
    appEnv: e.APP_ENV,
    port: e.PORT,
    appUrl: (e.APP_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ""),
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    answerCacheMegabytes: e.GRAPHQL_ANSWER_CACHE_MB,
    analysisConcurrency: e.ANALYSIS_CONCURRENCY,
    embeddedPostgresPort: e.EMBEDDED_PG_PORT,
    embeddedPostgresPassword: generated?.EMBEDDED_PG_PASSWORD ?? crypto.randomUUID(),
    jwtSecret: e.JWT_SECRET!,
    customerLookupKey: hmac(
      SHA256,
      new TextEncoder().encode(e.JWT_SECRET!),
      new TextEncoder().encode("alatar customer lookup v1"),
    ),
    encryptionKeys: e.ALATAR_ENCRYPTION_KEYS!,
    openRouter: {
      apiKey: e.OPENROUTER_API_KEY,
      model: e.OPENROUTER_MODEL,
      baseUrl: e.OPENROUTER_BASE_URL,
    },
    shopify: {
      apiKey: e.SHOPIFY_API_KEY ?? DEV_SHOPIFY_API_KEY,
      apiSecret: e.SHOPIFY_API_SECRET!,
      scopes: e.SHOPIFY_SCOPES,
      apiVersion: e.SHOPIFY_API_VERSION,
      adminBaseUrl: e.SHOPIFY_ADMIN_BASE_URL ??
        (devStore ? `http://127.0.0.1:${devStore.port}/{shop}` : "https://{shop}"),
      devStore,
    },
    email: { from: e.EMAIL_FROM, apiUrl: e.EMAIL_API_URL, apiKey: e.EMAIL_API_KEY },
    trustProxyHops: e.TRUST_PROXY_HOPS,
    corsOrigins: e.CORS_ORIGINS,
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    siriWaitSeconds: e.SIRI_WAIT_SECONDS,
    actionRecoverySeconds: e.ACTION_RECOVERY_SECONDS,
    apns: e.APNS_KEY_ID && e.APNS_TEAM_ID && e.APNS_PRIVATE_KEY
      ? {
        keyId: e.APNS_KEY_ID,
        teamId: e.APNS_TEAM_ID,
        privateKeyPem: e.APNS_PRIVATE_KEY,
        topic: e.APNS_TOPIC,
        url: e.APNS_URL,
        environment: new URL(e.APNS_URL).hostname.includes("sandbox") ? "sandbox" : "production",
      }
      : null,
    localApns: !isProduction && apnsSet.length === 0 ? { topic: e.APNS_TOPIC } : null,
    platformLogins: {
      apple: { clientIds: e.APPLE_CLIENT_IDS, jwksUrl: e.APPLE_JWKS_URL },
      google: { clientIds: e.GOOGLE_CLIENT_IDS, jwksUrl: e.GOOGLE_JWKS_URL },
    },
  };
}

function hint(name: string): string {
  switch (name) {
    case "JWT_SECRET":
      return " (at least 32 random characters, e.g. `openssl rand -base64 48`)";
    case "ALATAR_ENCRYPTION_KEYS":
      return ` (${KEY_RING_HINT})`;
    case "DATABASE_URL":
      return " (postgres://user:password@host:5432/db; the embedded server is for development only)";
    case "SHOPIFY_API_KEY":
    case "SHOPIFY_API_SECRET":
      return " (the app's client id and secret from the Shopify Partner dashboard)";
    case "EMAIL_API_URL":
    case "EMAIL_API_KEY":
      return " (a JSON e-mail API and its key, for password-reset mail)";
    case "APP_URL":
      return " (the public https:// address of this deployment, used in OAuth redirects)";
    default:
      return "";
  }
}
