/**
 * Store: the linked stores and how far their mirror has synced, what Alatar noticed on its own
 * (insights), and the merchant's settings (the model that writes answers, notifications, quiet
 * hours).
 */
import type { Api } from "./api.ts";
import { formatAmount } from "../../metrics/format.ts";
import { byId, h, replaceChildren, when } from "./dom.ts";

const count = (n: number) => formatAmount(n, "count");

const STORE = `query {
  me { email preferences { preferredLlm notificationsEnabled quietHoursStart quietHoursEnd } }
  linkedAccounts {
    id accountIdentifier status syncStatus lastSyncedAt syncError
    mirror { orders products customers }
    returnPolicy { returnWindowDays finalSaleTags allowedReasons restockingFeePercent }
  }
  insights(first: 10) { unreadCount edges { node { id kind severity title summary createdAt readAt } } }
}`;

const SAVE = `mutation($llm: String, $notify: Boolean, $from: Int, $to: Int) {
  updatePreferences(preferredLlm: $llm, notificationsEnabled: $notify, quietHoursStart: $from, quietHoursEnd: $to) {
    preferences { preferredLlm } userErrors { message }
  }
}`;

const SAVE_POLICY =
  `mutation($id: ID!, $days: Int, $tags: [String!], $reasons: [String!], $fee: Float) {
  updateReturnPolicy(linkedAccountId: $id, returnWindowDays: $days, finalSaleTags: $tags,
                     allowedReasons: $reasons, restockingFeePercent: $fee) {
    returnPolicy { returnWindowDays } userErrors { message field }
  }
}`;

const REASONS: Record<string, string> = {
  damaged: "Arrived damaged",
  defective: "Defective",
  wrong_item: "Wrong item sent",
  not_as_described: "Not as described",
  size_or_fit: "Size or fit",
  changed_mind: "Changed their mind",
};

const MARK_READ =
  `mutation($id: ID!) { markInsightRead(id: $id) { insight { id readAt } userErrors { message } } }`;

interface StoreData {
  me: {
    email: string;
    preferences: {
      preferredLlm: string | null;
      notificationsEnabled: boolean;
      quietHoursStart: number;
      quietHoursEnd: number;
    };
  };
  linkedAccounts: Array<{
    id: string;
    accountIdentifier: string;
    status: string;
    syncStatus: string;
    lastSyncedAt: string | null;
    syncError: string | null;
    mirror: { orders: number; products: number; customers: number };
    returnPolicy: ReturnPolicy;
  }>;
  insights: {
    unreadCount: number;
    edges: Array<{
      node: {
        id: string;
        kind: string;
        severity: string;
        title: string;
        summary: string;
        createdAt: string;
        readAt: string | null;
      };
    }>;
  };
}

interface ReturnPolicy {
  returnWindowDays: number;
  finalSaleTags: string[];
  allowedReasons: string[];
  restockingFeePercent: number;
}

const MODELS = ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4", "google/gemini-2.5-flash"];

function hourSelect(id: string, label: string, value: number) {
  const select = h("select", { id, name: id });
  for (let hour = 0; hour < 24; hour++) {
    const option = h("option", { value: String(hour) }, `${String(hour).padStart(2, "0")}:00`);
    option.selected = hour === value;
    select.append(option);
  }
  return [h("label", { for: id }, label), select] as const;
}

/** Saves on submit with `save`, and says in `status` how it went: "Saved." or why not. */
function onSave(
  form: HTMLFormElement,
  status: HTMLElement,
  save: () => Promise<{ message: string } | undefined>,
) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const problem = await save();
      status.className = problem ? "error" : "ok";
      status.textContent = problem?.message ?? "Saved.";
    } catch (error) {
      status.className = "error";
      status.textContent = (error as Error).message;
    }
  });
}

/** The store's returns policy, which refunds are checked against, as a form. */
function returnPolicyForm(api: Api, storeId: string, policy: ReturnPolicy): HTMLElement {
  const id = (name: string) => `policy-${storeId}-${name}`;
  const days = h("input", {
    id: id("days"),
    type: "number",
    min: "0",
    max: "365",
    value: String(policy.returnWindowDays),
  });
  const fee = h("input", {
    id: id("fee"),
    type: "number",
    min: "0",
    max: "100",
    step: "0.01",
    value: String(policy.restockingFeePercent),
  });
  const tags = h("input", { id: id("tags"), value: policy.finalSaleTags.join(", ") });
  const reasons = Object.entries(REASONS).map(([reason, label]) => {
    const box = h("input", { type: "checkbox", id: id(reason), value: reason });
    box.checked = policy.allowedReasons.includes(reason);
    return h("div", { class: "row" }, box, h("label", { for: id(reason) }, label));
  });
  const status = h("p", { role: "status" });
  const form = h(
    "form",
    { class: "return-policy", "aria-label": "Returns policy" },
    h("h4", {}, "Returns policy"),
    h("label", { for: id("days") }, "Return window (days)"),
    days,
    h("label", { for: id("fee") }, "Restocking fee (%) when the customer changed their mind"),
    fee,
    h("label", { for: id("tags") }, "Final-sale product tags (comma-separated)"),
    tags,
    h("fieldset", {}, h("legend", {}, "Reasons a return is accepted for"), ...reasons),
    h("div", { class: "row" }, h("button", { type: "submit" }, "Save returns policy")),
    status,
  );
  onSave(form, status, async () => {
    const data = await api.query<{
      updateReturnPolicy: { userErrors: Array<{ message: string }> };
    }>(SAVE_POLICY, {
      id: storeId,
      days: Number(days.value),
      fee: Number(fee.value),
      tags: tags.value.split(",").map((t) => t.trim()).filter(Boolean),
      reasons: [...form.querySelectorAll<HTMLInputElement>("fieldset input:checked")].map((b) =>
        b.value
      ),
    });
    return data.updateReturnPolicy.userErrors[0];
  });
  return form;
}

