-- Shopify OAuth (issue #4): the single-use `state` of each authorization.
--
-- A state belongs to the user who started linking (tenant-isolated like any
-- tenant row). The callback arrives with only the state, before anything says
-- who the user is, so consuming one is system work: the system role may mark
-- used only states that are still unused and unexpired. (It may read states,
-- which hold no secret: Postgres checks an updated row against SELECT policies
-- too, and a consumed state must stay readable for that.)
CREATE TABLE shopify_oauth_states (
  state_hash bytea PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  shop text NOT NULL CHECK (shop ~ '^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX shopify_oauth_states_expires_idx ON shopify_oauth_states (expires_at);

ALTER TABLE shopify_oauth_states ENABLE ROW LEVEL SECURITY;
ALTER TABLE shopify_oauth_states FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON shopify_oauth_states TO alatar_app
  USING (user_id = current_tenant_id()) WITH CHECK (user_id = current_tenant_id());
GRANT SELECT, INSERT ON shopify_oauth_states TO alatar_app;

CREATE POLICY system_read_state ON shopify_oauth_states FOR SELECT TO alatar_system USING (true);
CREATE POLICY system_consume_state ON shopify_oauth_states FOR UPDATE TO alatar_system
  USING (used_at IS NULL AND expires_at > now()) WITH CHECK (used_at IS NOT NULL);
GRANT SELECT (state_hash, user_id, shop, expires_at, used_at), UPDATE (used_at)
  ON shopify_oauth_states TO alatar_system;

-- The purge job removes states a day past their expiry.
CREATE POLICY system_purge_state ON shopify_oauth_states FOR DELETE TO alatar_system
  USING (expires_at < now() - interval '1 day');
GRANT DELETE, SELECT (created_at) ON shopify_oauth_states TO alatar_system;
