/**
 * Ask: the question box, live progress over /graphql/stream, and the answer. Questions continue
 * the conversation shown ("and the week before?") until the merchant starts a new one. The
 * question typed stays in the box until the API has taken it, so a sign-in in between loses
 * nothing; the same client key is sent again, so the retry cannot ask twice.
 */
import type { Api } from "./api.ts";
import { byId, h, replaceChildren } from "./dom.ts";
import { type AnalysisRequest, isFinished, REQUEST_FIELDS, requestCard } from "./requests.ts";

const SUBMIT = `mutation($prompt: String!, $conversationId: ID, $key: String) {
  submitAnalysisRequest(prompt: $prompt, conversationId: $conversationId, clientMutationId: $key) {
    analysisRequest { ${REQUEST_FIELDS} } userErrors { message code field }
  }
}`;
const UPDATES =
  `subscription($id: ID!) { analysisRequestUpdates(requestId: $id) { ${REQUEST_FIELDS} } }`;
const READ = `query($id: ID!) { analysisRequest(id: $id) { ${REQUEST_FIELDS} } }`;

export interface AskScreen {
  /** Shows a past request (from History) and continues its conversation. */
  open(requestId: string): Promise<void>;
}

export function askScreen(api: Api): AskScreen {
  const form = byId<HTMLFormElement>("ask-form");
  const question = byId<HTMLTextAreaElement>("question");
  const answer = byId("answer");
  const note = byId("thread-note");
  const newThread = byId<HTMLButtonElement>("new-thread");
  const submit = form.querySelector<HTMLButtonElement>("button[type=submit]")!;
  let conversationId: string | null = null;
  let stopLive: (() => void) | null = null;
  let pendingKey: { prompt: string; key: string } | null = null;

  const continuing = (id: string | null, prompt?: string) => {
    conversationId = id;
    newThread.hidden = note.hidden = id === null;
    note.textContent = prompt ? `Follow-up questions continue “${prompt}”.` : "";
  };

  const show = (r: AnalysisRequest) => {
    const card = requestCard(api, r);
    const existing = answer.querySelector(`[data-request-id="${r.id}"]`);
    if (existing) existing.replaceWith(card);
    else answer.prepend(card);
  };

  /** Follows `r` live until it ends; if the stream fails, reads it until it does. */
  const follow = (r: AnalysisRequest) => {
    stopLive?.();
    if (isFinished(r)) return;
    let ended = false;
    stopLive = api.subscribe<{ analysisRequestUpdates: AnalysisRequest }>(UPDATES, { id: r.id }, {
      next: (data) => {
        show(data.analysisRequestUpdates);
        ended = isFinished(data.analysisRequestUpdates);
      },
      error: async () => {
        while (!ended) {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          const { analysisRequest } = await api.query<{ analysisRequest: AnalysisRequest }>(READ, {
            id: r.id,
          });
          show(analysisRequest);
          ended = isFinished(analysisRequest);
        }
      },
      complete: () => {},
    });
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const prompt = question.value.trim();
    if (prompt.length < 3) {
      replaceChildren(
        answer,
        h("p", { class: "error", role: "alert" }, "Ask a question of at least 3 characters."),
      );
      return;
    }
    // One key per question typed: sent again if this submission has to be retried.
    if (pendingKey?.prompt !== prompt) pendingKey = { prompt, key: crypto.randomUUID() };
    submit.disabled = true;
    try {
      const data = await api.query<{
        submitAnalysisRequest: {
          analysisRequest: AnalysisRequest | null;
          userErrors: Array<{ message: string }>;
        };
      }>(SUBMIT, { prompt, conversationId, key: pendingKey.key });
      const { analysisRequest, userErrors } = data.submitAnalysisRequest;
      if (!analysisRequest) {
        answer.prepend(
          h("p", { class: "error", role: "alert" }, userErrors[0]?.message ?? "Not asked."),
        );
        return;
      }
      pendingKey = null;
      question.value = "";
      continuing(analysisRequest.conversationId, conversationId ? undefined : prompt);
      if (!note.textContent) note.textContent = "Follow-up questions continue this conversation.";
      show(analysisRequest);
      follow(analysisRequest);
    } catch (error) {
      answer.prepend(h("p", { class: "error", role: "alert" }, (error as Error).message));
    } finally {
      submit.disabled = false;
    }
  });

  newThread.addEventListener("click", () => {
    stopLive?.();
    continuing(null);
    replaceChildren(answer);
    question.focus();
  });

  return {
    async open(requestId) {
      const { analysisRequest } = await api.query<{ analysisRequest: AnalysisRequest | null }>(
        READ,
        { id: requestId },
      );
      replaceChildren(answer);
      if (!analysisRequest) return;
      continuing(analysisRequest.conversationId, analysisRequest.prompt);
      show(analysisRequest);
      follow(analysisRequest);
    },
  };
}
