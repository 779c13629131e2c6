/**
 * The dashboard's script: reads the page's configuration, signs in (standalone) or uses the Shopify
 * session (embedded), and runs the four screens, one shown at a time by the URL's hash.
 */
import { actionsScreen } from "./actions_screen.ts";
import { createApi } from "./api.ts";
import { askScreen } from "./ask_screen.ts";
import { byId, h, replaceChildren } from "./dom.ts";
import { historyScreen } from "./history_screen.ts";
import { Session, type SignedIn } from "./session.ts";
import { storeScreen } from "./store_screen.ts";

interface PageConfig {
  embedded: { shop: string; host: string; idToken: string } | null;
}

const config = JSON.parse(byId("alatar-config").textContent ?? "{}") as PageConfig;

const AUTH_FIELDS =
  "accessToken accessTokenExpiresAt refreshToken user { email } userErrors { message code }";
const LOGIN =
  `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { ${AUTH_FIELDS} } }`;
const REFRESH =
  `mutation($token: String!) { refreshToken(refreshToken: $token) { ${AUTH_FIELDS} } }`;
const LOGOUT = "mutation { logout { success } }";

interface AuthPayload {
  accessToken: string | null;
  accessTokenExpiresAt: string | null;
  refreshToken: string | null;
  user: { email: string } | null;
  userErrors: Array<{ message: string }>;
}

const signedInFrom = (p: AuthPayload): SignedIn | null =>
  p.accessToken && p.accessTokenExpiresAt && p.refreshToken
    ? {
      accessToken: p.accessToken,
      accessTokenExpiresAt: p.accessTokenExpiresAt,
      refreshToken: p.refreshToken,
      email: p.user?.email ?? "",
    }
    : null;

const session = new Session(config.embedded, async (refreshToken) => {
  const data = await api.anonymous<{ refreshToken: AuthPayload }>(REFRESH, { token: refreshToken });
  return signedInFrom(data.refreshToken);
});

// Signing in: one dialog, however many requests are waiting for it.
const dialog = byId<HTMLDialogElement>("sign-in");
let waiting: Array<() => void> = [];
function signIn(reason: string): Promise<void> {
  byId("sign-in-reason").textContent = reason;
  if (!dialog.open) {
    dialog.showModal();
    // Signing in again: the address is known, only the password is asked for.
    if (byId<HTMLInputElement>("email").value) byId("password").focus();
  }
  return new Promise((resolve) => waiting.push(resolve));
}
// The dialog cannot be dismissed: every screen needs a session.
dialog.addEventListener("cancel", (event) => event.preventDefault());
byId<HTMLFormElement>("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target as HTMLFormElement;
  const error = byId("sign-in-error");
  const button = form.querySelector<HTMLButtonElement>("button[type=submit]")!;
  button.disabled = true;
  try {
    const data = await api.anonymous<{ login: AuthPayload }>(LOGIN, {
      email: byId<HTMLInputElement>("email").value,
      password: byId<HTMLInputElement>("password").value,
    });
    const started = signedInFrom(data.login);
    if (!started) {
      error.textContent = data.login.userErrors[0]?.message ?? "Sign-in failed.";
      return;
    }
    session.start(started);
    error.textContent = "";
    byId<HTMLInputElement>("password").value = "";
    dialog.close();
    showWho();
    const resume = waiting;
    waiting = [];
    resume.forEach((r) => r());
  } catch (e) {
    error.textContent = (e as Error).message;
  } finally {
    button.disabled = false;
  }
});

const api = createApi(session, signIn);

function showWho() {
  const who = byId("who");
  if (config.embedded) return;
  const signOut = h("button", { type: "button", class: "link" }, "Sign out");
  signOut.addEventListener("click", async () => {
    await api.query(LOGOUT).catch(() => {});
    session.end();
    replaceChildren(who);
    location.reload();
  });
  replaceChildren(who, `${session.email ?? ""} · `, signOut);
}

// The admin's session token stays out of the address bar (and so out of bookmarks and history).
if (config.embedded && new URLSearchParams(location.search).has("id_token")) {
  const url = new URL(location.href);
  url.searchParams.delete("id_token");
  history.replaceState(null, "", url);
}

const ask = askScreen(api);
const screens = {
  ask: { show: () => {}, hide: () => {} },
  actions: { ...actionsScreen(api), hide: () => {} },
  history: historyScreen(api, (id) => {
    location.hash = "#ask";
    void ask.open(id);
  }),
  store: { ...storeScreen(api), hide: () => {} },
};
type ScreenName = keyof typeof screens;

function route() {
  const name = (location.hash.slice(1) || "ask") as ScreenName;
  const current: ScreenName = name in screens ? name : "ask";
  for (const key of Object.keys(screens) as ScreenName[]) {
    byId(key).hidden = key !== current;
    if (key !== current) screens[key].hide();
    const link = document.querySelector(`nav a[href="#${key}"]`);
    if (key === current) link?.setAttribute("aria-current", "page");
    else link?.removeAttribute("aria-current");
  }
  if (session.signedIn) void screens[current].show();
}
addEventListener("hashchange", route);
// The tab of the screen shown reads it again (a hash that does not change fires no event).
for (const link of document.querySelectorAll<HTMLAnchorElement>("nav a")) {
  link.addEventListener("click", () => {
    if (link.hash === location.hash) route();
  });
}

if (!session.signedIn) await signIn("");
route();
document.body.dataset.ready = "true";
