-- Human-approved actions (issue #8): each status change of a proposed action
-- is announced like an analysis update, so the app and dashboards refresh. The
-- action's request gets an event in the durable log (its status and progress
-- as they are, so SSE replay stays ordered and resumable) and a NOTIFY with
-- ids only; its updated_at moves, so `listAnalysisRequests(updatedSince:)`
-- and ETags see the change. Runs as the writer, under its tenant context.
CREATE FUNCTION announce_proposed_action_change() RETURNS trigger
  LANGUAGE plpgsql AS $$
DECLARE
  event_id bigint;
BEGIN
  IF NEW.status = OLD.status THEN
    RETURN NULL;
  END IF;
  UPDATE analysis_requests SET updated_at = now() WHERE id = NEW.analysis_request_id;
  INSERT INTO analysis_request_events (user_id, analysis_request_id, status, progress)
    SELECT r.user_id, r.id, r.status, r.progress FROM analysis_requests r
    WHERE r.id = NEW.analysis_request_id
    RETURNING id INTO event_id;
  IF event_id IS NOT NULL THEN
    PERFORM pg_notify('analysis_request_events',
      json_build_object('eventId', event_id, 'requestId', NEW.analysis_request_id,
        'actionId', NEW.id)::text);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER proposed_actions_announce AFTER UPDATE OF status ON proposed_actions
  FOR EACH ROW EXECUTE FUNCTION announce_proposed_action_change();
