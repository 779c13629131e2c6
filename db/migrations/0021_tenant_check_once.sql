-- The tenant check once per statement, not once per row. Written as
-- `user_id = current_tenant_id()`, a policy calls current_setting() for every
-- row it filters: on a year of the demo shop's variant rollup (19,452 rows)
-- that was 6 ms of a 37 ms query. Wrapped in a scalar subquery, Postgres
-- evaluates it once as an InitPlan and compares a constant. Same rows, same
-- isolation (the tests in tests/tenancy_test.ts hold every table to it); new
-- tables use this form.
DO $$
DECLARE
  p record;
  col text;
BEGIN
  FOR p IN SELECT tablename FROM pg_policies
           WHERE schemaname = 'public' AND policyname = 'tenant_isolation' LOOP
    col := CASE WHEN p.tablename = 'users' THEN 'id' ELSE 'user_id' END;
    EXECUTE format(
      'ALTER POLICY tenant_isolation ON %I '
      'USING (%I = (SELECT current_tenant_id())) WITH CHECK (%I = (SELECT current_tenant_id()))',
      p.tablename, col, col);
  END LOOP;
END $$;
