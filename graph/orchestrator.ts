/**
 * The class-1 orchestrator (seed 000 §6) as one LangGraph `StateGraph`,
 * compiled once per process:
 *
 *   load → (plan) → advance ⟲ run_inline → dispatch | aggregate → propose_actions → finalize
 *                          └→ fail
 *
 * **The rows are the truth.** A request's plan is `analysis_requests.agent_state`,
 * its tasks and their results are `agent_tasks` rows, its progress is the
 * row's `progress`. The graph keeps no state of its own between runs: every
 * run of the `analysis` job starts at `load`, reads the request and its tasks
 * once, and `advance` derives from them what comes next. So a worker killed
 * anywhere loses nothing (the retried job reads the same rows), and nothing is
 * stored twice.
 *
 * **Jobs only for work that calls out.** A department that reaches Shopify or
 * a model (or the mirror's sync) runs as a `dept.*` job, which retries on its
 * own; `dispatch` writes its task row and job in one transaction and the run
 * ends. The job that finishes a stage queues the `analysis` job again. A
 * department that is pure code over earlier results (recommendation rules,
 * the offline writer), and data retrieval when nothing is stale, run inside
 * the run (`run_inline`), and their rows are written with the run's next write.
 *
 * Every write is keyed (task keys, action keys) and made under the request's
 * lock after checking it is still open, so a node re-run by a retry writes
 * nothing twice, and a request cancelled or failed elsewhere stops the graph.
 */
import { inSpan, userHash } from "../log/tracing.ts";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { auditAction } from "../actions/audit.ts";
import { type CandidateAction, checkAction } from "../actions/action_types.ts";
import {
  type DepartmentInput,
  type DepartmentResult,
  type DepartmentRunnable,
  merged,
  type Narrative,
  STAGE_OF,
} from "../agents/department.ts";
import { grounded } from "../agents/grounding.ts";
import { retrievedWithoutCallingOut, SHOP_PROFILE_KEY } from "../agents/data_retrieval.ts";
import { type ChosenModel, OFFLINE_MODEL } from "../agents/llm.ts";
import type { Department, Plan } from "../agents/plan.ts";
import type { Database, Tx } from "../db/database.ts";
import { enqueueInTransaction, type Enqueuer } from "../jobs/enqueue.ts";
import type { Logger } from "../log/logger.ts";
import { dayFirstIn } from "../metrics/calendar.ts";
import type { KpiScope } from "../metrics/scope.ts";
import type { ShopInfo } from "../shopify/queries.ts";
import { type Interpretation, interpretationOf } from "./interpretation.ts";
import { rankedProducts } from "./follow_up.ts";
import { planWithModel } from "./llm_planner.ts";
import { planOffline } from "./offline_planner.ts";
import { departmentQueue } from "./queues.ts";
import { PREDICTIVE_CUE } from "./forecast_question.ts";
import {
  endRequest,
  isOpen,
  lockedStatus,
  type RequestStatus,
  setProgress,
  type Stage,
  startProcessing,
} from "./request_status.ts";
import { visualizationsOf } from "./visualizations.ts";

export interface OrchestratorDeps {
  db: Database;
  boss: Enqueuer;
  log: Logger;
  /** The model for the user's preferredLlm, or null to plan and write offline. */
  modelFor(preferredLlm: string | null): ChosenModel | null;
  /** The departments for a user's preferred model (those run inline come from here). */
  departmentsFor(preferredLlm: string | null): Record<Department, DepartmentRunnable>;
  /** Told as each node starts (tracing; the kill and cancel tests stop a worker here). */
  onNode?(node: string, requestId: string): Promise<void> | void;
  /**
   * Told as each node ends: `stopped` when it found the request ended elsewhere. A node can
   * outlive its job's run (a run whose job expired is abandoned, not interrupted), so this is
   * how a test knows such a node has finished.
   */
  onNodeEnd?(node: string, requestId: string, outcome: "done" | "stopped" | "error"): void;
}

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

/** The request as `load` read it: one row, joined with its store and the user's model. */
export interface RequestRow {
  status: RequestStatus;
  prompt: string;
  linked_account_id: string | null;
  agent_state: { plan: Plan; planner: string; today: string } | null;
  preferred_llm: string | null;
  country: string | null;
  currency: string | null;
  timezone: string | null;
  last_synced_at: Date | null;
  /** The store's first import has finished. */
  imported: boolean;
  /** The shop's cached profile, if it has not expired (data retrieval inline needs it). */
  profile: ShopInfo | null;
  /** The conversation's turn before this one, if it was planned: what a follow-up leans on. */
  previous_prompt: string | null;
  previous_state: { plan: Plan } | null;
  /** The previous answer's tables, for "the worst one" (its ranked products). */
  previous_tables: Parameters<typeof rankedProducts>[0];
  /** The shop's date now, for a request not yet planned. */
  today: string;
}

