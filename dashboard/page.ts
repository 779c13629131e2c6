/**
 * The dashboard's HTML: the frame of every screen rendered on the server (header, the screens'
 * navigation, the question box), so the page paints before its script arrives; the script
 * (dashboard/client/) fills the screens in. Its styles are inline and allowed by their hash in the
 * page's Content-Security-Policy ({@link dashboardCsp}), so no inline style or script else runs.
 *
 * @example
 * ```ts
 * const html = dashboardPage({ scriptPath: bundle.path, embedded: null });
 * ```
 */
import { encodeBase64 } from "@oslojs/encoding";

/** Shopify's App Bridge, which an embedded app must load first from Shopify's CDN. */
export const APP_BRIDGE_URL = "https://cdn.shopify.com/shopifycloud/app-bridge.js";

export interface EmbeddedOpen {
  /** The shop's myshopify domain, checked against the session token. */
  shop: string;
  /** The admin's `host` parameter, as App Bridge wants it. */
  host: string;
  /** The session token the admin opened the page with (one minute; App Bridge renews it). */
  idToken: string;
  /** Our Shopify API key, which App Bridge reads from the page. */
  apiKey: string;
}

/** What the script reads from the page (`#alatar-config`). */
export interface PageConfig {
  embedded: { shop: string; host: string; idToken: string } | null;
}

const STYLE = `
:root{--ink:#1a1a1a;--muted:#4a4a4a;--line:#d4d4d4;--bg:#f6f6f7;--card:#fff;--accent:#005bd3;
--good:#0a6b3a;--bad:#a4232e;--warn:#7a4b00;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
*{box-sizing:border-box}body{margin:0}
header{display:flex;align-items:center;justify-content:space-between;gap:1rem;padding:.75rem 1rem;background:var(--card);border-bottom:1px solid var(--line)}
header h1{font-size:1.2rem;margin:0}#who{color:var(--muted);font-size:.9rem;overflow-wrap:anywhere}
nav ul{display:flex;gap:.25rem;margin:0;padding:.5rem 1rem;list-style:none;background:var(--card);border-bottom:1px solid var(--line);overflow-x:auto}
nav a{display:block;padding:.5rem .9rem;border-radius:8px;color:var(--ink);text-decoration:none;min-height:44px;line-height:28px}
nav a[aria-current=page]{background:#e3ecfa;color:#00347a;font-weight:600}
main{max-width:960px;margin:0 auto;padding:1rem}
section.card,article.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1rem;margin:0 0 1rem}
h2{font-size:1.1rem;margin:0 0 .75rem}h3{font-size:1rem;margin:.75rem 0 .5rem}h4{margin:.75rem 0 .25rem}
fieldset{border:1px solid var(--line);border-radius:8px;margin:.75rem 0}legend{font-weight:600}
fieldset .row{margin-top:.25rem}fieldset label{display:inline;font-weight:400;margin:0}
label{display:block;font-weight:600;margin:.5rem 0 .25rem}
textarea,input,select{width:100%;font:inherit;padding:.6rem;border:1px solid #8a8a8a;border-radius:8px;background:#fff;color:var(--ink)}
textarea{min-height:5.5rem;resize:vertical}input[type=checkbox]{width:auto;min-width:24px;min-height:24px}
button{font:inherit;min-height:44px;padding:.5rem 1rem;border-radius:8px;border:1px solid #8a8a8a;background:#fff;color:var(--ink);cursor:pointer}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff;font-weight:600}
button.danger{background:var(--bad);border-color:var(--bad);color:#fff}
button:disabled{opacity:.6;cursor:default}
.row{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center;margin-top:.75rem}
.muted{color:var(--muted)}.error{color:var(--bad)}.ok{color:var(--good)}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:.5rem}
.tile{border:1px solid var(--line);border-radius:10px;padding:.6rem}.tile .value{font-size:1.3rem;font-weight:700}
figure{margin:0 0 1rem}.chart{position:relative;height:260px}
.table-wrap{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid var(--line)}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
progress{width:100%;height:1rem}
.status{display:inline-block;padding:.1rem .5rem;border-radius:999px;font-size:.8rem;font-weight:600;background:#eee}
.status.EXECUTED,.status.COMPLETED{background:#d6f0e0;color:var(--good)}.status.FAILED,.status.REJECTED{background:#f7dada;color:var(--bad)}
.status.PROPOSED,.status.PROCESSING,.status.PENDING{background:#fdf0d0;color:var(--warn)}
ul.plain{list-style:none;margin:0;padding:0}ul.plain li{padding:.6rem 0;border-bottom:1px solid var(--line);overflow-wrap:anywhere}
dialog{border:1px solid var(--line);border-radius:12px;max-width:min(420px,92vw);padding:1.25rem}
dialog::backdrop{background:rgba(0,0,0,.35)}
a{color:var(--accent)}.link{background:none;border:none;color:var(--accent);padding:0;min-height:0;text-decoration:underline}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
[hidden]{display:none!important}
`.trim();

