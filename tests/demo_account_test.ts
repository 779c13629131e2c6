import assert from "node:assert/strict";
import { DEFAULT_RATE_LIMITS } from "../auth/rate_limit.ts";
import { DEMO_EMAIL, DEMO_PASSWORD, ensureDemoAccount } from "../auth/demo_account.ts";
import { apiTest, gql, LOGIN } from "./helpers/api.ts";

apiTest("deno task start finds the demo account however often it starts", async (api) => {
  const first = await ensureDemoAccount(api.services);
  // More starts than the per-e-mail login limit allows sign-ins.
  for (let start = 0; start <= DEFAULT_RATE_LIMITS.loginPerEmail.limit; start++) {
    assert.equal(await ensureDemoAccount(api.services), first);
  }
  // And the merchant's own sign-in was not used up by the starts.
  const login = await gql(api.app, LOGIN, { email: DEMO_EMAIL, password: DEMO_PASSWORD });
  assert.deepEqual(login.body.data.login.userErrors, []);
  assert.equal(login.body.data.login.user.id, first);
});
