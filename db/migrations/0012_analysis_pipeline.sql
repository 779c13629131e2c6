-- The analysis pipeline (issue #6): idempotent action proposals and each
-- store's returns policy (seed 003). (Progress events are logged by 0001.)

-- A retried orchestrator proposes the same action again: the key makes it one row.
ALTER TABLE proposed_actions ADD COLUMN action_key text;
CREATE UNIQUE INDEX proposed_actions_request_key_idx
  ON proposed_actions (analysis_request_id, action_key) WHERE action_key IS NOT NULL;

-- A store's returns policy; a store without a row gets the defaults below.
CREATE TABLE store_return_policies (
  linked_account_id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  return_window_days integer NOT NULL DEFAULT 30 CHECK (return_window_days BETWEEN 0 AND 365),
  -- Products carrying one of these tags are final sale.
  final_sale_tags text[] NOT NULL DEFAULT '{final-sale}',
  allowed_reasons text[] NOT NULL
    DEFAULT '{damaged,defective,wrong_item,not_as_described,size_or_fit,changed_mind}',
  restocking_fee_percent numeric(5, 2) NOT NULL DEFAULT 0
    CHECK (restocking_fee_percent BETWEEN 0 AND 100),
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (linked_account_id, user_id) REFERENCES linked_accounts (id, user_id) ON DELETE CASCADE
);
CREATE INDEX store_return_policies_user_idx ON store_return_policies (user_id);

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['store_return_policies'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I TO alatar_app '
      'USING (user_id = current_tenant_id()) WITH CHECK (user_id = current_tenant_id())', t);
  END LOOP;
END $$;
GRANT SELECT, INSERT, UPDATE, DELETE ON store_return_policies TO alatar_app;
