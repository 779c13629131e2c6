/**
 * The class-1 orchestrator (seed 000 §6) as one LangGraph `StateGraph`:
 *
 *   plan → dispatch → wait ⟲ → (next stage: dispatch | aggregate) → propose_actions → finalize
 *
 * `dispatch` writes the `agent_tasks` of the plan's next stage and their
 * department jobs in one transaction (idempotent by task key). `wait`
 * interrupts the graph until those tasks are all terminal; the department
 * job that finishes a stage queues the orchestrator job again, which resumes
 * the graph from its checkpoint (graph/checkpointer.ts). A worker killed at
 * any node resumes the same way when pg-boss retries the job: completed nodes
 * are not re-run, and every write is keyed so a re-run node writes nothing
 * twice.
 *
 * Each node first checks the request: once it is cancelled, or failed by the
 * dead letter handler (graph/dead_letter.ts), the graph ends
 * and writes nothing more.
 */
import { Annotation, END, interrupt, START, StateGraph } from "@langchain/langgraph";
import { auditAction } from "../actions/audit.ts";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { type CandidateAction, checkAction } from "../agents/actions.ts";
import {
  type DepartmentResult,
  departmentsIn,
  merged,
  type Narrative,
  type PriorResult,
  STAGE_OF,
} from "../agents/department.ts";
import { type ChosenModel, OFFLINE_MODEL } from "../agents/llm.ts";
import { writeOffline } from "../agents/offline_writer.ts";
import { grounded } from "../agents/qualitative.ts";
import type { Database, Tx } from "../db/database.ts";
import { enqueueInTransaction, type Enqueuer } from "../jobs/enqueue.ts";
import type { Logger } from "../log/logger.ts";
import { dayFirstIn } from "../metrics/calendar.ts";
import { planWithModel } from "./llm_planner.ts";
import { planOffline } from "./offline_planner.ts";
import type { Department, Plan } from "./plan.ts";
import { lockedStatus, setProgress, type Stage } from "./progress.ts";
import { departmentQueue } from "./queues.ts";
import { type Interpretation, interpretationOf } from "./interpretation.ts";
import { visualizationsOf } from "./visualizations.ts";

export interface OrchestratorDeps {
  db: Database;
  boss: Enqueuer;
  log: Logger;
  checkpointer: BaseCheckpointSaver;
  /** The model for the user's preferredLlm, or null to plan offline. */
  modelFor(preferredLlm: string | null): ChosenModel | null;
  /** Told as each node starts (tracing; the kill test stops a worker here). */
  onNode?(node: string, requestId: string): Promise<void> | void;
}

const replace = <T>(fallback: T) =>
  Annotation<T>({ reducer: (_old: T, next: T) => next, default: () => fallback });

export const AnalysisState = Annotation.Root({
  requestId: replace(""),
  userId: replace(""),
  /** What the planner decided (the `plan` node's output). */
  planned: replace<Plan | null>(null),
  planner: replace(""),
  /** The stage last dispatched; -1 before the first. */
  stage: replace(-1),
  stageDone: replace(false),
  outcome: replace<"running" | "stopped" | "failed">("running"),
  failure: replace<string | null>(null),
  result: replace<AnalysisResult | null>(null),
  /** Recommendation's proposals, stored by `propose_actions`. */
  candidates: replace<CandidateAction[]>([]),
});
type State = typeof AnalysisState.State;

/** What the merchant reads: `result` on the request row. */
export interface AnalysisResult {
  summary: string;
  speech: string;
  visualizations: ReturnType<typeof visualizationsOf>;
  rawData: {
    plan: Plan;
    planner: string;
    facts: DepartmentResult["facts"];
    tables: DepartmentResult["tables"];
  };
  model: string;
  /** The shop's currency (ISO 4217): every money amount of the result is in it. */
  currency: string;
  grounding: NonNullable<Narrative["grounding"]>;
  interpretation: Interpretation;
}

const PROGRESS_OF_STAGE: Array<[Stage, number]> = [
  ["retrieving", 20],
  ["analysing", 40],
  ["analysing", 65],
  ["writing", 80],
];

const DEPARTMENT_LABEL: Record<Department, string> = {
  data_retrieval: "store data",
  quantitative: "figures",
  comparative: "comparison",
  qualitative: "write-up",
  recommendation: "recommendations",
  customer_service: "order lookup",
  catalog_quality: "catalog check",
};

