/** The few DOM helpers the screens share: build an element, find one by id, empty one. */

type Child = Node | string | number | null | undefined | false;

/**
 * `h("p", { class: "muted" }, "text", child)`. Attributes are set as attributes (never as
 * markup), so text from the API can never become HTML.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) element.setAttribute(name, "");
    else if (typeof value === "string") element.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "number" ? String(child) : child);
  }
  return element;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The page has no #${id}`);
  return element as T;
}

export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren(
    ...children.filter((c): c is Node | string | number =>
      c !== null && c !== undefined && c !== false
    )
      .map((c) => typeof c === "number" ? String(c) : c),
  );
}

/** "5 Dec, 14:02" in the browser's language and time. */
export function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** A confirmation in the page's dialog; resolves true when the merchant confirms. */
export function confirmDialog(title: string, text: string, okLabel: string): Promise<boolean> {
  const dialog = byId<HTMLDialogElement>("confirm");
  byId("confirm-title").textContent = title;
  byId("confirm-text").textContent = text;
  byId("confirm-ok").textContent = okLabel;
  const form = dialog.querySelector("form")!;
  dialog.showModal();
  return new Promise((resolve) => {
    // Decided at the button's click (the form's submit), not at the dialog's close event, which
    // Chromium delays in a page that is not shown. Escape closes it without a submit: no.
    const submitted = (event: SubmitEvent) => {
      dialog.removeEventListener("close", dismissed);
      resolve((event.submitter as HTMLButtonElement | null)?.value === "ok");
    };
    const dismissed = () => {
      form.removeEventListener("submit", submitted);
      resolve(false);
    };
    form.addEventListener("submit", submitted, { once: true });
    dialog.addEventListener("close", dismissed, { once: true });
  });
}
