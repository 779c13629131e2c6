import assert from "node:assert/strict";
import { encodeBase64 } from "@oslojs/encoding";
import { ConfigError, parseConfig } from "./config.ts";

const key = () => encodeBase64(crypto.getRandomValues(new Uint8Array(32)));
const secrets = {
  JWT_SECRET: "x".repeat(48),
  ALATAR_ENCRYPTION_KEYS: `k1:${key()}`,
  EMBEDDED_PG_PASSWORD: "pw",
  SHOPIFY_API_SECRET: "dev-shopify-secret",
};

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  assert.fail("expected a ConfigError");
}

Deno.test("development defaults need no variables once secrets are generated", () => {
  const config = parseConfig({}, secrets);
  assert.equal(config.appEnv, "development");
  assert.equal(config.port, 8000);
  assert.equal(config.appUrl, "http://localhost:8000");
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.encryptionKeys[0]?.id, "k1");
  assert.equal(config.encryptionKeys[0]?.key.length, 32);
  // No Shopify keys in development: the local dev store stands in for Shopify.
  assert.deepEqual(config.shopify.devStore, { port: 8100 });
  assert.equal(config.shopify.adminBaseUrl, "http://127.0.0.1:8100/{shop}");
  assert.equal(config.shopify.apiKey, "alatar-dev-app");
  assert.equal(config.openRouter.apiKey, undefined);
  assert.equal(config.analysisConcurrency, 4);
});

Deno.test("environment values win over generated secrets", () => {
  const config = parseConfig({ JWT_SECRET: "y".repeat(40), PORT: "9001" }, secrets);
  assert.equal(config.jwtSecret, "y".repeat(40));
  assert.equal(config.port, 9001);
});

Deno.test("production refuses to start without each secret, naming it", () => {
  const found = problems(() => parseConfig({ APP_ENV: "production" }, secrets));
  for (
    const name of [
      "DATABASE_URL",
      "JWT_SECRET",
      "ALATAR_ENCRYPTION_KEYS",
      "APP_URL",
      "EMAIL_API_URL",
      "EMAIL_API_KEY",
      "SHOPIFY_API_KEY",
      "SHOPIFY_API_SECRET",
    ]
  ) {
    assert.ok(found.some((p) => p.startsWith(`${name}:`)), `${name} not named in ${found}`);
  }
});

Deno.test("production accepts a complete configuration", () => {
  const config = parseConfig({
    APP_ENV: "production",
    DATABASE_URL: "postgres://app:pw@db:5432/alatar",
    APP_URL: "https://alatar.example.com/",
    JWT_SECRET: "z".repeat(64),
    ALATAR_ENCRYPTION_KEYS: `k2:${key()},k1:${key()}`,
    EMAIL_API_URL: "https://api.mail.example/email",
    EMAIL_API_KEY: "key",
    SHOPIFY_API_KEY: "key",
    SHOPIFY_API_SECRET: "secret",
  });
  assert.equal(config.shopify.adminBaseUrl, "https://{shop}");
  assert.equal(config.shopify.devStore, null);
  assert.equal(config.appUrl, "https://alatar.example.com");
  assert.deepEqual(config.encryptionKeys.map((k) => k.id), ["k2", "k1"]);
});