export function storeScreen(api: Api): { show(): Promise<void> } {
  const container = byId("store-list");

  const settings = (p: StoreData["me"]["preferences"]) => {
    const model = h("input", {
      id: "preferred-llm",
      name: "preferred-llm",
      list: "models",
      value: p.preferredLlm ?? "",
      placeholder: "The deployment's default",
    });
    const notify = h("input", { id: "notifications", type: "checkbox", name: "notifications" });
    notify.checked = p.notificationsEnabled;
    const status = h("p", { role: "status" });
    const form = h(
      "form",
      { id: "settings-form" },
      h("label", { for: "preferred-llm" }, "Model that writes answers"),
      model,
      h("datalist", { id: "models" }, ...MODELS.map((m) => h("option", { value: m }))),
      h(
        "div",
        { class: "row" },
        notify,
        h("label", { for: "notifications" }, "Notify me about insights"),
      ),
      ...hourSelect("quiet-from", "Quiet hours from", p.quietHoursStart),
      ...hourSelect("quiet-to", "Quiet hours until", p.quietHoursEnd),
      h(
        "div",
        { class: "row" },
        h("button", { class: "primary", type: "submit" }, "Save settings"),
      ),
      status,
    );
    onSave(form, status, async () => {
      const data = await api.query<{
        updatePreferences: { userErrors: Array<{ message: string }> };
      }>(SAVE, {
        llm: model.value.trim() || null,
        notify: notify.checked,
        from: Number(byId<HTMLSelectElement>("quiet-from").value),
        to: Number(byId<HTMLSelectElement>("quiet-to").value),
      });
      return data.updatePreferences.userErrors[0];
    });
    return form;
  };

  return {
    async show() {
      try {
        const data = await api.query<StoreData>(STORE);
        const stores = data.linkedAccounts.map((a) =>
          h(
            "li",
            { "data-store": a.accountIdentifier },
            h("strong", {}, a.accountIdentifier),
            " ",
            h("span", {
              class: `status ${
                a.syncStatus === "READY"
                  ? "COMPLETED"
                  : a.syncStatus === "FAILED"
                  ? "FAILED"
                  : "PROCESSING"
              }`,
            }, a.syncStatus),
            h(
              "div",
              { class: "muted" },
              `${count(a.mirror.orders)} orders · ${count(a.mirror.products)} products · ${
                count(a.mirror.customers)
              } customers`,
              a.lastSyncedAt ? ` · synced ${when(a.lastSyncedAt)}` : "",
            ),
            a.syncError ? h("div", { class: "error" }, a.syncError) : null,
            returnPolicyForm(api, a.id, a.returnPolicy),
          )
        );
        const insights = data.insights.edges.map(({ node }) => {
          const item = h(
            "li",
            { "data-insight-id": node.id },
            h("strong", {}, node.title),
            " ",
            h("span", { class: "status" }, node.severity),
            h("div", {}, node.summary),
            h("div", { class: "muted" }, when(node.createdAt)),
          );
          if (!node.readAt) {
            const read = h("button", { type: "button" }, "Mark read");
            read.addEventListener("click", async () => {
              read.disabled = true;
              await api.query(MARK_READ, { id: node.id }).catch(() => read.disabled = false);
              read.remove();
            });
            item.append(read);
          }
          return item;
        });
        replaceChildren(
          container,
          h("h3", {}, "Linked stores"),
          stores.length
            ? h("ul", { class: "plain" }, ...stores)
            : h("p", { class: "muted" }, "No store linked yet."),
          h("h3", {}, `Insights (${data.insights.unreadCount} unread)`),
          insights.length ? h("ul", { class: "plain" }, ...insights) : h(
            "p",
            { class: "muted" },
            "Nothing noticed yet: Alatar checks your stores every day.",
          ),
          h("h3", {}, "Settings"),
          settings(data.me.preferences),
        );
      } catch (error) {
        replaceChildren(
          container,
          h("p", { class: "error", role: "alert" }, (error as Error).message),
        );
      }
    },
  };
}
