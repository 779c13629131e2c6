-- The class-1 orchestrator's durable checkpoints (LangGraph's checkpointer
-- protocol), one thread per analysis request. Tenant rows like any other: a
-- resumed graph reads its state only inside its user's context.
CREATE TABLE analysis_checkpoints (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  analysis_request_id uuid NOT NULL,
  checkpoint_ns text NOT NULL DEFAULT '',
  checkpoint_id text NOT NULL,
  parent_checkpoint_id text,
  checkpoint bytea NOT NULL,
  checkpoint_type text NOT NULL,
  metadata bytea NOT NULL,
  metadata_type text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (analysis_request_id, checkpoint_ns, checkpoint_id),
  FOREIGN KEY (analysis_request_id, user_id) REFERENCES analysis_requests (id, user_id) ON DELETE CASCADE
);
CREATE INDEX analysis_checkpoints_user_idx ON analysis_checkpoints (user_id);

CREATE TABLE analysis_checkpoint_writes (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  analysis_request_id uuid NOT NULL,
  checkpoint_ns text NOT NULL DEFAULT '',
  checkpoint_id text NOT NULL,
  task_id text NOT NULL,
  idx integer NOT NULL,
  channel text NOT NULL,
  value bytea NOT NULL,
  value_type text NOT NULL,
  task_path text NOT NULL DEFAULT '',
  PRIMARY KEY (analysis_request_id, checkpoint_ns, checkpoint_id, task_id, idx),
  FOREIGN KEY (analysis_request_id, user_id) REFERENCES analysis_requests (id, user_id) ON DELETE CASCADE
);
CREATE INDEX analysis_checkpoint_writes_user_idx ON analysis_checkpoint_writes (user_id);

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['analysis_checkpoints', 'analysis_checkpoint_writes'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I TO alatar_app '
      'USING (user_id = current_tenant_id()) WITH CHECK (user_id = current_tenant_id())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO alatar_app', t);
  END LOOP;
END $$;
