-- The insightAdded feed orders insights by when they became ready, not when
-- they were written: an insight's explanation can end after a later one's.
-- `ready_seq` is taken when an insight becomes ready, under a per-user lock
-- held to commit, so one user's numbers are committed in order and a
-- subscriber that has read up to n never later meets a smaller one.
ALTER TABLE insights DROP COLUMN seq;
CREATE SEQUENCE insight_ready_seq;
GRANT USAGE ON SEQUENCE insight_ready_seq TO alatar_app;
ALTER TABLE insights ADD COLUMN ready_seq bigint UNIQUE;
CREATE INDEX insights_feed_idx ON insights (user_id, ready_seq) WHERE ready_seq IS NOT NULL;

CREATE FUNCTION number_ready_insight() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.ready_at IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.ready_at IS NULL) THEN
    PERFORM pg_advisory_xact_lock(hashtextextended('insight_ready:' || NEW.user_id::text, 0));
    NEW.ready_seq := nextval('insight_ready_seq');
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER insights_number_ready BEFORE INSERT OR UPDATE OF ready_at ON insights
  FOR EACH ROW EXECUTE FUNCTION number_ready_insight();

CREATE OR REPLACE FUNCTION announce_insight() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.ready_at IS NOT NULL AND (TG_OP = 'INSERT' OR OLD.ready_at IS NULL) THEN
    PERFORM pg_notify('insight_events',
      json_build_object('userId', NEW.user_id, 'seq', NEW.ready_seq)::text);
  END IF;
  RETURN NULL;
END $$;
