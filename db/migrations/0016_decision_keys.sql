-- Idempotent decisions (issue #17): `userApprovesAction` and
-- `userRejectsAction` take the same client key as submits (`clientMutationId`
-- or the `Idempotency-Key` header). The key is stored on the action it
-- decided, so a retry after a lost answer finds the first outcome instead of
-- "already executed", and a key reused for another action is refused.
ALTER TABLE proposed_actions ADD COLUMN decision_key text
  CHECK (decision_key IS NULL OR length(decision_key) BETWEEN 1 AND 200);
CREATE UNIQUE INDEX proposed_actions_decision_key_idx ON proposed_actions (user_id, decision_key)
  WHERE decision_key IS NOT NULL;
