-- "Log in with Shopify" (issue #4): a flow started by nobody yet. Its state has
-- no user; only the system role may write such a state, and only such a state.
ALTER TABLE shopify_oauth_states ALTER COLUMN user_id DROP NOT NULL;
CREATE POLICY system_start_login ON shopify_oauth_states FOR INSERT TO alatar_system
  WITH CHECK (user_id IS NULL);
GRANT INSERT ON shopify_oauth_states TO alatar_system;