/** The CSP source that allows exactly the inline styles above. */
export const STYLE_HASH = `'sha256-${
  encodeBase64(
    new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(STYLE)),
    ),
  )
}'`;

/**
 * The page's Content-Security-Policy. Embedded, the Shopify admin of that shop (and only it) may
 * frame it; standalone nobody may.
 */
export function dashboardCsp(embeddedShop: string | null): string {
  const cdn = embeddedShop ? " https://cdn.shopify.com" : "";
  return [
    "default-src 'self'",
    `script-src 'self'${cdn}`,
    `style-src 'self' ${STYLE_HASH}${cdn}`,
    "img-src 'self' data:",
    `connect-src 'self'${embeddedShop ? " https://*.shopify.com" : ""}`,
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
    `frame-ancestors ${
      embeddedShop ? `https://${embeddedShop} https://admin.shopify.com` : "'none'"
    }`,
  ].join("; ");
}

export const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

/** JSON inside a script element: `<` escaped, so no value can close the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");

export function dashboardPage(
  options: { scriptPath: string; embedded: EmbeddedOpen | null },
): string {
  const { embedded } = options;
  const config: PageConfig = {
    embedded: embedded
      ? { shop: embedded.shop, host: embedded.host, idToken: embedded.idToken }
      : null,
  };
  // App Bridge must come first and load synchronously (Shopify's rule for embedded apps).
  const appBridge = embedded
    ? `<meta name="shopify-api-key" content="${escapeHtml(embedded.apiKey)}">
<script src="${APP_BRIDGE_URL}"></script>`
    : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${appBridge}
<title>Alatar</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
<script type="module" src="${escapeHtml(options.scriptPath)}"></script>
</head>
<body>
<header><h1>Alatar</h1><span id="who">${
    embedded ? escapeHtml(embedded.shop) : "Your AI business analyst"
  }</span></header>
<nav aria-label="Screens"><ul>
<li><a href="#ask" aria-current="page">Ask</a></li>
<li><a href="#actions">Actions</a></li>
<li><a href="#history">History</a></li>
<li><a href="#store">Store</a></li>
</ul></nav>
<main id="main">
<section class="card" id="ask" aria-labelledby="ask-title">
<h2 id="ask-title">Ask about your store</h2>
<form id="ask-form">
<label for="question">Your question</label>
<textarea id="question" name="question" maxlength="2000" required
 placeholder="How many orders did I get in October?"></textarea>
<div class="row"><button class="primary" type="submit">Ask</button>
<button type="button" id="new-thread" class="link" hidden>Start a new conversation</button></div>
</form>
<p id="thread-note" class="muted" hidden></p>
<div id="answer" aria-live="polite"></div>
</section>
<section class="card" id="actions" aria-labelledby="actions-title" hidden>
<h2 id="actions-title">Proposed actions</h2><div id="action-list"></div>
<h2 id="audit-title">Audit log</h2><div id="audit-list"></div>
</section>
<section class="card" id="history" aria-labelledby="history-title" hidden>
<h2 id="history-title">History</h2><div id="history-list"></div>
</section>
<section class="card" id="store" aria-labelledby="store-title" hidden>
<h2 id="store-title">Store</h2><div id="store-list"></div>
</section>
</main>
<dialog id="sign-in" aria-labelledby="sign-in-title">
<form id="sign-in-form" method="dialog">
<h2 id="sign-in-title">Sign in to Alatar</h2>
<p id="sign-in-reason" class="muted"></p>
<label for="email">E-mail</label><input id="email" name="email" type="email" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<p id="sign-in-error" class="error" role="alert"></p>
<div class="row"><button class="primary" type="submit">Sign in</button></div>
</form>
</dialog>
<dialog id="confirm" aria-labelledby="confirm-title">
<form method="dialog">
<h2 id="confirm-title"></h2><p id="confirm-text"></p>
<div class="row"><button value="cancel" type="submit">Cancel</button>
<button value="ok" type="submit" class="primary" id="confirm-ok"></button></div>
</form>
</dialog>
<script type="application/json" id="alatar-config">${scriptJson(config)}</script>
</body>
</html>`;
}

/** The page instead of the dashboard when it cannot be served: the reason, and nothing else. */
export function problemPage(message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Alatar</title>
<link rel="icon" href="data:,"></head>
<body><main><h1>Alatar</h1><p role="alert">${escapeHtml(message)}</p></main></body></html>`;
}