/** One `agent_tasks` row of the request, or one computed in this run and not yet written. */
export interface TaskRow {
  department: Department;
  task_key: string;
  status: "pending" | "running" | "retrying" | "completed" | "failed";
  required: boolean;
  error_message: string | null;
  result: DepartmentResult | null;
}

/** What `advance` decided. */
type Next =
  | { step: "inline" | "dispatch"; stage: number }
  | { step: "wait" }
  | { step: "fail"; failure: string }
  | { step: "aggregate" };

const replace = <T>(fallback: T) =>
  Annotation<T>({ reducer: (_old: T, next: T) => next, default: () => fallback });

export const AnalysisState = Annotation.Root({
  requestId: replace(""),
  userId: replace(""),
  request: replace<RequestRow | null>(null),
  planned: replace<Plan | null>(null),
  planner: replace(""),
  /** The shop's product titles, for a follow-up that names one (read only for follow-ups). */
  products: replace<Array<{ id: string; title: string }>>([]),
  /** Whether the plan is stored yet (a new plan is stored with the run's first write). */
  planStored: replace(false),
  /** The request's tasks: the rows read by `load`, then those this run computed or dispatched. */
  tasks: replace<TaskRow[]>([]),
  /** Computed inline in this run and not yet written. */
  unwritten: replace<TaskRow[]>([]),
  next: replace<Next>({ step: "wait" }),
  outcome: replace<"running" | "waiting" | "stopped" | "failed" | "completed">("running"),
  result: replace<AnalysisResult | null>(null),
  candidates: replace<CandidateAction[]>([]),
});
type State = typeof AnalysisState.State;

/** Where each stage leaves the merchant's progress bar when it starts. */
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
  predictive: "forecast",
};

/**
 * Whether a department runs inside the orchestrator's run: the recommendation
 * rules always (pure code over earlier results), the writer when it is the
 * offline one, data retrieval when the mirror is fresh and the profile cached.
 * Everything else reaches Shopify, the mirror's sync or a model.
 */
export function runsInline(
  department: Department,
  request: { hasModel: boolean; nothingStale: boolean },
): boolean {
  switch (department) {
    case "recommendation":
      return true;
    case "qualitative":
      return !request.hasModel;
    case "data_retrieval":
      return request.nothingStale;
    default:
      return false;
  }
}

const stagesOf = (plan: Plan) =>
  [...new Set(plan.tasks.map((t) => STAGE_OF[t.department]))].sort((a, b) => a - b);

const terminal = (task: TaskRow) => task.status === "completed" || task.status === "failed";

/** What comes next, from the plan and the tasks alone. */
export function nextStep(
  plan: Plan,
  tasks: TaskRow[],
  inline: (department: Department) => boolean,
): Next {
  const byKey = new Map(tasks.map((t) => [t.task_key, t]));
  for (const stage of stagesOf(plan)) {
    const planned = plan.tasks.filter((t) => STAGE_OF[t.department] === stage);
    const rows = planned.map((t) => byKey.get(t.taskKey));
    if (rows.every((row) => row === undefined)) {
      return { step: planned.every((t) => inline(t.department)) ? "inline" : "dispatch", stage };
    }
    if (!rows.every((row) => row !== undefined && terminal(row))) return { step: "wait" };
    const failed = rows.find((row) => row!.status === "failed" && row!.required);
    if (failed) {
      return {
        step: "fail",
        failure: `The ${DEPARTMENT_LABEL[failed.department]} step failed: ${
          failed.error_message ?? "failed"
        }`,
      };
    }
  }
  return { step: "aggregate" };
}

/** Finished results in plan order, for whoever reads earlier stages. */
function resultsOf(plan: Plan, tasks: TaskRow[], before = Infinity) {
  const byKey = new Map(tasks.map((t) => [t.task_key, t]));
  return plan.tasks
    .filter((t) => STAGE_OF[t.department] < before)
    .map((t) => byKey.get(t.taskKey))
    .filter((row): row is TaskRow & { result: DepartmentResult } =>
      row?.status === "completed" && row.result !== null
    )
    .map((row) => ({ department: row.department, taskKey: row.task_key, result: row.result }));
}

