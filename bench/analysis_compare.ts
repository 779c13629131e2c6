/**
 * The analysis benchmark in a child process, here or at another revision. A
 * revision is cloned from this repository into a temporary directory and
 * given this tree's harness (bench/analysis_bench.ts, demo_stack.ts,
 * analysis_json.ts): its pipeline, worker and schema are its own, and the
 * measuring code is the same for both, so the two figures compare. (The
 * revision's tests/helpers/worker_process.ts reports its first graph node for
 * the pickup figure: `plan` before issue #11, `load` since.)
 */
import type { AnalysisFigures } from "./analysis_bench.ts";

const ROOT = new URL("..", import.meta.url).pathname;

const exists = (path: string) => Deno.stat(path).then(() => true, () => false);
const HARNESS = ["bench/analysis_bench.ts", "bench/demo_stack.ts", "bench/analysis_json.ts"];

async function runIn(dir: string): Promise<AnalysisFigures> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "bench/analysis_json.ts"],
    cwd: dir,
    stdout: "piped",
    stderr: "inherit",
  });
  const { code, stdout } = await child.output();
  const lines = new TextDecoder().decode(stdout).trim().split("\n");
  if (code !== 0) throw new Error(`the analysis benchmark in ${dir} exited with ${code}`);
  return JSON.parse(lines.at(-1)!) as AnalysisFigures;
}

export function measureAnalysisHere(): Promise<AnalysisFigures> {
  return runIn(ROOT);
}

export async function measureAnalysisAt(rev: string): Promise<AnalysisFigures> {
  const dir = await Deno.makeTempDir({ prefix: "alatar-base-" });
  try {
    const git = async (...args: string[]) => {
      const { code, stderr } = await new Deno.Command("git", { args, stdout: "null" }).output();
      if (code !== 0) throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(stderr)}`);
    };
    await git("clone", "--quiet", ROOT, dir);
    await git("-C", dir, "checkout", "--quiet", rev);
    for (const file of HARNESS) await Deno.copyFile(`${ROOT}/${file}`, `${dir}/${file}`);
    // Before issue #11 the queue registry (and installJobSchema with it) lived in jobs/: the one
    // import of the harness that moved is pointed at its old place.
    if (!(await exists(`${dir}/queues.ts`))) {
      const stack = `${dir}/bench/demo_stack.ts`;
      await Deno.writeTextFile(
        stack,
        (await Deno.readTextFile(stack)).replace(`"../queues.ts"`, `"../jobs/queue_access.ts"`),
      );
    }
    return await runIn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
