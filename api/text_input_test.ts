import assert from "node:assert/strict";
import { documentHasNul, nulIn } from "./text_input.ts";

Deno.test("a NUL anywhere in the input is found with its path", () => {
  assert.equal(nulIn({ email: "a\u0000@b.c", password: "x" }, "variables"), "variables.email");
  assert.equal(
    nulIn({ input: { tags: ["ok", "b\u0000d"] } }, "variables"),
    "variables.input.tags[1]",
  );
  assert.equal(nulIn({ ["k\u0000"]: 1 }, "variables"), "variables.k\u0000");
  assert.equal(nulIn({ email: "a@b.c", n: 3, list: [null, true] }, "variables"), null);
  assert.equal(
    documentHasNul('mutation { login(email: "a\\u0000b", password: "p") { accessToken } }'),
    true,
  );
  assert.equal(documentHasNul("{ me { email } }"), false);
});