/** Thrown inside a node's transaction when the request was ended elsewhere. */
class Stopped extends Error {}

export function buildAnalysisGraph(deps: OrchestratorDeps) {
  const { db, log } = deps;

  /** Wraps a node: the test and tracing hook, a stop on a request ended elsewhere, timing. */
  const node =
    (name: string, fn: (state: State) => Promise<Partial<State>>) =>
    async (state: State): Promise<Partial<State>> => {
      await deps.onNode?.(name, state.requestId);
      const started = performance.now();
      let update: Partial<State>;
      try {
        update = await inSpan(`node ${name}`, {
          "alatar.request_id": state.requestId,
          "alatar.user_hash": userHash(state.userId),
        }, () => fn(state));
      } catch (error) {
        if (error instanceof Stopped) {
          deps.onNodeEnd?.(name, state.requestId, "stopped");
          return { outcome: "stopped" };
        }
        deps.onNodeEnd?.(name, state.requestId, "error");
        throw error;
      }
      deps.onNodeEnd?.(name, state.requestId, update.outcome === "stopped" ? "stopped" : "done");
      log.info("graph node", {
        node: name,
        request_id: state.requestId,
        ms: Math.round(performance.now() - started),
      });
      return update;
    };

  /** A write of the run: under the request's lock, only while it is processing. */
  const write = <T>(state: State, work: (tx: Tx, from: RequestStatus) => Promise<T>) =>
    db.withTenant(state.userId, async (tx) => {
      const status = await lockedStatus(tx, state.requestId);
      if (status !== "processing") throw new Stopped();
      return await work(tx, status);
    });

  /** Stores what the run decided and has not written yet: a new plan, inline results. */
  const writePending = async (tx: Tx, state: State) => {
    if (!state.planStored) {
      await tx`update analysis_requests
               set agent_state = ${
        tx.json({
          plan: state.planned,
          planner: state.planner,
          today: state.request!.today,
        } as never)
      }
               where id = ${state.requestId} and agent_state is null`;
    }
    for (const task of state.unwritten) {
      await tx`insert into agent_tasks (analysis_request_id, user_id, department, task_key,
                 task_input, status, result, started_at, finished_at)
               values (${state.requestId}, ${state.userId}, ${task.department}, ${task.task_key},
                 ${tx.json(inputOf(state.planned!, task.task_key) as never)}, 'completed',
                 ${tx.json(task.result as never)}, now(), now())
               on conflict (analysis_request_id, task_key) do nothing`;
    }
  };

  const inputOf = (plan: Plan, taskKey: string) => {
    const task = plan.tasks.find((t) => t.taskKey === taskKey)!;
    return { ...task.input, required: task.required };
  };

  const storeOf = (request: RequestRow) => ({
    imported: request.imported,
    syncedAt: request.last_synced_at,
    profile: request.profile,
  });
  const inlineIn = (state: State) => {
    const request = state.request!;
    const context = {
      hasModel: deps.modelFor(request.preferred_llm) !== null,
      nothingStale: retrievedWithoutCallingOut(storeOf(request)) !== null,
    };
    return (department: Department) => runsInline(department, context);
  };

  const load = node("load", async (state) => {
    return await db.withTenant(state.userId, async (tx) => {
      const [request] = await tx<RequestRow[]>`
        select r.status, r.prompt, r.linked_account_id, r.agent_state, p.preferred_llm,
               s.shop_country as country, s.shop_currency as currency, s.shop_timezone as timezone,
               a.last_synced_at, s.import_finished_at is not null as imported,
               (select c.data_value from cached_shopify_data c
                where c.linked_account_id = r.linked_account_id and c.data_key = ${SHOP_PROFILE_KEY}
                  and c.expires_at > now()) as profile,
               to_char(now() at time zone coalesce(s.shop_timezone, 'UTC'), 'YYYY-MM-DD') as today,
               before.prompt as previous_prompt, before.agent_state as previous_state,
               before.tables as previous_tables
        from analysis_requests r
        left join lateral (
          -- A question across stores keeps its plan in its stores' parts (each read it the
          -- same way): the first part's stands for it.
          select b.prompt, coalesce(b.agent_state, part.agent_state) as agent_state,
                 coalesce(b.result->'rawData'->'tables', part.tables) as tables
          from analysis_requests b
          left join lateral (
            select p.agent_state, p.result->'rawData'->'tables' as tables
            from analysis_requests p
            where p.parent_request_id = b.id and p.agent_state is not null
            order by p.created_at, p.id limit 1
          ) part on true
          where b.conversation_id = r.conversation_id
            and coalesce(b.agent_state, part.agent_state) is not null
            -- Stores' parts of a question across stores are not questions the merchant asked,
            -- and a part's own question is not the one before it.
            and b.parent_request_id is null
            and b.id is distinct from r.parent_request_id
            and (b.created_at, b.id) < (r.created_at, r.id)
          order by b.created_at desc, b.id desc limit 1
        ) before on true
        left join user_preferences p on p.user_id = r.user_id
        left join linked_accounts a on a.id = r.linked_account_id
        left join store_sync_state s on s.linked_account_id = r.linked_account_id
        where r.id = ${state.requestId}
        for no key update of r`;
      if (!request || !isOpen(request.status)) return { outcome: "stopped" as const };
      if (request.status === "pending") await startProcessing(tx, state.requestId);
      if (!request.agent_state) {
        // A follow-up or a forecast may name a product: the shop's titles, read only then.
        const products = (request.previous_state || PREDICTIVE_CUE.test(request.prompt)) &&
            request.linked_account_id
          ? await tx<{ id: string; title: string }[]>`
              select shopify_id::text as id, title from shop_products
              where linked_account_id = ${request.linked_account_id}`
          : [];
        return { request, products: [...products], planStored: false, tasks: [] };
      }
      const tasks = await tx<TaskRow[]>`
        select department, task_key, status, error_message, result,
               coalesce((task_input->>'required')::boolean, true) as required
        from agent_tasks where analysis_request_id = ${state.requestId}`;
      return {
        request,
        planned: request.agent_state.plan,
        planner: request.agent_state.planner,
        planStored: true,
        tasks,
      };
    });
  });

  const plan = node("plan", async (state) => {
    const request = state.request!;
    const model = deps.modelFor(request.preferred_llm);
    const calendar = { dayFirst: dayFirstIn(request.country) };
    const conversation = {
      previous: request.previous_state
        ? {
          prompt: request.previous_prompt!,
          plan: request.previous_state.plan,
          ranked: rankedProducts(request.previous_tables),
        }
        : null,
      products: state.products,
    };
    const planned = model
      ? await planWithModel(model, request.prompt, request.today, log, calendar, conversation)
      : {
        plan: planOffline(request.prompt, request.today, calendar, conversation),
        planner: OFFLINE_MODEL,
      };
    return { planned: planned.plan, planner: planned.planner };
  });

  const advance = node(
    "advance",
    (state) => Promise.resolve({ next: nextStep(state.planned!, state.tasks, inlineIn(state)) }),
  );

  const runInline = node("run_inline", async (state) => {
    const stage = (state.next as { stage: number }).stage;
    const request = state.request!;
    const departments = deps.departmentsFor(request.preferred_llm);
    const scope: KpiScope = {
      userId: state.userId,
      accountId: request.linked_account_id ?? "",
      timezone: request.timezone ?? "UTC",
      syncedAt: request.last_synced_at,
    };
    const prior = resultsOf(state.planned!, state.tasks, stage);
    const computed: TaskRow[] = [];
    for (const task of state.planned!.tasks.filter((t) => STAGE_OF[t.department] === stage)) {
      const input: DepartmentInput = {
        requestId: state.requestId,
        prompt: request.prompt,
        scope,
        today: request.agent_state?.today ?? request.today,
        currency: request.currency ?? "USD",
        plan: state.planned!,
        task: { key: task.taskKey, input: task.input },
        prior,
      };
      computed.push({
        department: task.department,
        task_key: task.taskKey,
        status: "completed",
        required: task.required,
        error_message: null,
        // Data retrieval is inline only when nothing is stale: its result is what load read.
        result: task.department === "data_retrieval"
          ? retrievedWithoutCallingOut(storeOf(request))!
          : await inSpan(
            `department ${task.department}`,
            { "alatar.request_id": input.requestId, "alatar.task_key": task.taskKey },
            () => departments[task.department].invoke(input),
          ),
      });
    }
    return { tasks: [...state.tasks, ...computed], unwritten: [...state.unwritten, ...computed] };
  });

  const dispatch = node("dispatch", async (state) => {
    const stage = (state.next as { stage: number }).stage;
    const tasks = state.planned!.tasks.filter((t) => STAGE_OF[t.department] === stage);
    await write(state, async (tx) => {
      await writePending(tx, state);
      for (const task of tasks) {
        const [created] = await tx<{ id: string }[]>`
          insert into agent_tasks (analysis_request_id, user_id, department, task_key, task_input)
          values (${state.requestId}, ${state.userId}, ${task.department}, ${task.taskKey},
                  ${tx.json(inputOf(state.planned!, task.taskKey) as never)})
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
    // The run ends here; the job that finishes the stage queues the next run.
    return { outcome: "waiting" };
  });

  const aggregate = node("aggregate", (state) => {
    const plan = state.planned!;
    const request = state.request!;
    const currency = request.currency ?? "USD";
    const finished = resultsOf(plan, state.tasks);
    const all = merged(finished);
    // Every plan ends with the write-up (graph/offline_planner.ts#planFor), whose words were
    // grounded once, where they were written: they are not checked again here.
    const narrative = finished.find((r) => r.department === "qualitative")?.result.narrative;
    if (!narrative) throw new Error("the plan finished without a write-up");
    const result: AnalysisResult = {
      summary: narrative.summary,
      speech: narrative.speech,
      visualizations: visualizationsOf(all, plan),
      rawData: { plan, planner: state.planner, facts: all.facts, tables: all.tables },
      model: narrative.model,
      currency,
      grounding: narrative.grounding ?? {
        ...grounded(narrative, all).report,
        fellBack: false,
      },
      interpretation: interpretationOf(plan, request.timezone ?? "UTC"),
    };
    const candidates = finished.filter((r) => r.department === "recommendation")
      .flatMap((r) => r.result.candidates);
    return Promise.resolve({ result, candidates });
  });

  const proposeActions = node("propose_actions", async (state) => {
    await write(state, async (tx) => {
      await writePending(tx, state);
      await setProgress(tx, state.requestId, "writing", 90);
      for (const candidate of state.candidates) {
        const checked = checkAction(candidate);
        if (!checked.ok) {
          log.warn("proposal dropped", { key: checked.key, reason: checked.reason });
          continue;
        }
        const a = checked.action;
        const [inserted] = await tx<{ id: string }[]>`
          insert into proposed_actions (analysis_request_id, user_id, linked_account_id,
            description, action_type, parameters, action_key)
          values (${state.requestId}, ${state.userId}, ${state.request!.linked_account_id},
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
    return { unwritten: [], planStored: true };
  });

  const finalize = node("finalize", async (state) => {
    await write(
      state,
      (tx, from) =>
        endRequest(tx, { userId: state.userId, requestId: state.requestId, from }, {
          to: "completed",
          result: state.result,
        }, deps.boss),
    );
    return { outcome: "completed" };
  });

  const fail = node("fail", async (state) => {
    await write(
      state,
      (tx, from) =>
        endRequest(tx, { userId: state.userId, requestId: state.requestId, from }, {
          to: "failed",
          message: (state.next as { failure: string }).failure,
          actor: "agent",
        }, deps.boss),
    );
    return { outcome: "failed" };
  });

  const unlessStopped = (next: string) => (state: State) =>
    state.outcome === "stopped" ? END : next;

  return new StateGraph(AnalysisState)
    .addNode("load", load)
    .addNode("plan", plan)
    .addNode("advance", advance)
    .addNode("run_inline", runInline)
    .addNode("dispatch", dispatch)
    .addNode("aggregate", aggregate)
    .addNode("propose_actions", proposeActions)
    .addNode("finalize", finalize)
    .addNode("fail", fail)
    .addEdge(START, "load")
    .addConditionalEdges(
      "load",
      (state: State) => state.outcome === "stopped" ? END : state.planned ? "advance" : "plan",
      ["advance", "plan", END],
    )
    .addEdge("plan", "advance")
    .addConditionalEdges("advance", (state: State) => {
      switch (state.next.step) {
        case "inline":
          return "run_inline";
        case "dispatch":
          return "dispatch";
        case "fail":
          return "fail";
        case "aggregate":
          return "aggregate";
        case "wait":
          return END;
      }
    }, ["run_inline", "dispatch", "fail", "aggregate", END])
    .addEdge("run_inline", "advance")
    .addEdge("dispatch", END)
    .addEdge("aggregate", "propose_actions")
    .addConditionalEdges("propose_actions", unlessStopped("finalize"), ["finalize", END])
    .addEdge("finalize", END)
    .addEdge("fail", END)
    .compile({ name: "analysis" });
}
