-- Insights (issue #12): what the daily check and the weekly digest found in a
-- store, each explained by an analysis request run through the usual
-- pipeline. `cause` names what an anomaly is about (`netSales:down`,
-- `stall:<product>`, `digest`): the check extends the insight of a cause seen
-- in the last week instead of writing another, so a stock-out that lasts is one
-- insight, not one a day. An insight is shown (and pushed) once it is ready:
-- when its analysis has ended, or at once when it has none. `seq` orders the
-- insightAdded stream (its SSE event ids).
CREATE TABLE insights (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  linked_account_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('anomaly', 'digest', 'forecast', 'stockout')),
  cause text NOT NULL CHECK (length(cause) BETWEEN 1 AND 200),
  severity text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  summary text NOT NULL CHECK (length(summary) BETWEEN 1 AND 2000),
  -- The shop days it is about; `period_to` moves on while the cause lasts.
  period_from date NOT NULL,
  period_to date NOT NULL CHECK (period_to >= period_from),
  -- The numbers the check measured (actual, expected, the 95% range, the change).
  facts jsonb NOT NULL DEFAULT '{}',
  analysis_request_id uuid,
  ready_at timestamptz,
  read_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- One insight per cause and starting day: a check run twice writes it once.
  UNIQUE (linked_account_id, cause, period_from),
  FOREIGN KEY (linked_account_id, user_id) REFERENCES linked_accounts (id, user_id) ON DELETE CASCADE,
  FOREIGN KEY (analysis_request_id, user_id) REFERENCES analysis_requests (id, user_id)
    ON DELETE SET NULL (analysis_request_id)
);
CREATE INDEX insights_user_ready_idx ON insights (user_id, created_at DESC, id DESC)
  WHERE ready_at IS NOT NULL;
CREATE INDEX insights_unread_idx ON insights (user_id) WHERE ready_at IS NOT NULL AND read_at IS NULL;
CREATE INDEX insights_cause_idx ON insights (linked_account_id, cause, period_to DESC);
CREATE INDEX insights_request_idx ON insights (analysis_request_id) WHERE analysis_request_id IS NOT NULL;

ALTER TABLE insights ENABLE ROW LEVEL SECURITY;
ALTER TABLE insights FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON insights TO alatar_app
  USING (user_id = (SELECT current_tenant_id())) WITH CHECK (user_id = (SELECT current_tenant_id()));
GRANT SELECT, INSERT, UPDATE ON insights TO alatar_app;

-- Announced when it becomes ready, at commit (ids only, as for requests).
CREATE FUNCTION announce_insight() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.ready_at IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.ready_at IS NULL) THEN
    PERFORM pg_notify('insight_events',
      json_build_object('userId', NEW.user_id, 'seq', NEW.seq)::text);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER insights_announce AFTER INSERT OR UPDATE OF ready_at ON insights
  FOR EACH ROW EXECUTE FUNCTION announce_insight();

-- Quiet hours, in the shop's time: an insight ready then is pushed when they
-- end (22:00 to 08:00 unless the merchant says otherwise; start = end: none).
ALTER TABLE user_preferences
  ADD COLUMN quiet_hours_start smallint NOT NULL DEFAULT 22 CHECK (quiet_hours_start BETWEEN 0 AND 23),
  ADD COLUMN quiet_hours_end smallint NOT NULL DEFAULT 8 CHECK (quiet_hours_end BETWEEN 0 AND 23);

-- The hourly pass that keeps one daily-check schedule per store runs in the
-- shop's timezone: the system role may read which zone each store is in, and
-- nothing else of its sync state.
GRANT SELECT (linked_account_id, shop_timezone) ON store_sync_state TO alatar_system;
CREATE POLICY system_list_timezones ON store_sync_state FOR SELECT TO alatar_system USING (true);
