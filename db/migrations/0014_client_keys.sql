-- Idempotent submits (issue #17): a client may send a key with a mutation
-- (`clientMutationId`, or the `Idempotency-Key` header); a retry with the same
-- key returns the first request instead of creating a second. Keys belong to
-- the user: two users may use the same key.
ALTER TABLE analysis_requests ADD COLUMN client_key text
  CHECK (client_key IS NULL OR length(client_key) BETWEEN 1 AND 200);
CREATE UNIQUE INDEX analysis_requests_client_key_idx ON analysis_requests (user_id, client_key)
  WHERE client_key IS NOT NULL;
