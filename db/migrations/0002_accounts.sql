-- Accounts (issue #3): e-mail outbox, shared rate-limit counters, and the one
-- cross-tenant read that signing in needs.

-- Login knows an e-mail address, not a tenant. The system role may read just
-- the columns that check a password, and nothing else about a user.
GRANT SELECT (id, email, password_hash) ON users TO alatar_system;
CREATE POLICY system_login_lookup ON users FOR SELECT TO alatar_system USING (true);

-- Messages to users, written in the same transaction as what caused them and
-- delivered by a worker job. The body is dropped once sent: reset links are secrets.
CREATE TABLE email_outbox (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  to_address text NOT NULL,
  subject text NOT NULL,
  body text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  last_error text
);
CREATE INDEX email_outbox_unsent_idx ON email_outbox (created_at) WHERE sent_at IS NULL;

ALTER TABLE email_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE email_outbox FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON email_outbox TO alatar_app
  USING (user_id = current_tenant_id()) WITH CHECK (user_id = current_tenant_id());
GRANT SELECT, INSERT, UPDATE ON email_outbox TO alatar_app;

-- Fixed-window counters shared by every API process. Keys hold hashes of IPs
-- and e-mail addresses, never the values themselves. Not tenant data.
CREATE TABLE rate_limit_counters (
  key text PRIMARY KEY,
  window_started_at timestamptz NOT NULL,
  hits integer NOT NULL
);
GRANT SELECT, INSERT, UPDATE ON rate_limit_counters TO alatar_app;
-- The purge job clears windows long past.
GRANT SELECT, DELETE ON rate_limit_counters TO alatar_system;

-- E-mail addresses are normalised in code (NFC, trimmed, lower-cased by Unicode rules). Postgres's
-- lower() depends on the server's locale, so the database checks only what both agree on.
ALTER TABLE users DROP CONSTRAINT users_email_normalised;
ALTER TABLE users ADD CONSTRAINT users_email_trimmed
  CHECK (email = btrim(email) AND length(email) BETWEEN 3 AND 254);
