/**
 * A local OpenAI-compatible chat completions server, so the real `ChatOpenAI`
 * HTTP path (base URL, headers, timeouts, JSON replies, usage) runs in tests.
 * `reply` scripts the assistant's answer from the request; every request is
 * kept for assertions.
 */
import { freePort } from "../../db/embedded.ts";

export interface ChatRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
  headers: Headers;
}

export function startOpenAiServer(reply: (request: ChatRequest) => string) {
  const requests: ChatRequest[] = [];
  const port = freePort();
  const server = Deno.serve({ port, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    if (req.method !== "POST" || url.pathname !== "/v1/chat/completions") {
      return Response.json({ error: { message: "not found" } }, { status: 404 });
    }
    const body = await req.json();
    const request: ChatRequest = {
      model: body.model,
      messages: body.messages,
      headers: req.headers,
    };
    requests.push(request);
    const content = reply(request);
    return Response.json({
      id: `chatcmpl-${requests.length}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
      usage: { prompt_tokens: 120, completion_tokens: 40, total_tokens: 160 },
    });
  });
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => server.shutdown(),
  };
}

/** Which of our prompts a request carries. */
export function purposeOf(request: ChatRequest): "plan" | "write" | "other" {
  const system = request.messages.find((m) => m.role === "system")?.content ?? "";
  if (system.startsWith("You plan the analysis")) return "plan";
  if (system.startsWith("You are Alatar")) return "write";
  return "other";
}
