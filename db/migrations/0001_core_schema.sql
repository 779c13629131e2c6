-- Core schema (seed 000 §3) with tenancy enforced by Postgres.
--
-- Tenancy: every tenant table carries user_id, has row-level security ENABLED
-- and FORCED, and one policy for the runtime role on current_tenant_id().
-- Child rows reference their parent by (id, user_id), so a row can never
-- point at another tenant's parent even if code passed the wrong id.

-- Roles ----------------------------------------------------------------------
-- Runtime roles hold no login, no superuser and no RLS exemption; the owner
-- (who runs migrations) switches to them per connection.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'alatar_app') THEN
    CREATE ROLE alatar_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'alatar_system') THEN
    CREATE ROLE alatar_system NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
END $$;

-- A non-superuser owner (managed Postgres) must be a member to switch roles.
DO $$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    EXECUTE format('GRANT alatar_app, alatar_system TO %I', current_user);
  END IF;
END $$;

GRANT USAGE ON SCHEMA public TO alatar_app, alatar_system;

-- The tenant of the current transaction; NULL when unset. The setting reads
-- back as '' (not NULL) once it has been used on a connection, hence nullif.
CREATE FUNCTION current_tenant_id() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT nullif(current_setting('app.current_user_id', true), '')::uuid $$;

CREATE FUNCTION set_updated_at() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;

-- State machines (seed 000 §3.1) as data ------------------------------------
-- '[*]' is the creation state. The trigger below refuses any change of status
-- that is not listed, so a bug in any client cannot make an illegal move.
CREATE TABLE status_transitions (
  entity text NOT NULL,
  from_status text NOT NULL,
  to_status text NOT NULL,
  PRIMARY KEY (entity, from_status, to_status)
);

INSERT INTO status_transitions (entity, from_status, to_status) VALUES
  ('analysis_requests', '[*]', 'pending'),
  ('analysis_requests', 'pending', 'processing'),
  ('analysis_requests', 'pending', 'cancelled'),
  ('analysis_requests', 'processing', 'completed'),
  ('analysis_requests', 'processing', 'failed'),
  ('analysis_requests', 'processing', 'cancelled'),
  ('agent_tasks', '[*]', 'pending'),
  ('agent_tasks', 'pending', 'running'),
  ('agent_tasks', 'running', 'completed'),
  ('agent_tasks', 'running', 'retrying'),
  ('agent_tasks', 'running', 'failed'),
  ('agent_tasks', 'retrying', 'running'),
  ('agent_tasks', 'retrying', 'failed'),
  ('proposed_actions', '[*]', 'proposed'),
  ('proposed_actions', 'proposed', 'approved'),
  ('proposed_actions', 'proposed', 'rejected'),
  ('proposed_actions', 'approved', 'executing'),
  -- Pre-execution checks (scopes, parameters) fail an approved action without calling Shopify.
  ('proposed_actions', 'approved', 'failed'),
  ('proposed_actions', 'executing', 'executed'),
  ('proposed_actions', 'executing', 'failed');

CREATE FUNCTION enforce_status_transition() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  from_state text := CASE WHEN TG_OP = 'INSERT' THEN '[*]' ELSE OLD.status END;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status = OLD.status THEN
    RETURN NEW;
  END IF;
  IF NOT EXISTS (
    SELECT 1 FROM status_transitions
    WHERE entity = TG_TABLE_NAME AND from_status = from_state AND to_status = NEW.status
  ) THEN
    RAISE EXCEPTION 'Cannot move % "%" from % to %', TG_TABLE_NAME, NEW.id, from_state, NEW.status
      USING ERRCODE = 'check_violation', HINT = 'see status_transitions for the allowed moves';
  END IF;
  RETURN NEW;
END $$;

-- Tables -----------------------------------------------------------------------
CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL,
  -- NULL for accounts created through "Log in with Shopify".
  password_hash text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_email_normalised CHECK (email = lower(btrim(email)) AND length(email) BETWEEN 3 AND 254)
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE user_preferences (
  user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  preferred_llm text CHECK (length(preferred_llm) BETWEEN 1 AND 200),
  notifications_enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE linked_accounts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  provider text NOT NULL CHECK (provider IN ('shopify')),
  account_identifier text NOT NULL CHECK (length(account_identifier) BETWEEN 1 AND 255),
  -- AES-256-GCM ciphertexts (key id + IV + tag inside); cleared when access is revoked.
  encrypted_access_token bytea,
  encrypted_refresh_token bytea,
  access_token_expires_at timestamptz,
  refresh_token_expires_at timestamptz,
  scopes text[] NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked', 'error')),
  sync_status text NOT NULL DEFAULT 'syncing' CHECK (sync_status IN ('syncing', 'ready', 'failed')),
  last_synced_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT linked_accounts_active_has_token CHECK (status <> 'active' OR encrypted_access_token IS NOT NULL),
  UNIQUE (user_id, provider, account_identifier),
  UNIQUE (id, user_id)
);
-- Webhooks arrive naming a shop, not a user.
CREATE INDEX linked_accounts_provider_identifier_idx ON linked_accounts (provider, account_identifier);

