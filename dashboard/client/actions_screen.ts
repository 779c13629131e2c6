/** Actions: every proposed action with its decision, and the audit log of what was done. */
import { ACTION_FIELDS, actionCard, type ProposedAction } from "./actions.ts";
import type { Api } from "./api.ts";
import { byId, h, replaceChildren, when } from "./dom.ts";

const ACTIONS = `query {
  proposedActions(first: 50) { edges { node { ${ACTION_FIELDS} } } }
  auditLog(first: 25) { edges { node { id actor action entityType beforeStatus afterStatus createdAt } } }
}`;

interface AuditEntry {
  id: string;
  actor: string;
  action: string;
  entityType: string | null;
  beforeStatus: string | null;
  afterStatus: string | null;
  createdAt: string;
}

export function actionsScreen(api: Api): { show(): Promise<void> } {
  const list = byId("action-list");
  const audit = byId("audit-list");
  return {
    async show() {
      try {
        const data = await api.query<{
          proposedActions: { edges: Array<{ node: ProposedAction }> };
          auditLog: { edges: Array<{ node: AuditEntry }> };
        }>(ACTIONS);
        const actions = data.proposedActions.edges.map((e) => e.node);
        replaceChildren(
          list,
          actions.length
            ? h("ul", { class: "plain" }, ...actions.map((a) => actionCard(api, a)))
            : h(
              "p",
              { class: "muted" },
              "Nothing proposed yet. Answers propose actions when one would help.",
            ),
        );
        replaceChildren(
          audit,
          h(
            "ul",
            { class: "plain" },
            ...data.auditLog.edges.map(({ node }) =>
              h(
                "li",
                {},
                h("strong", {}, node.action),
                ` by ${node.actor.toLowerCase()}`,
                node.afterStatus ? ` · ${node.beforeStatus ?? "—"} → ${node.afterStatus}` : null,
                h("span", { class: "muted" }, ` · ${when(node.createdAt)}`),
              )
            ),
          ),
        );
      } catch (error) {
        replaceChildren(list, h("p", { class: "error", role: "alert" }, (error as Error).message));
      }
    },
  };
}