Deno.test("malformed values are reported with what is expected", () => {
  const found = problems(() =>
    parseConfig({
      PORT: "eighty",
      APP_ENV: "staging",
      JWT_SECRET: "short",
      ALATAR_ENCRYPTION_KEYS: "k1:dG9vIHNob3J0",
      SHOPIFY_ADMIN_BASE_URL: "http://127.0.0.1:8100",
      DATABASE_URL: "mysql://x",
      ANALYSIS_CONCURRENCY: "0",
    }, secrets)
  );
  const byName = (name: string) => found.find((p) => p.startsWith(`${name}:`)) ?? "";
  assert.match(byName("PORT"), /number/);
  assert.match(byName("APP_ENV"), /development|production/);
  assert.match(byName("JWT_SECRET"), /32 characters/);
  assert.match(byName("ALATAR_ENCRYPTION_KEYS"), /32 random bytes/);
  assert.match(byName("SHOPIFY_ADMIN_BASE_URL"), /\{shop\}/);
  assert.match(byName("DATABASE_URL"), /postgres:\/\//);
  assert.match(byName("ANALYSIS_CONCURRENCY"), />=1|too small/i);
});

Deno.test("the GraphQL answer cache: 64 MB by default, 0 turns it off, a negative size is refused", () => {
  assert.equal(parseConfig({}, secrets).answerCacheMegabytes, 64);
  assert.equal(parseConfig({ GRAPHQL_ANSWER_CACHE_MB: "0" }, secrets).answerCacheMegabytes, 0);
  const found = problems(() => parseConfig({ GRAPHQL_ANSWER_CACHE_MB: "-1" }, secrets));
  assert.ok(found.some((p) => p.includes("GRAPHQL_ANSWER_CACHE_MB")), found.join("; "));
});

Deno.test("a key ring with a repeated id is refused", () => {
  const k = key();
  const found = problems(() => parseConfig({ ALATAR_ENCRYPTION_KEYS: `a:${k},a:${k}` }, secrets));
  assert.ok(found.some((p) => /appears twice/.test(p)));
});

Deno.test("config errors never echo the secret values", () => {
  const found = problems(() =>
    parseConfig({ JWT_SECRET: "hunter2-not-long", ALATAR_ENCRYPTION_KEYS: "k1:c2VjcmV0" }, secrets)
  );
  const error = new ConfigError(found);
  assert.ok(error);
  assert.doesNotMatch(error.message, /hunter2|c2VjcmV0/);
});

Deno.test("APNs: all three key variables or none; the sandbox host serves sandbox devices", () => {
  const dev = parseConfig({}, secrets);
  assert.equal(dev.apns, null);
  assert.deepEqual(dev.localApns, { topic: "com.alatar.app" });
  const pem = "-----BEGIN PRIVATE KEY-----\\nMIGH\\n-----END PRIVATE KEY-----";
  const keyed = parseConfig({
    APNS_KEY_ID: "ABC123DEFG",
    APNS_TEAM_ID: "TEAM123456",
    APNS_PRIVATE_KEY: pem,
    APNS_TOPIC: "com.example.alatar",
    APNS_URL: "https://api.sandbox.push.apple.com",
  }, secrets);
  assert.deepEqual(keyed.apns, {
    keyId: "ABC123DEFG",
    teamId: "TEAM123456",
    // The one-line form of an env file: \n escapes become line breaks.
    privateKeyPem: "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----",
    topic: "com.example.alatar",
    url: "https://api.sandbox.push.apple.com",
    environment: "sandbox",
  });
  assert.equal(keyed.localApns, null);
  const partial = problems(() => parseConfig({ APNS_KEY_ID: "ABC123DEFG" }, secrets));
  assert.ok(partial.some((p) => p.startsWith("APNS_KEY_ID, APNS_TEAM_ID and APNS_PRIVATE_KEY")));
  // Production without APNs keys runs without push (insights are still listed and e-mailed).
  const production = parseConfig({
    APP_ENV: "production",
    DATABASE_URL: "postgres://u:p@db:5432/alatar",
    APP_URL: "https://alatar.example",
    EMAIL_API_URL: "https://mail.example/send",
    EMAIL_API_KEY: "k",
    SHOPIFY_API_KEY: "key",
    ...secrets,
  });
  assert.equal(production.apns, null);
  assert.equal(production.localApns, null);
});

Deno.test("Sign in with Apple / Google: off without client ids; lists and key-set URLs parsed", () => {
  const dev = parseConfig({}, secrets);
  assert.deepEqual(dev.platformLogins, {
    apple: { clientIds: [], jwksUrl: "https://appleid.apple.com/auth/keys" },
    google: { clientIds: [], jwksUrl: "https://www.googleapis.com/oauth2/v3/certs" },
  });
  const set = parseConfig({
    APPLE_CLIENT_IDS: "com.alatar.app, com.alatar.web",
    GOOGLE_CLIENT_IDS: "123-abc.apps.googleusercontent.com",
    APPLE_JWKS_URL: "http://127.0.0.1:9999/auth/keys",
  }, secrets);
  assert.deepEqual(set.platformLogins.apple, {
    clientIds: ["com.alatar.app", "com.alatar.web"],
    jwksUrl: "http://127.0.0.1:9999/auth/keys",
  });
  assert.deepEqual(set.platformLogins.google.clientIds, ["123-abc.apps.googleusercontent.com"]);
  const bad = problems(() => parseConfig({ GOOGLE_JWKS_URL: "not a url" }, secrets));
  assert.ok(bad.some((p) => p.startsWith("GOOGLE_JWKS_URL")), bad.join("; "));
});