const stagesOf = (plan: Plan) =>
  [...new Set(plan.tasks.map((t) => STAGE_OF[t.department]))].sort((a, b) => a - b);

/** A node's tenant transaction; the first one a node opens checks that the request is still open. */
type InTenant = <T>(work: (tx: Tx) => Promise<T>) => Promise<T>;

/** The request ended elsewhere while the graph ran: the node stops the graph. */
class Stopped extends Error {}

export function buildAnalysisGraph(deps: OrchestratorDeps) {
  const { db, log } = deps;
  /**
   * Wraps a node: cancellation check, then timing. The check rides on the
   * node's first transaction (every node opens one before it does anything),
   * rather than costing a transaction of its own at each of some fifteen
   * nodes per analysis: a request ended elsewhere (cancelled by the merchant,
   * or failed by the dead letter handler) rolls that transaction back and
   * stops the graph.
   */
  const node =
    (name: string, fn: (state: State, inTenant: InTenant) => Promise<Partial<State>>) =>
    async (state: State): Promise<Partial<State>> => {
      await deps.onNode?.(name, state.requestId);
      let checked = false;
      const inTenant: InTenant = (work) =>
        db.withTenant(state.userId, async (tx) => {
          if (!checked) {
            const [row] = await tx<{ status: string }[]>`
              select status from analysis_requests where id = ${state.requestId}`;
            if (row?.status !== "pending" && row?.status !== "processing") throw new Stopped();
            checked = true;
          }
          return await work(tx);
        });
      const started = performance.now();
      let update: Partial<State>;
      try {
        update = await fn(state, inTenant);
      } catch (error) {
        if (error instanceof Stopped) return { outcome: "stopped" };
        throw error;
      }
      log.info("graph node", {
        node: name,
        request_id: state.requestId,
        ms: Math.round(performance.now() - started),
      });
      return update;
    };

  const plan = node("plan", async (state, inTenant) => {
    const request = await inTenant(async (tx) => {
      await tx`update analysis_requests set status = 'processing', started_at = coalesce(started_at, now())
               where id = ${state.requestId} and status = 'pending'`;
      await setProgress(tx, state.requestId, "planning", 5);
      const [row] = await tx<
        {
          prompt: string;
          today: string;
          country: string | null;
          preferred_llm: string | null;
          agent_state: { plan: Plan; planner: string } | null;
        }[]
      >`
        select r.prompt, p.preferred_llm, r.agent_state, s.shop_country as country,
               to_char(now() at time zone coalesce(s.shop_timezone, 'UTC'), 'YYYY-MM-DD') as today
        from analysis_requests r
        left join store_sync_state s on s.linked_account_id = r.linked_account_id
        left join user_preferences p on p.user_id = r.user_id
        where r.id = ${state.requestId}`;
      return row!;
    });
    // Planned already by a run that died before its checkpoint: the same plan, not a new one (a
    // model may plan differently twice, and its tasks may be running).
    if (request.agent_state) {
      return { planned: request.agent_state.plan, planner: request.agent_state.planner, stage: -1 };
    }
    const model = deps.modelFor(request.preferred_llm);
    const calendar = { dayFirst: dayFirstIn(request.country) };
    const planned = model
      ? await planWithModel(model, request.prompt, request.today, log, calendar)
      : { plan: planOffline(request.prompt, request.today, calendar), planner: OFFLINE_MODEL };
    await inTenant(async (tx) => {
      await tx`update analysis_requests
               set agent_state = ${
        tx.json({ plan: planned.plan, planner: planned.planner, today: request.today } as never)
      }
               where id = ${state.requestId} and status = 'processing'`;
      await setProgress(tx, state.requestId, "planning", 10);
    });
    return { planned: planned.plan, planner: planned.planner, stage: -1 };
  });

  const dispatch = node("dispatch", async (state, inTenant) => {
    const stage = stagesOf(state.planned!).find((s) => s > state.stage)!;
    const tasks = state.planned!.tasks.filter((t) => STAGE_OF[t.department] === stage);
    await inTenant(async (tx) => {
      if ((await lockedStatus(tx, state.requestId)) !== "processing") return;
      for (const task of tasks) {
        const [created] = await tx<{ id: string }[]>`
          insert into agent_tasks (analysis_request_id, user_id, department, task_key, task_input)
          values (${state.requestId}, ${state.userId}, ${task.department}, ${task.taskKey},
                  ${tx.json({ ...task.input, required: task.required } as never)})
          on conflict (analysis_request_id, task_key) do nothing
          returning id`;
        // Only a task created now gets a job: a re-run dispatch finds its jobs already sent.
        if (created) {
          await enqueueInTransaction(deps.boss, tx, departmentQueue(task.department), {
            userId: state.userId,
            requestId: state.requestId,
            taskId: created.id,
          });
        }
      }
      const [progressStage, percent] = PROGRESS_OF_STAGE[stage] ?? ["analysing", 50];
      await setProgress(tx, state.requestId, progressStage, percent);
    });
    return { stage, stageDone: false };
  });

  const wait = node("wait", async (state, inTenant) => {
    const departments = departmentsIn((s) => s === state.stage);
    const check = () =>
      inTenant((tx) =>
        tx<{ open: number; failed_required: string | null }[]>`
        select count(*) filter (where status not in ('completed', 'failed'))::int as open,
               (array_agg(department || ': ' || coalesce(error_message, 'failed') order by task_key)
                  filter (where status = 'failed' and coalesce((task_input->>'required')::boolean, true)))[1]
                 as failed_required
        from agent_tasks
        where analysis_request_id = ${state.requestId} and department = any(${departments})`
      );
    let [counts] = await check();
    if (counts!.open > 0) {
      // Paused here until the stage's last task queues the orchestrator again.
      interrupt({ waitingFor: departments });
      [counts] = await check();
    }
    if (counts!.failed_required) {
      const [department, ...reason] = counts!.failed_required.split(": ");
      return {
        outcome: "failed",
        failure: `The ${DEPARTMENT_LABEL[department as Department] ?? department} step failed: ${
          reason.join(": ")
        }`,
      };
    }
    return { stageDone: counts!.open === 0 };
  });

  const aggregate = node("aggregate", async (state, inTenant) => {
    // Everything the finished tasks computed, in stage order, and the shop's currency.
    const { rows, currency, timezone } = await inTenant(async (tx) => {
      await setProgress(tx, state.requestId, "writing", 90);
      const rows = await tx<
        { department: Department; task_key: string; result: DepartmentResult }[]
      >`select department, task_key, result from agent_tasks
        where analysis_request_id = ${state.requestId} and status = 'completed'
        order by created_at, task_key`;
      const [meta] = await tx<{ currency: string | null; timezone: string | null }[]>`
        select s.shop_currency as currency, s.shop_timezone as timezone from analysis_requests r
        left join store_sync_state s on s.linked_account_id = r.linked_account_id
        where r.id = ${state.requestId}`;
      return { rows, currency: meta?.currency ?? "USD", timezone: meta?.timezone ?? "UTC" };
    });
    const prior: PriorResult[] = rows.map((r) => ({
      department: r.department,
      taskKey: r.task_key,
      result: r.result,
    }));
    const all = merged(prior);
    const written = rows.find((r) => r.department === "qualitative")?.result.narrative ??
      writeOffline(all, state.planned!, currency);
    // Checked again here, whoever wrote the words: the stored outcome is the final text's.
    const { narrative, report } = grounded(written, all);
    const result: AnalysisResult = {
      summary: narrative.summary,
      speech: narrative.speech,
      visualizations: visualizationsOf(all, state.planned!),
      rawData: {
        plan: state.planned!,
        planner: state.planner,
        facts: all.facts,
        tables: all.tables,
      },
      model: narrative.model,
      currency,
      // What the writer's check dropped, and anything the final check still found.
      grounding: {
        grounded: report.grounded,
        unsupported: [...(written.grounding?.unsupported ?? []), ...report.unsupported],
        dropped: [...(written.grounding?.dropped ?? []), ...report.dropped],
        fellBack: written.grounding?.fellBack ?? false,
      },
      interpretation: interpretationOf(state.planned!, timezone),
    };
    const candidates = rows.filter((r) => r.department === "recommendation")
      .flatMap((r) => r.result.candidates);
    return { result, candidates };
  });

  const proposeActions = node("propose_actions", async (state, inTenant) => {
    const candidates = state.candidates;
    await inTenant(async (tx) => {
      if ((await lockedStatus(tx, state.requestId)) !== "processing") return;
      const [request] = await tx<{ linked_account_id: string | null }[]>`
        select linked_account_id from analysis_requests where id = ${state.requestId}`;
      for (const candidate of candidates) {
        const checked = checkAction(candidate);
        if (!checked.ok) {
          log.warn("proposal dropped", { key: checked.key, reason: checked.reason });
          continue;
        }
        const a = checked.action;
        const [inserted] = await tx<{ id: string }[]>`
          insert into proposed_actions (analysis_request_id, user_id, linked_account_id,
            description, action_type, parameters, action_key)
          values (${state.requestId}, ${state.userId}, ${request!.linked_account_id},
            ${a.description}, ${a.actionType}, ${tx.json(a.parameters as never)}, ${a.key})
          on conflict (analysis_request_id, action_key) where action_key is not null do nothing
          returning id`;
        // A retried node inserts nothing, so it audits nothing twice.
        if (inserted) {
          await auditAction(tx, {
            userId: state.userId,
            actor: "agent",
            actionId: inserted.id,
            analysisRequestId: state.requestId,
            action: "action.proposed",
            from: null,
            to: "proposed",
            details: { actionType: a.actionType, key: a.key },
          });
        }
      }
    });
    return {};
  });

  const finalize = node("finalize", async (state, inTenant) => {
    const result = state.result!;
    await inTenant(async (tx) => {
      if ((await lockedStatus(tx, state.requestId)) !== "processing") return;
      await tx`update analysis_requests
               set status = 'completed', result = ${tx.json(result as never)},
                   progress = ${tx.json({ stage: "done", percent: 100 })}, finished_at = now()
               where id = ${state.requestId}`;
      await tx`insert into audit_log (user_id, actor, action, entity_type, entity_id,
                 analysis_request_id, before_status, after_status)
               values (${state.userId}, 'agent', 'analysis.completed', 'analysis_request',
                 ${state.requestId}, ${state.requestId}, 'processing', 'completed')`;
    });
    return {};
  });

  const fail = node("fail", async (state, inTenant) => {
    await inTenant(async (tx) => {
      if ((await lockedStatus(tx, state.requestId)) !== "processing") return;
      await tx`update analysis_requests
               set status = 'failed', error_code = 'AGENT_PROCESSING_ERROR',
                   error_message = ${state.failure ?? "The analysis could not be finished."},
                   finished_at = now()
               where id = ${state.requestId}`;
      await tx`insert into audit_log (user_id, actor, action, entity_type, entity_id,
                 analysis_request_id, before_status, after_status)
               values (${state.userId}, 'agent', 'analysis.failed', 'analysis_request',
                 ${state.requestId}, ${state.requestId}, 'processing', 'failed')`;
    });
    return {};
  });

  const unlessStopped = (next: string) => (state: State) =>
    state.outcome === "stopped" ? END : next;

  return new StateGraph(AnalysisState)
    .addNode("plan", plan)
    .addNode("dispatch", dispatch)
    .addNode("wait", wait)
    .addNode("aggregate", aggregate)
    .addNode("propose_actions", proposeActions)
    .addNode("finalize", finalize)
    .addNode("fail", fail)
    .addEdge(START, "plan")
    .addConditionalEdges("plan", unlessStopped("dispatch"), ["dispatch", END])
    .addConditionalEdges("dispatch", unlessStopped("wait"), ["wait", END])
    .addConditionalEdges("wait", (state: State) => {
      if (state.outcome === "stopped") return END;
      if (state.outcome === "failed") return "fail";
      if (!state.stageDone) return "wait";
      return stagesOf(state.planned!).some((s) => s > state.stage) ? "dispatch" : "aggregate";
    }, ["wait", "dispatch", "aggregate", "fail", END])
    .addConditionalEdges("aggregate", unlessStopped("propose_actions"), ["propose_actions", END])
    .addConditionalEdges("propose_actions", unlessStopped("finalize"), ["finalize", END])
    .addEdge("finalize", END)
    .addEdge("fail", END)
    .compile({ checkpointer: deps.checkpointer, name: "analysis" });
}
