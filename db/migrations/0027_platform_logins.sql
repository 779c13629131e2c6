-- Sign in with Apple and Google (issue #14): a user's linked platform logins, keyed by the
-- provider's subject (never the e-mail), whether the account has proved its e-mail address,
-- and the Apple nonces already used (a token replayed with its nonce is refused).
CREATE TABLE platform_logins (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  provider text NOT NULL CHECK (provider IN ('apple', 'google')),
  subject text NOT NULL CHECK (length(subject) BETWEEN 1 AND 255),
  -- The address the provider gave at the last sign-in (an Apple relay address is fine).
  email text CHECK (length(email) BETWEEN 3 AND 254),
  private_email boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (provider, subject),
  -- One login per provider per account: a second Apple ID replaces nothing silently.
  UNIQUE (user_id, provider)
);

ALTER TABLE platform_logins ENABLE ROW LEVEL SECURITY;
ALTER TABLE platform_logins FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON platform_logins TO alatar_app
  USING (user_id = (SELECT current_tenant_id())) WITH CHECK (user_id = (SELECT current_tenant_id()));
GRANT SELECT, INSERT, UPDATE, DELETE ON platform_logins TO alatar_app;

-- Sign-in knows a provider and subject, not a tenant: finding the account is system work.
GRANT SELECT (provider, subject, user_id) ON platform_logins TO alatar_system;
CREATE POLICY system_login_lookup ON platform_logins FOR SELECT TO alatar_system USING (true);

-- Set when the account shows it receives mail at its address (a password reset link used, or a
-- provider's verified e-mail at sign-up). Only then may a provider's verified e-mail link to it.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
GRANT SELECT (email_verified_at) ON users TO alatar_system;

CREATE TABLE login_nonces (
  nonce_hash text PRIMARY KEY CHECK (nonce_hash ~ '^[0-9a-f]{64}$'),
  -- The token's expiry: after it the token is refused anyway, so the row can go.
  expires_at timestamptz NOT NULL
);
CREATE INDEX login_nonces_expiry_idx ON login_nonces (expires_at);
-- Not tenant data (no user yet when a nonce is spent): written by the sign-in's system work.
GRANT SELECT, INSERT, DELETE ON login_nonces TO alatar_system;
