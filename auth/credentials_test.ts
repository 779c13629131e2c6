import assert from "node:assert/strict";
import { EmailSchema, passwordProblems } from "./credentials.ts";

Deno.test("e-mail addresses are normalised, unicode included", () => {
  assert.equal(EmailSchema.parse("  Ann.Lee@Example.COM "), "ann.lee@example.com");
  assert.equal(EmailSchema.parse("JOSÉ@exämple.de"), "josé@exämple.de");
  // The same address typed with a combining accent is the same account.
  assert.equal(
    EmailSchema.parse("jose\u0301@example.com"),
    EmailSchema.parse("jos\u00e9@example.com"),
  );
});

Deno.test("malformed e-mail addresses are refused", () => {
  for (
    const bad of [
      "",
      "  ",
      "ann",
      "ann@",
      "@example.com",
      "a b@example.com",
      `${"a".repeat(250)}@x.io`,
    ]
  ) {
    assert.equal(EmailSchema.safeParse(bad).success, false, `accepted ${JSON.stringify(bad)}`);
  }
});

Deno.test("the password policy: length 10 to 256, not the e-mail", () => {
  assert.deepEqual(passwordProblems("correct horse", "ann@example.com"), []);
  assert.match(passwordProblems("short", "ann@example.com")[0]!, /at least 10/);
  assert.match(passwordProblems("x".repeat(257), "ann@example.com")[0]!, /at most 256/);
  assert.match(passwordProblems("Ann@Example.com", "ann@example.com")[0]!, /e-mail/);
  // Counted in characters, not bytes: ten emoji are ten characters.
  assert.deepEqual(passwordProblems("🔑".repeat(10), "ann@example.com"), []);
});
