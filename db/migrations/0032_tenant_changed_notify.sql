-- API processes keep answers to repeated GraphQL reads (api/answer_cache.ts) until the user's
-- data changes. Every change to a tenant's rows announces the user at commit on
-- `alatar_tenant_changed`; Postgres sends one notification per user per transaction, however many
-- rows or statements changed. Statement-level triggers with transition tables: a bulk write of a
-- thousand mirror rows costs one DISTINCT, not a thousand trigger calls.
CREATE FUNCTION announce_tenant_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('alatar_tenant_changed', u::text) FROM (SELECT DISTINCT user_id AS u FROM changed) s WHERE u IS NOT NULL;
  RETURN NULL;
END $$;

-- The users table is keyed by the user itself.
CREATE FUNCTION announce_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('alatar_tenant_changed', u::text) FROM (SELECT DISTINCT id AS u FROM changed) s WHERE u IS NOT NULL;
  RETURN NULL;
END $$;

-- Every table that holds a tenant's rows: a `user_id` column. A later migration adding one must
-- add these triggers too; tests/answer_cache_test.ts fails until it does.
DO $$
DECLARE
  t text;
BEGIN
  FOR t IN
    SELECT c.table_name FROM information_schema.columns c
      JOIN information_schema.tables b USING (table_schema, table_name)
     WHERE c.table_schema = 'public' AND c.column_name = 'user_id' AND b.table_type = 'BASE TABLE'
  LOOP
    EXECUTE format('CREATE TRIGGER tenant_changed_insert AFTER INSERT ON %I '
      'REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION announce_tenant_changed()', t);
    EXECUTE format('CREATE TRIGGER tenant_changed_update AFTER UPDATE ON %I '
      'REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION announce_tenant_changed()', t);
    EXECUTE format('CREATE TRIGGER tenant_changed_delete AFTER DELETE ON %I '
      'REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION announce_tenant_changed()', t);
  END LOOP;
END $$;

CREATE TRIGGER tenant_changed_insert AFTER INSERT ON users
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION announce_user_changed();
CREATE TRIGGER tenant_changed_update AFTER UPDATE ON users
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION announce_user_changed();
CREATE TRIGGER tenant_changed_delete AFTER DELETE ON users
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION announce_user_changed();
