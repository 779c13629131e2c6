-- Siri continues a conversation (issue #16): a question from a device token
-- within five minutes of that token's last one is a follow-up of it ("and the
-- week before?" asked by voice). The request remembers which token asked.
ALTER TABLE analysis_requests
  ADD COLUMN device_token_id uuid REFERENCES device_tokens (id) ON DELETE SET NULL;
CREATE INDEX analysis_requests_device_idx ON analysis_requests (device_token_id, created_at DESC)
  WHERE device_token_id IS NOT NULL;
