-- Conversations (issue #16): a thread of analysis requests, so that a follow-up
-- ("and the week before?") is read against the question before it. Every
-- request belongs to one. A request inserted without one starts its own,
-- titled from its question, here in the database (the one writer of new
-- conversations), so no path that writes a request can leave it out. Tenant
-- data like the rest: RLS with FORCE, and the request's user must be the
-- conversation's (composite key).
CREATE TABLE conversations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (id, user_id)
);
CREATE INDEX conversations_user_updated_idx ON conversations (user_id, updated_at DESC, id DESC);

ALTER TABLE conversations ENABLE ROW LEVEL SECURITY;
ALTER TABLE conversations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON conversations TO alatar_app
  USING (user_id = (SELECT current_tenant_id())) WITH CHECK (user_id = (SELECT current_tenant_id()));
GRANT SELECT, INSERT, UPDATE, DELETE ON conversations TO alatar_app;

-- A title: the question on one line, cut at a word within 80 characters.
CREATE FUNCTION conversation_title(prompt text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN length(t) <= 80 THEN t
    WHEN length(regexp_replace(left(t, 79), '\s+\S*$', '')) > 40
      THEN regexp_replace(left(t, 79), '\s+\S*$', '') || '…'
    ELSE left(t, 79) || '…'
  END
  FROM (SELECT regexp_replace(btrim(prompt), '\s+', ' ', 'g') AS t) question
$$;

ALTER TABLE analysis_requests ADD COLUMN conversation_id uuid;
-- Requests asked before conversations existed: each is a conversation of its own.
UPDATE analysis_requests SET conversation_id = gen_random_uuid();
INSERT INTO conversations (id, user_id, title, created_at, updated_at)
SELECT conversation_id, user_id, conversation_title(prompt), created_at, updated_at
FROM analysis_requests;
ALTER TABLE analysis_requests ALTER COLUMN conversation_id SET NOT NULL;
ALTER TABLE analysis_requests ADD FOREIGN KEY (conversation_id, user_id)
  REFERENCES conversations (id, user_id) ON DELETE CASCADE;
CREATE INDEX analysis_requests_conversation_idx
  ON analysis_requests (conversation_id, created_at, id);

-- Runs as the inserting role: the new conversation passes the same row-level check.
CREATE FUNCTION start_conversation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.conversation_id IS NULL THEN
    INSERT INTO conversations (user_id, title) VALUES (NEW.user_id, conversation_title(NEW.prompt))
    RETURNING id INTO NEW.conversation_id;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER analysis_requests_start_conversation BEFORE INSERT ON analysis_requests
  FOR EACH ROW EXECUTE FUNCTION start_conversation();
