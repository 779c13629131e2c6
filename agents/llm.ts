/**
 * The language model: `ChatOpenAI` pointed at OpenRouter (any OpenAI-compatible
 * server), or none at all. With no key configured the planner and writer run
 * offline (rules and templates), and results say so in `result.model`.
 *
 * Every call has a timeout and a bounded number of retries, and its latency
 * and token usage are logged. The model never computes a number: it plans
 * and it words facts that code computed.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseMessage } from "@langchain/core/messages";
import { ChatOpenAI } from "@langchain/openai";
import type { Logger } from "../log/logger.ts";
import { inSpan } from "../log/tracing.ts";

export interface LlmConfig {
  apiKey: string | undefined;
  /** The default model; a user's `preferredLlm` overrides it. */
  model: string;
  baseUrl: string;
  /** Per call, in ms. */
  timeoutMs?: number;
  /** LangChain's own retries after the first attempt (network errors, 429, 5xx). */
  maxRetries?: number;
  /** Shown to OpenRouter (`HTTP-Referer`). */
  appUrl?: string;
}

/** What wrote the words of a result when no model is configured. */
export const OFFLINE_MODEL = "offline (rules and templates)";

/** A named chat model, or null to run offline. */
export interface ChosenModel {
  name: string;
  model: BaseChatModel;
}

/** The user's preferred model when one is set, else the configured default; null with no key. */
export function chooseModel(config: LlmConfig, preferredLlm: string | null): ChosenModel | null {
  if (!config.apiKey) return null;
  const name = preferredLlm?.trim() || config.model;
  const model = new ChatOpenAI({
    model: name,
    apiKey: config.apiKey,
    temperature: 0,
    timeout: config.timeoutMs ?? 30_000,
    maxRetries: config.maxRetries ?? 2,
    configuration: {
      baseURL: config.baseUrl,
      defaultHeaders: {
        ...(config.appUrl ? { "HTTP-Referer": config.appUrl } : {}),
        "X-Title": "Alatar",
      },
    },
  });
  return { name, model };
}

/** The text of a model's reply, whether it came as a string or as content parts. */
export function textOf(message: BaseMessage): string {
  const content = message.content;
  if (typeof content === "string") return content;
  return content.map((part) => ("text" in part && typeof part.text === "string" ? part.text : ""))
    .join("");
}

/** Calls the model once, logging latency and token usage (never the prompt: it holds shop data). */
export async function callModel(
  chosen: ChosenModel,
  messages: BaseMessage[],
  log: Logger,
  purpose: string,
): Promise<string> {
  const started = performance.now();
  // A span with the GenAI conventions' names: model and tokens, never the messages.
  const { reply, usage } = await inSpan(`llm ${purpose}`, {
    "gen_ai.operation.name": "chat",
    "gen_ai.request.model": chosen.name,
    "alatar.llm.purpose": purpose,
  }, async (span) => {
    const reply = await chosen.model.invoke(messages);
    const usage = "usage_metadata" in reply ? reply.usage_metadata : undefined;
    if (usage) {
      span.setAttributes({
        "gen_ai.usage.input_tokens": usage.input_tokens,
        "gen_ai.usage.output_tokens": usage.output_tokens,
      });
    }
    return { reply, usage };
  });
  log.info("llm call", {
    purpose,
    model: chosen.name,
    ms: Math.round(performance.now() - started),
    input_tokens: usage?.input_tokens ?? null,
    output_tokens: usage?.output_tokens ?? null,
  });
  return textOf(reply);
}

/**
 * The first JSON object in a reply: models wrap JSON in prose or code fences
 * even when told not to. Parsing is only the first step; callers validate
 * the value with zod.
 */
export function jsonIn(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text)?.[1];
  const candidate = fenced ?? text;
  const start = candidate.indexOf("{");
  const end = candidate.lastIndexOf("}");
  if (start < 0 || end <= start) throw new SyntaxError("the reply holds no JSON object");
  return JSON.parse(candidate.slice(start, end + 1));
}
