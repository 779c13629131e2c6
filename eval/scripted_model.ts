/**
 * `EVAL_MODEL=scripted`: the eval through the model planner's path — a
 * LangChain chat model answering the planner with the reading each question
 * is expected to have, in the JSON the planner asks for, and the writer with
 * prose (so the offline writer words the answer, as with a model that ignores
 * the format). What it measures is the path: that a model's structured reply
 * is validated and planned exactly as the parser's reading is. It says
 * nothing about how well a real model reads questions.
 */
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import type { ReadingCase } from "./questions.ts";

export class ScriptedPlanner extends BaseChatModel {
  constructor(private readonly replies: Map<string, string>) {
    super({});
  }

  _llmType(): string {
    return "scripted";
  }

  _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const last = String(messages.at(-1)?.content ?? "");
    const question = /Question: ([\s\S]*)$/.exec(last)?.[1]?.trim();
    const text = question === undefined
      ? "Here is what I found." // the writer's call
      : this.replies.get(question) ?? "I am not sure what you mean.";
    return Promise.resolve({ generations: [{ text, message: new AIMessage(text) }] });
  }
}

/** The planner reply a faithful model would give for each case: the case's own reading. */
export function scriptedReplies(cases: ReadingCase[]): Map<string, string> {
  return new Map(cases.map(({ question, expect }) => {
    const reply = expect.intent === "unanswerable"
      ? { intent: "unanswerable", declined: "That is outside your store's data." }
      : {
        intent: expect.intent,
        metrics: expect.metrics ?? [],
        dimensions: expect.dimensions ?? [],
        filters: expect.sourceName ? { sourceName: expect.sourceName } : {},
        range: expect.range ?? null,
        comparisonRange: expect.comparison ?? null,
        sort: expect.sort ? { metric: expect.metrics![0], direction: expect.sort } : null,
        limit: expect.limit ?? (expect.sort ? 10 : null),
      };
    return [question, "```json\n" + JSON.stringify(reply) + "\n```"];
  }));
}
