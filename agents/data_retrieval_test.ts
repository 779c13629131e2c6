import assert from "node:assert/strict";
import { FRESHNESS_TTL_MS, retrievedWithoutCallingOut } from "./data_retrieval.ts";

const profile = {
  name: "Ridgeline Outfitters",
  email: "owner@example.com",
  myshopifyDomain: "ridgeline.myshopify.com",
  currencyCode: "USD",
  ianaTimezone: "America/New_York",
  billingAddress: { countryCodeV2: "US" },
};
const now = Date.parse("2026-12-07T12:00:00Z");
const minutesAgo = (m: number) => new Date(now - m * 60_000);

Deno.test("data retrieval is taken inline only when the mirror is fresh and the profile cached", () => {
  const fresh = retrievedWithoutCallingOut(
    { imported: true, syncedAt: minutesAgo(5), profile },
    now,
  );
  assert.deepEqual(fresh?.tables.shop?.rows, [{
    name: "Ridgeline Outfitters",
    currency: "USD",
    timezone: "America/New_York",
    syncedAt: "2026-12-07T11:55:00.000Z",
    refreshed: false,
    profileCached: true,
  }]);
  // 15 minutes is the limit (FRESHNESS_TTL_MS); past it, or without a profile or an import, the
  // department runs as a job and calls out.
  assert.equal(FRESHNESS_TTL_MS, 15 * 60_000);
  assert.ok(retrievedWithoutCallingOut({ imported: true, syncedAt: minutesAgo(15), profile }, now));
  assert.equal(
    retrievedWithoutCallingOut({ imported: true, syncedAt: minutesAgo(16), profile }, now),
    null,
  );
  assert.equal(
    retrievedWithoutCallingOut({ imported: true, syncedAt: minutesAgo(1), profile: null }, now),
    null,
  );
  assert.equal(
    retrievedWithoutCallingOut({ imported: false, syncedAt: minutesAgo(1), profile }, now),
    null,
  );
  assert.equal(retrievedWithoutCallingOut({ imported: true, syncedAt: null, profile }, now), null);
});
