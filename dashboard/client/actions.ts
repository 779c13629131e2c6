/**
 * A proposed action as the merchant decides it: what it is, what approving will do (the API's
 * plain-words preview), and Approve / Reject behind a confirmation. Each decision carries a fresh
 * client key, so a retry after a dropped connection is answered with the first outcome; of two
 * tabs approving at once, the API runs the action once and both show how it ended.
 */
import type { Api } from "./api.ts";
import { confirmDialog, h, when } from "./dom.ts";

export const ACTION_FIELDS =
  "id description preview status actionType shop executionResult createdAt updatedAt";

export interface ProposedAction {
  id: string;
  description: string;
  preview: string;
  status: string;
  actionType: string;
  shop: string | null;
  executionResult: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
}

interface DecisionPayload {
  success: boolean;
  proposedAction: ProposedAction | null;
  userErrors: Array<{ message: string; code: string }>;
}

const DECIDE = (mutation: "userApprovesAction" | "userRejectsAction") =>
  `mutation($actionId: ID!, $key: String) {
    ${mutation}(actionId: $actionId, clientMutationId: $key) {
      success userErrors { message code } proposedAction { ${ACTION_FIELDS} }
    }
  }`;

const CHANGED = `query($since: DateTime) {
  proposedActions(first: 100, updatedSince: $since) { edges { node { ${ACTION_FIELDS} } } }
}`;

/** `action` as it is now (unchanged when it has not changed). */
async function reread(api: Api, action: ProposedAction): Promise<ProposedAction> {
  const data = await api.query<{ proposedActions: { edges: Array<{ node: ProposedAction }> } }>(
    CHANGED,
    { since: action.updatedAt },
  );
  return data.proposedActions.edges.find((e) => e.node.id === action.id)?.node ?? action;
}

/** Reads `action` until its run has ended (EXECUTED or FAILED). */
async function settle(api: Api, action: ProposedAction): Promise<ProposedAction> {
  let current = action;
  for (let tries = 0; tries < 60 && ["APPROVED", "EXECUTING"].includes(current.status); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    current = await reread(api, current);
  }
  return current;
}

/** What the store now has, from the execution result's plain fields (ids, codes, totals). */
function outcomeOf(action: ProposedAction): string | null {
  if (action.status === "REJECTED") return "Rejected: nothing was changed.";
  const result = action.executionResult ?? {};
  const parts = Object.entries(result)
    .filter(([, value]) => typeof value === "string" || typeof value === "number")
    .map(([key, value]) => `${key}: ${value}`);
  if (action.status === "EXECUTED") return `Done. ${parts.join(" · ")}`.trim();
  if (action.status === "FAILED") {
    return `It did not run: ${String(result.message ?? result.error ?? "see the audit log")}`;
  }
  return null;
}

export function actionCard(api: Api, action: ProposedAction, message?: string): HTMLElement {
  const outcome = outcomeOf(action);
  const card = h(
    "li",
    { class: "action", "data-action-id": action.id, "data-status": action.status },
    h(
      "div",
      { class: "row" },
      h("strong", {}, action.description),
      h("span", { class: `status ${action.status}` }, action.status),
    ),
    h("p", {}, action.preview),
    h(
      "p",
      { class: "muted" },
      `${action.shop ?? "Store unlinked"} · proposed ${when(action.createdAt)}`,
    ),
    outcome ? h("p", { class: action.status === "EXECUTED" ? "ok" : "muted" }, outcome) : null,
    message ? h("p", { class: "error", role: "alert" }, message) : null,
  );
  if (action.status === "PROPOSED") {
    const approve = h("button", { class: "primary", type: "button" }, "Approve");
    const reject = h("button", { type: "button" }, "Reject");
    const decide = async (approving: boolean) => {
      const confirmed = await confirmDialog(
        approving ? "Approve this action?" : "Reject this action?",
        approving ? action.preview : `${action.description} will not run.`,
        approving ? "Approve and run" : "Reject",
      );
      if (!confirmed) return;
      approve.disabled = reject.disabled = true;
      const mutation = approving ? "userApprovesAction" : "userRejectsAction";
      try {
        const data = await api.query<Record<string, DecisionPayload>>(DECIDE(mutation), {
          actionId: action.id,
          key: crypto.randomUUID(),
        });
        const payload = data[mutation]!;
        // A refusal carries no action: decided elsewhere (another tab), it is read as it is now.
        const now = payload.proposedAction ?? await reread(api, action);
        const next = actionCard(api, now, payload.userErrors[0]?.message);
        card.replaceWith(next);
        // Approved in another tab a moment ago: its run is still going; show how it ends.
        if (now.status === "APPROVED" || now.status === "EXECUTING") {
          const settled = await settle(api, now);
          next.replaceWith(actionCard(api, settled, payload.userErrors[0]?.message));
        }
      } catch (error) {
        card.replaceWith(actionCard(api, action, (error as Error).message));
      }
    };
    approve.addEventListener("click", () => decide(true));
    reject.addEventListener("click", () => decide(false));
    card.append(h("div", { class: "row" }, approve, reject));
  }
  return card;
}
