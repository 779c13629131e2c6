/**
 * History: past questions grouped into their conversations, newest first. Kept fresh by polling
 * GET /graphql with `updatedSince` (only what changed comes back) and `If-None-Match` (an
 * unchanged answer is a 304 with no body) while the screen is shown, and by the subscription for
 * each request still running.
 */
import type { Api } from "./api.ts";
import { byId, h, replaceChildren, when } from "./dom.ts";

const POLL_MS = 5000;
/** Running requests followed over their own stream at once; the rest wait for the poll. */
const MAX_LIVE = 3;

const LIVE = `subscription($id: ID!) {
  analysisRequestUpdates(requestId: $id) { id prompt status conversationId createdAt updatedAt result { summary } }
}`;

const HISTORY = `query($since: DateTime) {
  listAnalysisRequests(first: 50, updatedSince: $since) {
    edges { node { id prompt status conversationId createdAt updatedAt result { summary } } }
  }
}`;

interface Row {
  id: string;
  prompt: string;
  status: string;
  conversationId: string;
  createdAt: string;
  updatedAt: string;
  result: { summary: string } | null;
}

export interface HistoryScreen {
  show(): void;
  hide(): void;
}

export function historyScreen(api: Api, open: (requestId: string) => void): HistoryScreen {
  const list = byId("history-list");
  const rows = new Map<string, Row>();
  let etag: string | null = null;
  let since: string | null = null;
  let timer: number | undefined;
  let visible = false;
  /** Requests still running, followed live while the screen is shown. */
  const live = new Map<string, () => void>();

  const follow = () => {
    for (const row of rows.values()) {
      // A browser opens 6 connections to one host: streams past a few are left to the poll.
      if (live.size >= MAX_LIVE) return;
      if (live.has(row.id) || ["COMPLETED", "FAILED", "CANCELLED"].includes(row.status)) continue;
      live.set(
        row.id,
        api.subscribe<{ analysisRequestUpdates: Row }>(LIVE, { id: row.id }, {
          next: (data) => {
            rows.set(row.id, data.analysisRequestUpdates);
            render();
          },
          // The poll goes on either way; a failed stream only means waiting for it.
          error: () => live.delete(row.id),
          complete: () => live.delete(row.id),
        }),
      );
    }
  };

  const render = () => {
    if (!rows.size) {
      replaceChildren(
        list,
        h("p", { class: "muted" }, "No questions yet: ask one on the Ask screen."),
      );
      return;
    }
    const threads = new Map<string, Row[]>();
    for (const row of rows.values()) {
      threads.set(row.conversationId, [...(threads.get(row.conversationId) ?? []), row]);
    }
    const latest = (t: Row[]) => t.reduce((m, r) => (r.updatedAt > m ? r.updatedAt : m), "");
    const ordered = [...threads.values()].sort((a, b) => latest(b).localeCompare(latest(a)));
    replaceChildren(
      list,
      h(
        "ul",
        { class: "plain" },
        ...ordered.map((thread) => {
          thread.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
          const title = thread[0]!.prompt.slice(0, 80);
          return h(
            "li",
            { class: "thread", "data-conversation-id": thread[0]!.conversationId },
            h("strong", {}, title),
            h(
              "span",
              { class: "muted" },
              ` · ${thread.length} question${thread.length > 1 ? "s" : ""}`,
            ),
            h(
              "ol",
              {},
              ...thread.map((r) => {
                const link = h("button", { type: "button", class: "link" }, r.prompt);
                link.addEventListener("click", () => open(r.id));
                return h(
                  "li",
                  { "data-request-id": r.id },
                  link,
                  " ",
                  h("span", { class: `status ${r.status}` }, r.status),
                  h("span", { class: "muted" }, ` ${when(r.createdAt)}`),
                  r.result ? h("div", { class: "muted" }, r.result.summary.slice(0, 160)) : null,
                );
              }),
            ),
          );
        }),
      ),
    );
  };

  const poll = async () => {
    try {
      const changed = await api.poll<{ listAnalysisRequests: { edges: Array<{ node: Row }> } }>(
        HISTORY,
        { since },
        etag,
      );
      if (changed) {
        etag = changed.etag;
        for (const { node } of changed.data.listAnalysisRequests.edges) {
          rows.set(node.id, node);
          if (!since || node.updatedAt > since) since = node.updatedAt;
        }
        render();
        follow();
      }
      list.removeAttribute("data-error");
    } catch (error) {
      list.setAttribute("data-error", (error as Error).message);
    }
    if (visible) timer = setTimeout(poll, POLL_MS);
  };

  return {
    show() {
      visible = true;
      clearTimeout(timer);
      if (!rows.size) replaceChildren(list, h("p", { class: "muted" }, "Loading…"));
      void poll();
    },
    hide() {
      visible = false;
      clearTimeout(timer);
      for (const stop of live.values()) stop();
      live.clear();
    },
  };
}
