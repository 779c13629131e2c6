/**
 * The `analysis` job: one run of a request's orchestrator graph. The same job
 * serves the first run, the run after each stage (queued by the department job
 * that finished it) and pg-boss's retry after a crash: each starts by reading
 * the request and its tasks, so there is nothing to tell them apart.
 */
import { buildAnalysisGraph, type OrchestratorDeps } from "./orchestrator.ts";
import type { AnalysisJob } from "./queues.ts";

export type AnalysisRunner = (
  job: AnalysisJob,
  signal?: AbortSignal,
) => Promise<{ outcome: string }>;

/** Compiles the graph once; the runner serves every request of every tenant. */
export function createAnalysisRunner(deps: OrchestratorDeps): AnalysisRunner {
  const graph = buildAnalysisGraph(deps);
  return async (job, signal) => {
    const state = await graph.invoke(
      { requestId: job.requestId, userId: job.userId },
      signal ? { signal } : {},
    );
    return { outcome: state.outcome };
  };
}
