-- Issue #11: an analysis's plan, tasks, results and progress live in its rows alone.
--
-- A department that is pure code (the recommendation rules, the offline writer) now runs inside
-- the orchestrator's run and its task row is stored already finished: one insert, not a queued
-- job and three writes.
INSERT INTO status_transitions (entity, from_status, to_status) VALUES
  ('agent_tasks', '[*]', 'completed');

-- The LangGraph checkpoint was a second copy of the plan, tasks and results (and the orchestrator
-- fell back on the rows when it was stale). The graph now derives its position from the rows at
-- each run, so the checkpoint tables go.
DROP TABLE analysis_checkpoint_writes;
DROP TABLE analysis_checkpoints;
