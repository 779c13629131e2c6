/**
 * Qualitative Analysis (seed 000 §6, class 2): the narrative. A model words
 * the computed facts and findings when one is configured; the offline writer
 * does otherwise. Either way the result passes the grounding check: every
 * number in the summary and the speech must be a computed fact, sentences
 * that state any other number are dropped, and a reply left empty (or one
 * that is not the JSON asked for) falls back to the offline writer. The
 * outcome is kept with the narrative.
 */
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { RunnableLambda } from "@langchain/core/runnables";
import { z } from "zod";
import { grounded, type GroundingReport } from "./grounding.ts";
import type { Logger } from "../log/logger.ts";
import {
  type DepartmentInput,
  type DepartmentResult,
  emptyResult,
  merged,
  type Narrative,
} from "./department.ts";
import { formatFact } from "./facts.ts";
import { callModel, type ChosenModel, jsonIn } from "./llm.ts";
import { writeOffline } from "./offline_writer.ts";
import { DATA_RULES, dataBlock } from "./prompts.ts";

const Reply = z.object({
  summary: z.string().min(1).max(4000),
  speech: z.string().min(1).max(400),
});

export const WRITER_SYSTEM_PROMPT = [
  "You are Alatar, a business analyst for a Shopify merchant. Answer the merchant's question in",
  "a short, plain summary (at most 6 sentences) and a one- or two-sentence `speech` for Siri.",
  "State only numbers that appear in the facts, formatted as given; never compute new ones.",
  "Do not promise or perform actions: proposals are listed for the merchant to approve.",
  DATA_RULES,
  'Reply with JSON only: {"summary": "...", "speech": "..."}.',
].join(" ");

type WrittenNarrative = Required<Narrative>;

export function qualitativeDepartment(options: { model: ChosenModel | null; log: Logger }) {
  return RunnableLambda.from(async (input: DepartmentInput): Promise<DepartmentResult> => {
    const all = merged(input.prior);
    const offline = writeOffline(all, input.plan, input.currency);
    let written: WrittenNarrative;
    if (!options.model) {
      const { narrative, report } = grounded(offline, all);
      written = { ...narrative, grounding: { ...report, fellBack: false } };
    } else {
      written = await writeWithModel(options.model, input, all, offline, options.log);
    }
    return { ...emptyResult(), narrative: written };
  }).withConfig({ runName: "qualitative_analysis" });
}

async function writeWithModel(
  chosen: ChosenModel,
  input: DepartmentInput,
  all: DepartmentResult,
  offline: Narrative,
  log: Logger,
): Promise<WrittenNarrative> {
  const data = {
    period: input.plan.range,
    comparedWith: input.plan.comparisonRange ?? null,
    facts: all.facts.map((f) => ({
      label: f.label,
      value: formatFact(f, input.currency),
    })),
    findings: all.findings,
    proposalsAwaitingApproval: all.candidates.map((c) => c.description),
  };
  const fallBack = (reason: string, report?: GroundingReport): WrittenNarrative => {
    log.warn("writer fell back to the offline templates", { reason, model: chosen.name });
    const checked = grounded(offline, all);
    return {
      ...checked.narrative,
      model: `${offline.model}; ${chosen.name} ${reason}`,
      grounding: {
        ...(report ?? checked.report),
        fellBack: true,
      },
    };
  };
  let reply: z.infer<typeof Reply>;
  try {
    const text = await callModel(
      chosen,
      [
        new SystemMessage(WRITER_SYSTEM_PROMPT),
        new HumanMessage(`Question: ${input.prompt}\n\n${dataBlock(data)}`),
      ],
      log,
      "write",
    );
    reply = Reply.parse(jsonIn(text));
  } catch (error) {
    log.warn("writer reply unusable", { error });
    return fallBack("gave no usable reply");
  }
  const { narrative, report } = grounded({ ...reply, model: chosen.name }, all);
  if (!narrative.summary) return fallBack("stated only unsupported numbers", report);
  return { ...narrative, grounding: { ...report, fellBack: false } };
}
