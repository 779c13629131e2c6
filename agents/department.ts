/**
 * What every department (seed 000 §6, class 2) takes and returns. A
 * department is a LangChain runnable from {@link DepartmentInput} to
 * {@link DepartmentResult}; the job handler (agents/department_job.ts) runs it
 * for one `agent_tasks` row and stores the result there.
 *
 * Departments run in stages: a stage starts when the one before it has
 * finished, and sees the results of every earlier stage in `prior`.
 */
import type { Runnable } from "@langchain/core/runnables";
import type { GroundingReport } from "./grounding.ts";
import type { Department, Plan } from "./plan.ts";
import type { KpiScope } from "../metrics/scope.ts";
import type { CandidateAction } from "../actions/action_types.ts";
import type { Fact, Table } from "./facts.ts";

export interface PriorResult {
  department: Department;
  taskKey: string;
  result: DepartmentResult;
}

export interface DepartmentInput {
  requestId: string;
  prompt: string;
  scope: KpiScope;
  /** The shop's current date (YYYY-MM-DD, its timezone): plans and offers count from it. */
  today: string;
  /** The shop's currency (ISO 4217). */
  currency: string;
  plan: Plan;
  task: { key: string; input: Record<string, unknown> };
  /** Finished tasks of earlier stages. */
  prior: PriorResult[];
}

/** The words of an answer, written by the Qualitative department. */
export interface Narrative {
  summary: string;
  speech: string;
  /** The model that wrote them, or the offline writer. */
  model: string;
  /** The grounding check's outcome; `fellBack` when the model's words were replaced. */
  grounding?: GroundingReport & { fellBack: boolean };
}

export interface DepartmentResult {
  facts: Fact[];
  tables: Record<string, Table>;
  /** Statements a writer may use; any number in them is one of `facts`. */
  findings: string[];
  candidates: CandidateAction[];
  narrative?: Narrative;
}

export type DepartmentRunnable = Runnable<DepartmentInput, DepartmentResult>;

export const emptyResult = (): DepartmentResult => ({
  facts: [],
  tables: {},
  findings: [],
  candidates: [],
});

/** When each department runs: data first, then analysis, then proposals, then words. */
export const STAGE_OF: Record<Department, number> = {
  data_retrieval: 0,
  quantitative: 1,
  comparative: 1,
  customer_service: 1,
  catalog_quality: 1,
  predictive: 1,
  recommendation: 2,
  qualitative: 3,
};

/** Stages from here on see earlier results in `prior`: proposals and words build on figures. */
export const READS_PRIOR_FROM_STAGE = 2;

/** The departments whose stage satisfies `test`. */
export function departmentsIn(test: (stage: number) => boolean): Department[] {
  return (Object.keys(STAGE_OF) as Department[]).filter((d) => test(STAGE_OF[d]));
}

/** Every fact, table, finding and candidate of the prior results, merged. */
export function merged(prior: PriorResult[]): DepartmentResult {
  const all = emptyResult();
  const seen = new Set<string>();
  for (const { result } of prior) {
    for (const fact of result.facts) {
      if (!seen.has(fact.id)) {
        seen.add(fact.id);
        all.facts.push(fact);
      }
    }
    Object.assign(all.tables, result.tables);
    all.findings.push(...result.findings);
    all.candidates.push(...result.candidates);
  }
  return all;
}
