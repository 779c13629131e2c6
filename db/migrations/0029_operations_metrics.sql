-- /metrics reports how analysis tasks ended lately across every tenant, for the
-- task-failure alert (ops/alerts.yml): the system role reads their outcome and
-- time only, never whose they are or what they hold.
GRANT SELECT (status, finished_at) ON agent_tasks TO alatar_system;
CREATE POLICY system_task_outcomes ON agent_tasks FOR SELECT TO alatar_system USING (true);
CREATE INDEX agent_tasks_finished_idx ON agent_tasks (finished_at) WHERE finished_at IS NOT NULL;
