/**
 * While the database is away (a restart, a failover), the API says so: 503
 * with `Retry-After` and `EXTERNAL_SERVICE_ERROR`, never a 500 or a hang, so
 * phones and Shortcuts retry. The database here is a real server's address
 * with nothing listening: connections are refused, as during a restart.
 */
import assert from "node:assert/strict";
import { connectDatabase } from "../db/database.ts";
import { freePort } from "../db/embedded.ts";
import { createLogger } from "../log/logger.ts";
import { createTestApi, gql, signUp } from "./helpers/api.ts";
import { dbTest } from "./helpers/test_db.ts";

dbTest("GraphQL and Siri answer 503 with Retry-After while the database is away", async (t) => {
  // Tokens are issued while the database is up; the same secrets sign them for the second app.
  const up = await createTestApi(t);
  const user = await signUp(up.app);
  const device = await gql(
    up.app,
    `mutation { createDeviceToken(name: "Kitchen") { token userErrors { code } } }`,
    {},
    { token: user.accessToken },
  );
  const deviceToken = device.body.data.createDeviceToken.token as string;
  await up.close();

  const log = createLogger({ level: "error" });
  const away = new URL(t.url);
  away.port = String(freePort());
  const db = connectDatabase({ url: away.toString(), poolMax: 2, log });
  const down = await createTestApi(t, { db, log });
  try {
    const signedIn = await gql(down.app, `{ me { id email } }`, {}, { token: user.accessToken });
    assert.equal(signedIn.status, 503);
    assert.equal(signedIn.headers.get("retry-after"), "2");
    assert.equal(signedIn.body.errors[0].extensions.code, "EXTERNAL_SERVICE_ERROR");
    assert.match(signedIn.body.errors[0].message, /database is unavailable/);

    const login = await gql(
      down.app,
      `mutation { login(email: "${user.email}", password: "${user.password}") { accessToken } }`,
    );
    assert.equal(login.status, 503);
    assert.equal(login.body.errors[0].extensions.code, "EXTERNAL_SERVICE_ERROR");

    const siri = await down.app.request("/siri/ask", {
      method: "POST",
      headers: { authorization: `Bearer ${deviceToken}`, "content-type": "application/json" },
      body: JSON.stringify({ question: "How were sales last week?" }),
    });
    assert.equal(siri.status, 503);
    assert.equal(siri.headers.get("retry-after"), "2");
    const body = await siri.json();
    assert.equal(body.error.code, "EXTERNAL_SERVICE_ERROR");
    assert.doesNotMatch(JSON.stringify(body), /ECONNREFUSED|stack|connection\.js/);

    const ready = await down.app.request("/readyz");
    assert.equal(ready.status, 503);
  } finally {
    await down.close();
    await db.end();
  }
});