CREATE TABLE analysis_requests (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  linked_account_id uuid,
  prompt text NOT NULL CHECK (length(prompt) BETWEEN 1 AND 4000),
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled')),
  progress jsonb NOT NULL DEFAULT '{"stage": "queued", "percent": 0}',
  result jsonb,
  error_code text,
  error_message text,
  -- The class-1 orchestrator's durable checkpoint (seed 000 §6).
  agent_state jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  UNIQUE (id, user_id),
  FOREIGN KEY (linked_account_id, user_id) REFERENCES linked_accounts (id, user_id)
    ON DELETE SET NULL (linked_account_id)
);
CREATE INDEX analysis_requests_user_created_idx ON analysis_requests (user_id, created_at DESC, id DESC);
CREATE INDEX analysis_requests_user_status_idx ON analysis_requests (user_id, status);
CREATE INDEX analysis_requests_user_updated_idx ON analysis_requests (user_id, updated_at);

CREATE TABLE agent_tasks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  analysis_request_id uuid NOT NULL,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  department text NOT NULL,
  -- Dispatch is idempotent: the orchestrator names each task, a retry finds it.
  task_key text NOT NULL,
  task_input jsonb,
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'running', 'retrying', 'completed', 'failed')),
  result jsonb,
  error_message text,
  retry_count integer NOT NULL DEFAULT 0 CHECK (retry_count BETWEEN 0 AND 5),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  UNIQUE (analysis_request_id, task_key),
  FOREIGN KEY (analysis_request_id, user_id) REFERENCES analysis_requests (id, user_id) ON DELETE CASCADE
);
CREATE INDEX agent_tasks_request_status_idx ON agent_tasks (analysis_request_id, status);
CREATE INDEX agent_tasks_user_idx ON agent_tasks (user_id);

CREATE TABLE cached_shopify_data (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  linked_account_id uuid NOT NULL,
  data_key text NOT NULL CHECK (length(data_key) BETWEEN 1 AND 500),
  data_value jsonb NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (linked_account_id, data_key),
  FOREIGN KEY (linked_account_id, user_id) REFERENCES linked_accounts (id, user_id) ON DELETE CASCADE
);
CREATE INDEX cached_shopify_data_user_account_key_idx ON cached_shopify_data (user_id, linked_account_id, data_key);
CREATE INDEX cached_shopify_data_expires_idx ON cached_shopify_data (expires_at);

CREATE TABLE proposed_actions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  analysis_request_id uuid NOT NULL,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  linked_account_id uuid,
  description text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
  action_type text NOT NULL,
  parameters jsonb NOT NULL,
  status text NOT NULL DEFAULT 'proposed'
    CHECK (status IN ('proposed', 'approved', 'rejected', 'executing', 'executed', 'failed')),
  execution_result jsonb,
  error_code text,
  -- Sent to Shopify with the mutation so a retried execution is not applied twice.
  idempotency_key uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  approved_at timestamptz,
  rejected_at timestamptz,
  executed_at timestamptz,
  FOREIGN KEY (analysis_request_id, user_id) REFERENCES analysis_requests (id, user_id) ON DELETE CASCADE,
  FOREIGN KEY (linked_account_id, user_id) REFERENCES linked_accounts (id, user_id)
    ON DELETE SET NULL (linked_account_id)
);
CREATE INDEX proposed_actions_user_status_idx ON proposed_actions (user_id, status, created_at DESC);
CREATE INDEX proposed_actions_request_idx ON proposed_actions (analysis_request_id);

CREATE TABLE refresh_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- Rotation keeps a family; reuse of a rotated token revokes the whole family.
  family_id uuid NOT NULL,
  token_hash bytea NOT NULL UNIQUE,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  used_at timestamptz,
  revoked_at timestamptz,
  revoked_reason text
);
CREATE INDEX refresh_tokens_user_family_idx ON refresh_tokens (user_id, family_id);

CREATE TABLE password_reset_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash bytea NOT NULL UNIQUE,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX password_reset_tokens_user_idx ON password_reset_tokens (user_id);

CREATE TABLE device_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  token_hash bytea NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX device_tokens_user_idx ON device_tokens (user_id);

