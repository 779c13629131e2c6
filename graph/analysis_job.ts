/**
 * The `analysis` job: runs a request's orchestrator graph, or resumes it.
 * The same job serves the first run, the resume after a stage (queued by the
 * department job that finished it) and pg-boss's retry after a crash; the
 * graph's checkpoint says which it is:
 *
 * - no checkpoint: start from the request;
 * - paused in `wait`: resume (the node checks the tasks again);
 * - ended by an error: continue from the checkpoint that error left;
 * - finished: nothing to do (a duplicate delivery).
 *
 * A run that dies (a killed worker) leaves no checkpoint of its own: the
 * retry finds the last pause, or none, and runs those nodes again.
 */
import { Command } from "@langchain/langgraph";
import { PostgresCheckpointer } from "./checkpointer.ts";
import { buildAnalysisGraph, type OrchestratorDeps } from "./orchestrator.ts";
import type { AnalysisJob } from "./queues.ts";

export type AnalysisJobDeps = Omit<OrchestratorDeps, "checkpointer">;

export async function runAnalysisJob(
  deps: AnalysisJobDeps,
  job: AnalysisJob,
  signal?: AbortSignal,
): Promise<{ ran: "start" | "resume" | "continue" | "nothing" }> {
  const graph = buildAnalysisGraph({
    ...deps,
    checkpointer: new PostgresCheckpointer(deps.db, job.userId),
  });
  const config = {
    configurable: { thread_id: job.requestId },
    // Checkpointed when the graph pauses for a stage's tasks and when it ends, not after every
    // node: a run that dies resumes from its last pause and runs its nodes again, which is safe
    // because each is idempotent (tasks and proposals are keyed, the plan is reused, finishing
    // checks the status under a lock). A dozen fewer checkpoint transactions per analysis.
    durability: "exit" as const,
    recursionLimit: 200,
    ...(signal ? { signal } : {}),
  };
  const snapshot = await graph.getState(config);
  const started = Boolean(snapshot.config.configurable?.checkpoint_id);
  if (!started) {
    await graph.invoke({ requestId: job.requestId, userId: job.userId }, config);
    return { ran: "start" };
  }
  if (snapshot.next.length === 0) return { ran: "nothing" };
  if (snapshot.tasks.some((task) => task.interrupts.length > 0)) {
    await graph.invoke(new Command({ resume: true }), config);
    return { ran: "resume" };
  }
  await graph.invoke(null, config);
  return { ran: "continue" };
}
