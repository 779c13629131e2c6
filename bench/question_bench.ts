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
}

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
    const durations: number[] = [];
    // One at a time: the worker is idle when each arrives. Figure questions, as merchants ask most.
    const asked = questions.filter((_, i) => i % 3 === 0);
    for (let i = 0; i < options.analyses; i++) {
      const outcome = await submitAnalysisRequest({ db, boss }, { userId, sessionId: "bench" }, {
        prompt: asked[i % asked.length]!,
      });
      if (!outcome.ok) continue; // a question refused at submit (a day that does not exist)
      const id = outcome.value.id;
      const until = Date.now() + 30_000;
      while (Date.now() < until) {
        const [row] = await db.withTenant(
          userId,
          (tx) =>
            tx<{ status: string; ms: number | null }[]>`
            select status, extract(epoch from finished_at - created_at)::float8 * 1000 as ms
            from analysis_requests where id = ${id}`,
        );
        if (row && row.status !== "pending" && row.status !== "processing") {
          if (row.status === "completed" && row.ms !== null) durations.push(row.ms);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
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
    } satisfies QuestionFigures;
  } finally {
    worker.kill("SIGKILL");
    await worker.status;
    await stack.close();
  }
}
