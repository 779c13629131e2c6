/**
 * `deno task ask "question"`: a terminal client of the running API. Signs in
 * (the demo account unless `--email`/`--password` are given), submits the
 * question, shows progress as it advances (streamed over `/graphql/stream`),
 * then prints the answer, its
 * figures and charts, and the actions proposed for approval.
 *
 * Options: `--url` (default `ALATAR_URL` or http://127.0.0.1:8000),
 * `--email`, `--password`, `--account <linked account id>`, `--json`.
 * Each question continues the conversation the last one asked in, so a
 * follow-up ("and the week before?") is read against it; `--new` starts a new
 * conversation (cli/conversation_state.ts).
 * Deciding on what it proposed: `--approve <action id>`, `--reject <action
 * id>`, and `--audit` to list the latest audit entries.
 */
import { parseArgs } from "node:util";
import { createClient } from "graphql-sse";
import { DEMO_EMAIL, DEMO_PASSWORD } from "../auth/demo_account.ts";
import { decideAction, printAudit } from "./decide.ts";
import {
  conversationFile,
  forgetConversation,
  openConversation,
  rememberConversation,
} from "./conversation_state.ts";
import { progressBar, renderVisualization, type Visualization } from "./render.ts";

const FIELDS = `id status progress { stage percent } errorMessage errorCode
  result {
    summary speech model currency visualizations { type title data }
    interpretation { text answerable assumptions }
  }
  proposedActions { id description preview actionType parameters status }`;

const TERMINAL = new Set(["COMPLETED", "FAILED", "CANCELLED"]);

export async function ask(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      url: { type: "string", default: Deno.env.get("ALATAR_URL") ?? "http://127.0.0.1:8000" },
      email: { type: "string", default: DEMO_EMAIL },
      password: { type: "string", default: DEMO_PASSWORD },
      account: { type: "string" },
      json: { type: "boolean", default: false },
      approve: { type: "string" },
      reject: { type: "string" },
      audit: { type: "boolean", default: false },
      new: { type: "boolean", default: false },
    },
  });
  const question = positionals.join(" ").trim();
  const deciding = values.approve ?? values.reject;
  if (!question && !deciding && !values.audit) {
    console.error(
      'Usage: deno task ask "Why did sales drop last week?" [--new] [--url …] [--email …]\n' +
        "       deno task ask --approve <action id> | --reject <action id> | --audit",
    );
    return 2;
  }
  const call = async (
    query: string,
    variables: Record<string, unknown>,
    token?: string,
    // deno-lint-ignore no-explicit-any
  ): Promise<any> => {
    const res = await fetch(`${values.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = await res.json();
    if (body.errors?.length) throw new Error(body.errors[0].message);
    return body.data;
  };

  let login;
  try {
    login = (await call(
      `mutation($e: String!, $p: String!) { login(email: $e, password: $p) {
         accessToken userErrors { code message } } }`,
      { e: values.email, p: values.password },
    )).login;
  } catch (error) {
    console.error(`Cannot reach Alatar at ${values.url}: ${(error as Error).message}`);
    console.error("Start it with `deno task start` (or pass --url).");
    return 1;
  }
  if (login.userErrors.length) {
    console.error(`Sign-in failed: ${login.userErrors[0].message}`);
    return 1;
  }
  const token: string = login.accessToken;
  try {
    if (values.approve) return await decideAction(call, token, "approve", values.approve);
    if (values.reject) return await decideAction(call, token, "reject", values.reject);
    if (values.audit) return await printAudit(call, token);
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
  const file = conversationFile();
  const key = `${values.url} ${values.email}`;
  if (values.new) await forgetConversation(file, key);
  const submit = async (conversation: string | null) =>
    (await call(
      `mutation($p: String!, $a: ID, $c: ID) {
         submitAnalysisRequest(prompt: $p, linkedAccountId: $a, conversationId: $c) {
           analysisRequest { id conversationId } userErrors { code field message } } }`,
      { p: question, a: values.account ?? null, c: conversation },
      token,
    )).submitAnalysisRequest;
  const open = await openConversation(file, key);
  let submitted = await submit(open);
  if (open && submitted.userErrors[0]?.field === "conversationId") {
    // Gone (or another account's): this question starts a new one.
    submitted = await submit(null);
  }
  if (submitted.analysisRequest) {
    await rememberConversation(file, key, submitted.analysisRequest.conversationId);
    if (open === submitted.analysisRequest.conversationId && !values.json) {
      console.log("(continuing your conversation; --new starts another)");
    }
  }
  if (submitted.userErrors.length) {
    console.error(`${submitted.userErrors[0].code}: ${submitted.userErrors[0].message}`);
    return 1;
  }
  const id = submitted.analysisRequest.id;
  const interactive = Deno.stdout.isTerminal();
  const encoder = new TextEncoder();
  let last = "";
  // deno-lint-ignore no-explicit-any
  let request: any = null;
  // Live progress over the same SSE subscription the iPhone app and the dashboard use: the whole
  // request on every change, ending after a terminal status.
  const stream = createClient({
    url: `${values.url}/graphql/stream`,
    headers: { authorization: `Bearer ${token}` },
  });
  try {
    for await (
      const event of stream.iterate<{ analysisRequestUpdates: typeof request }>({
        query: `subscription($id: ID!) { analysisRequestUpdates(requestId: $id) { ${FIELDS} } }`,
        variables: { id },
      })
    ) {
      if (event.errors?.length) throw new Error(event.errors[0]!.message);
      request = event.data!.analysisRequestUpdates;
      const line = `${progressBar(request.progress.percent)} ${request.progress.stage}`;
      if (line !== last) {
        if (interactive) Deno.stdout.writeSync(encoder.encode(`\r${line.padEnd(60)}`));
        else console.log(line);
        last = line;
      }
      if (TERMINAL.has(request.status)) break;
    }
  } catch (error) {
    console.error(`\nLost the live updates of ${id}: ${(error as Error).message}`);
    return 1;
  } finally {
    stream.dispose();
  }
  if (!request || !TERMINAL.has(request.status)) {
    console.error(`\nThe live updates of ${id} ended before it finished.`);
    return 1;
  }
  if (interactive) console.log();
  if (values.json) {
    console.log(JSON.stringify(request, null, 2));
    return request.status === "COMPLETED" ? 0 : 1;
  }
  if (request.status !== "COMPLETED") {
    console.error(`\n${request.status}: ${request.errorMessage ?? "no reason given"}`);
    return 1;
  }
  const result = request.result;
  console.log(`\n${result.summary}\n`);
  const reading = result.interpretation;
  if (reading) {
    console.log(`Computed: ${reading.text}`);
    for (const assumption of reading.assumptions) console.log(`  assumed: ${assumption}`);
  }
  console.log(`Siri would say: "${result.speech}"`);
  console.log(`Words by: ${result.model} · numbers computed by Alatar from your store's data\n`);
  for (const v of result.visualizations as Visualization[]) {
    console.log(`${renderVisualization(v, result.currency)}\n`);
  }
  if (request.proposedActions.length) {
    console.log("Proposed actions (nothing runs until you approve it):");
    for (const action of request.proposedActions) {
      console.log(
        `  • ${action.preview}\n    deno task ask --approve ${action.id}   (or --reject)`,
      );
    }
  }
  return 0;
}

if (import.meta.main) Deno.exit(await ask(Deno.args));
