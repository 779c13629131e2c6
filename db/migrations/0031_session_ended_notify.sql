-- API processes remember which sessions are live (auth/session_cache.ts) and forget a user's
-- when told: revoking a refresh token, or deleting one (an account removed, a purge), announces
-- the user at commit. Postgres sends one notification per user per transaction.
CREATE FUNCTION announce_session_ended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('alatar_session_ended', OLD.user_id::text);
  RETURN NULL;
END $$;

CREATE TRIGGER refresh_tokens_revoked AFTER UPDATE OF revoked_at ON refresh_tokens
  FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
  EXECUTE FUNCTION announce_session_ended();
CREATE TRIGGER refresh_tokens_deleted AFTER DELETE ON refresh_tokens
  FOR EACH ROW EXECUTE FUNCTION announce_session_ended();
