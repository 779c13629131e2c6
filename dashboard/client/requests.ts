/** An analysis request as the page shows it: its progress while it runs, then the whole answer. */
import { ACTION_FIELDS, actionCard, type ProposedAction } from "./actions.ts";
import type { Api } from "./api.ts";
import { h, replaceChildren } from "./dom.ts";
import { renderVisualization, type Visualization } from "./visualizations.ts";

export const REQUEST_FIELDS =
  `id prompt status conversationId createdAt updatedAt errorMessage errorCode
  progress { stage percent }
  result {
    summary model currency
    visualizations { type title data }
    interpretation { text assumptions answerable }
  }
  proposedActions { ${ACTION_FIELDS} }`;

export interface AnalysisRequest {
  id: string;
  prompt: string;
  status: "PENDING" | "PROCESSING" | "COMPLETED" | "FAILED" | "CANCELLED";
  conversationId: string;
  createdAt: string;
  updatedAt: string;
  errorMessage: string | null;
  errorCode: string | null;
  progress: { stage: string; percent: number };
  result: {
    summary: string;
    model: string;
    currency: string | null;
    visualizations: Visualization[];
    interpretation: { text: string; assumptions: string[]; answerable: boolean };
  } | null;
  proposedActions: ProposedAction[];
}

export const isFinished = (r: Pick<AnalysisRequest, "status">) =>
  r.status === "COMPLETED" || r.status === "FAILED" || r.status === "CANCELLED";

const STAGES: Record<string, string> = {
  queued: "Waiting for an analyst",
  planning: "Reading the question",
  retrieving: "Reading the store's data",
  analysing: "Computing the figures",
  writing: "Writing the answer",
  done: "Done",
};

/** Written by the offline writer, or which model wrote the words (the numbers are code's). */
const writer = (model: string) =>
  model.startsWith("offline") ? "Written offline (no language model)" : `Written by ${model}`;

export function requestCard(api: Api, r: AnalysisRequest): HTMLElement {
  const card = h(
    "article",
    { class: "card request", "data-request-id": r.id, "data-status": r.status },
    h("h3", {}, r.prompt),
  );
  if (!isFinished(r)) {
    const label = STAGES[r.progress.stage] ?? r.progress.stage;
    card.append(
      h("label", { for: `progress-${r.id}` }, `${label}…`),
      h("progress", {
        id: `progress-${r.id}`,
        max: "100",
        value: String(r.progress.percent),
      }, `${r.progress.percent}%`),
    );
    return card;
  }
  if (r.status !== "COMPLETED" || !r.result) {
    card.append(
      h(
        "p",
        { class: "error", role: "alert" },
        r.status === "CANCELLED"
          ? "Cancelled."
          : r.errorMessage ?? "This question could not be answered.",
      ),
    );
    return card;
  }
  const { result } = r;
  replaceChildren(
    card,
    h("h3", {}, r.prompt),
    h("p", { class: "muted interpretation" }, result.interpretation.text),
    result.interpretation.assumptions.length
      ? h(
        "ul",
        { class: "muted assumptions", "aria-label": "How the question was read" },
        ...result.interpretation.assumptions.map((a) => h("li", {}, a)),
      )
      : null,
    h("p", { class: "summary" }, result.summary),
    ...result.visualizations.map((v) => renderVisualization(v, result.currency)),
  );
  if (r.proposedActions.length) {
    card.append(
      h("h3", {}, "Proposed actions"),
      h("ul", { class: "plain" }, ...r.proposedActions.map((a) => actionCard(api, a))),
    );
  }
  card.append(h("p", { class: "muted" }, writer(result.model)));
  return card;
}
