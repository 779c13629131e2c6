/**
 * Bytes Postgres refuses get a clear 400 at the edge, naming the field, and
 * nothing is written: before, a NUL in a login e-mail, a prompt, a device
 * name or a Siri question answered 500 with `invalid byte sequence`.
 */
import assert from "node:assert/strict";
import { apiTest, gql, LOGIN, signUp } from "./helpers/api.ts";

apiTest(
  "a NUL in a variable, a literal or a Siri question is INVALID_INPUT naming it",
  async (api, t) => {
    const login = await gql(api.app, LOGIN, {
      email: "ann\u0000@example.com",
      password: "whatever",
    });
    assert.equal(login.status, 400);
    assert.equal(login.body.errors[0].extensions.code, "INVALID_INPUT");
    assert.equal(login.body.errors[0].extensions.field, "email");
    assert.match(login.body.errors[0].message, /variables\.email contains a NUL character/);

    const user = await signUp(api.app);
    const literal = await gql(
      api.app,
      `mutation { submitAnalysisRequest(prompt: "sales\\u0000 last week") { userErrors { code } } }`,
      {},
      { token: user.accessToken },
    );
    assert.equal(literal.status, 400);
    assert.match(literal.body.errors[0].message, /The operation contains a NUL character/);
    const [requests] = await t.owner`select count(*)::int as n from analysis_requests`;
    assert.equal(requests!.n, 0, "nothing was submitted");

    const device = await gql(
      api.app,
      `mutation($name: String!) { createDeviceToken(name: $name) { token userErrors { code } } }`,
      { name: "Kitchen" },
      { token: user.accessToken },
    );
    const token = device.body.data.createDeviceToken.token as string;
    const siri = await api.app.request("/siri/ask", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ question: "sales\u0000 last week" }),
    });
    assert.equal(siri.status, 400);
    const body = await siri.json();
    assert.equal(body.error.code, "INVALID_INPUT");
    assert.match(body.error.message, /NUL character/);
  },
);
