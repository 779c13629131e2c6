import assert from "node:assert/strict";
import { maskText, maskValue, REDACTED } from "./mask.ts";

Deno.test("secret fields are dropped whatever their shape", () => {
  const masked = maskValue({
    password: "hunter2hunter2",
    accessToken: "abc",
    refresh_token: "def",
    headers: { Authorization: "Bearer abc.def.ghi", cookie: "sid=1" },
    apiKey: 123,
    nested: [{ client_secret: "s" }],
    keep: "visible",
  });
  assert.deepEqual(masked, {
    password: REDACTED,
    accessToken: REDACTED,
    refresh_token: REDACTED,
    headers: { Authorization: REDACTED, cookie: REDACTED },
    apiKey: REDACTED,
    nested: [{ client_secret: REDACTED }],
    keep: "visible",
  });
});

Deno.test("e-mail addresses and phone numbers are masked in free text", () => {
  assert.equal(maskText("order by ann.lee+shop@example.co.uk"), "order by a***@example.co.uk");
  assert.equal(maskText("call +1 415 555 0132 now"), "call ***32 now");
  assert.equal(maskText("call (415) 555-0132"), "call ***32");
  assert.equal(maskText("tel +44 20 7946 0958"), "tel ***58");
});

Deno.test("tokens inside messages are removed", () => {
  const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
  assert.equal(maskText(`bad token ${jwt}`), `bad token ${REDACTED}`);
  assert.equal(maskText("header Bearer abc123"), `header Bearer ${REDACTED}`);
  assert.equal(maskText("shpat_0123456789abcdef leaked"), `${REDACTED} leaked`);
  assert.equal(maskText("postgres://app:s3cret@db:5432/x"), `postgres://app:${REDACTED}@db:5432/x`);
  assert.equal(
    maskText("/cb?code=abc&shop=x&hmac=ff"),
    `/cb?code=${REDACTED}&shop=x&hmac=${REDACTED}`,
  );
});

Deno.test("ids, dates, amounts and timestamps are left alone", () => {
  const text =
    "order 1001 on 2026-11-22T10:15:00Z for 1234.50 USD, request 3f2a1b4c-1234-5678-9abc-def012345678";
  assert.equal(maskText(text), text);
});

Deno.test("errors keep their shape with masked message and stack", () => {
  const masked = maskValue(new Error("no user bob@example.com")) as Record<string, string>;
  assert.equal(masked.name, "Error");
  assert.equal(masked.message, "no user b***@example.com");
  assert.doesNotMatch(masked.stack ?? "", /bob@/);
});
