/**
 * Issue #9's figures: how long the offline parser takes to read a question,
 * and how long one analysis takes end to end (submit → completed) on an idle
 * worker with the offline model. The questions are the eval's
 * (eval/questions.ts), read on the shop's day.
 */
import { readingCases } from "../eval/questions.ts";
import { shopDay } from "../eval/expected.ts";
import { readQuestion } from "../graph/question_parser.ts";
import { submitAnalysisRequest } from "../graph/requests.ts";
import { spawnBenchWorker, startAnalysisStack } from "./analysis_bench.ts";

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

export interface QuestionFigures {
  questions: number;
  parse: { p50: number; p95: number; max: number; reads: number };
  endToEnd: { p50: number; p95: number; max: number; runs: number };
  /** A follow-up in the conversation of a first question, submit → completed (issue #16). */
  followUp: { p50: number; p95: number; max: number; runs: number };
}

/** Follow-ups as a merchant types them after "How were sales last week?". */
const FOLLOW_UPS = [
  "and the week before?",
  "break that down by product",
  "just online orders",
  "and AOV?",
  "why?",
  "compare that with last year",
];

export async function measureQuestions(options: { rounds: number; analyses: number }) {
  const today = shopDay(new Date().toISOString(), "America/New_York");
  const questions = readingCases(today).map((c) => c.question);
  // Warm the JIT and chrono's patterns once, as a running worker is.
  for (const q of questions) readQuestion(q, today);
  const reads: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    for (const q of questions) {
      const started = performance.now();
      readQuestion(q, today);
      reads.push(performance.now() - started);
    }
  }

  const stack = await startAnalysisStack();
  const worker = await spawnBenchWorker(stack);
  try {
    const { db, boss, userId } = stack;
    // Submit → completed in ms (null if it did not complete), and the request's conversation.
    const timed = async (prompt: string, conversationId?: string) => {
      const outcome = await submitAnalysisRequest({ db, boss }, { userId, sessionId: "bench" }, {
        prompt,
        conversationId,
      });
      if (!outcome.ok) return null; // a question refused at submit (a day that does not exist)
      const id = outcome.value.id;
      const until = Date.now() + 30_000;
      while (Date.now() < until) {
        const [row] = await db.withTenant(
          userId,
          (tx) =>
            tx<{ status: string; ms: number | null; conversation_id: string }[]>`
            select status, extract(epoch from finished_at - created_at)::float8 * 1000 as ms,
                   conversation_id
            from analysis_requests where id = ${id}`,
        );
        if (row && row.status !== "pending" && row.status !== "processing") {
          return row.status === "completed" && row.ms !== null
            ? { ms: row.ms, conversationId: row.conversation_id }
            : null;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return null;
    };
    const durations: number[] = [];
    // One at a time: the worker is idle when each arrives. Figure questions, as merchants ask most.
    const asked = questions.filter((_, i) => i % 3 === 0);
    for (let i = 0; i < options.analyses; i++) {
      const done = await timed(asked[i % asked.length]!);
      if (done) durations.push(done.ms);
    }
    // Follow-ups: each in the conversation of a first question, timed alone.
    const followUps: number[] = [];
    for (let i = 0; i < options.analyses; i++) {
      const first = await timed("How were sales last week?");
      if (!first) continue;
      const done = await timed(FOLLOW_UPS[i % FOLLOW_UPS.length]!, first.conversationId);
      if (done) followUps.push(done.ms);
    }
    return {
      questions: questions.length,
      parse: {
        p50: percentile(reads, 50),
        p95: percentile(reads, 95),
        max: Math.max(...reads),
        reads: reads.length,
      },
      endToEnd: {
        p50: percentile(durations, 50),
        p95: percentile(durations, 95),
        max: Math.max(...durations),
        runs: durations.length,
      },
      followUp: {
        p50: percentile(followUps, 50),
        p95: percentile(followUps, 95),
        max: Math.max(...followUps),
        runs: followUps.length,
      },
    } satisfies QuestionFigures;
  } finally {
    worker.kill("SIGKILL");
    await worker.status;
    await stack.close();
  }
}