-- Append-only: the runtime may insert and read, never change or delete.
CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  actor text NOT NULL CHECK (actor IN ('user', 'system', 'agent', 'shopify')),
  action text NOT NULL,
  entity_type text,
  entity_id uuid,
  analysis_request_id uuid,
  before_status text,
  after_status text,
  details jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_user_created_idx ON audit_log (user_id, created_at DESC, id DESC);

-- The durable event log behind SSE: ids are the SSE event ids, so a client
-- reconnecting with Last-Event-ID is replayed what it missed.
CREATE TABLE analysis_request_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  analysis_request_id uuid NOT NULL,
  status text NOT NULL,
  progress jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (analysis_request_id, user_id) REFERENCES analysis_requests (id, user_id) ON DELETE CASCADE
);
CREATE INDEX analysis_request_events_request_idx ON analysis_request_events (analysis_request_id, id);

-- Every committed change of a request's status, progress or result is logged
-- and announced. NOTIFY is delivered at commit, so listeners never see an
-- event for a change that rolled back; the payload carries ids only.
CREATE FUNCTION record_analysis_request_event() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  event_id bigint;
BEGIN
  IF TG_OP = 'UPDATE'
     AND NEW.status = OLD.status
     AND NEW.progress = OLD.progress
     AND NEW.result IS NOT DISTINCT FROM OLD.result
     AND NEW.error_message IS NOT DISTINCT FROM OLD.error_message THEN
    RETURN NULL;
  END IF;
  INSERT INTO analysis_request_events (user_id, analysis_request_id, status, progress)
    VALUES (NEW.user_id, NEW.id, NEW.status, NEW.progress)
    RETURNING id INTO event_id;
  PERFORM pg_notify('analysis_request_events',
    json_build_object('eventId', event_id, 'requestId', NEW.id)::text);
  RETURN NULL;
END $$;

-- Triggers -------------------------------------------------------------------
CREATE TRIGGER analysis_requests_status BEFORE INSERT OR UPDATE OF status ON analysis_requests
  FOR EACH ROW EXECUTE FUNCTION enforce_status_transition();
CREATE TRIGGER agent_tasks_status BEFORE INSERT OR UPDATE OF status ON agent_tasks
  FOR EACH ROW EXECUTE FUNCTION enforce_status_transition();
CREATE TRIGGER proposed_actions_status BEFORE INSERT OR UPDATE OF status ON proposed_actions
  FOR EACH ROW EXECUTE FUNCTION enforce_status_transition();
CREATE TRIGGER analysis_requests_event AFTER INSERT OR UPDATE ON analysis_requests
  FOR EACH ROW EXECUTE FUNCTION record_analysis_request_event();

CREATE TRIGGER users_updated_at BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER user_preferences_updated_at BEFORE UPDATE ON user_preferences
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER linked_accounts_updated_at BEFORE UPDATE ON linked_accounts
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER analysis_requests_updated_at BEFORE UPDATE ON analysis_requests
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER agent_tasks_updated_at BEFORE UPDATE ON agent_tasks
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER proposed_actions_updated_at BEFORE UPDATE ON proposed_actions
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Row-level security ---------------------------------------------------------
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON users TO alatar_app
  USING (id = current_tenant_id()) WITH CHECK (id = current_tenant_id());

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'user_preferences', 'linked_accounts', 'analysis_requests', 'agent_tasks',
    'cached_shopify_data', 'proposed_actions', 'refresh_tokens', 'password_reset_tokens',
    'device_tokens', 'audit_log', 'analysis_request_events'
  ] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I TO alatar_app '
      'USING (user_id = current_tenant_id()) WITH CHECK (user_id = current_tenant_id())', t);
  END LOOP;
END $$;

-- Grants -----------------------------------------------------------------------
GRANT SELECT, INSERT, UPDATE, DELETE ON
  users, user_preferences, linked_accounts, analysis_requests, agent_tasks,
  cached_shopify_data, proposed_actions, refresh_tokens, password_reset_tokens, device_tokens
  TO alatar_app;
GRANT SELECT, INSERT ON audit_log, analysis_request_events TO alatar_app;
GRANT SELECT ON status_transitions TO alatar_app;

-- System work: only the expired-cache purge reaches across tenants, and only
-- to expired rows.
GRANT SELECT, DELETE ON cached_shopify_data TO alatar_system;
CREATE POLICY system_read_expired ON cached_shopify_data FOR SELECT TO alatar_system
  USING (expires_at < now());
CREATE POLICY system_purge_expired ON cached_shopify_data FOR DELETE TO alatar_system
  USING (expires_at < now());
