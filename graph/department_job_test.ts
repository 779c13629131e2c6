import assert from "node:assert/strict";
import { TokenDecryptionError } from "../auth/token_cipher.ts";
import { MirrorNotReady } from "../mirror/sync_job.ts";
import { ShopifyApiError } from "../shopify/admin_client.ts";
import { reasonFor } from "./department_job.ts";

Deno.test("reasonFor says what a merchant can do, never the internal message", () => {
  assert.equal(reasonFor(new MirrorNotReady("still importing")), "still importing");
  assert.match(
    reasonFor(new ShopifyApiError("unauthorized", "401 from shop")),
    /Link the store again/,
  );
  assert.match(reasonFor(new TokenDecryptionError("bad tag")), /Link the store again/);
  assert.match(reasonFor(new ShopifyApiError("unavailable", "503")), /Shopify did not answer/);
  const internal = reasonFor(new Error("relation agent_tasks does not exist at pg:42"));
  assert.ok(!internal.includes("agent_tasks"));
});
