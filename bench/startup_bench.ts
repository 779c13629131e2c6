/**
 * Time from `deno task start` in a fresh clone to `/readyz` answering 200:
 * cold (empty Deno cache: every npm package downloaded), warm (cache kept,
 * new data directory: includes initdb), and restart (data directory kept).
 * Also the wall time of `deno task test` in the same clone.
 */
import { freePort } from "../db/embedded.ts";

export interface StartupFigures {
  coldMs: number[];
  warmFirstMs: number[];
  restartMs: number[];
  testSuiteMs: number;
  testSummary: string;
}

async function cloneRepo(into: string): Promise<void> {
  const repo = new URL("..", import.meta.url).pathname;
  const { code } = await new Deno.Command("git", { args: ["clone", "-q", repo, into] }).output();
  if (code !== 0) throw new Error("git clone failed");
}

/** Spawns `deno task start`, resolves with ms until /readyz is 200, then stops it. */
async function timeStart(cwd: string, env: Record<string, string>): Promise<number> {
  const port = freePort();
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["task", "start"],
    cwd,
    env: { ...env, PORT: String(port), EMBEDDED_PG_PORT: String(freePort()) },
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  try {
    while (!seen.includes('"msg":"ready"')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`start exited before ready:\n${seen.slice(-2000)}`);
      seen += value;
    }
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    await res.body?.cancel();
    if (res.status !== 200) throw new Error(`/readyz answered ${res.status}`);
    return performance.now() - started;
  } finally {
    try {
      child.kill("SIGINT");
    } catch { /* it already exited; the error above says why */ }
    // Keep draining stdout so the child never blocks on a full pipe while it shuts down.
    while (!(await reader.read()).done) { /* drain */ }
    await child.status;
  }
}

export async function measureStartup(runs = 3): Promise<StartupFigures> {
  const root = await Deno.makeTempDir({ prefix: "alatar-bench-" });
  // Like an ordinary checkout: readable by the postgres user the server runs as under root.
  await Deno.chmod(root, 0o755);
  const base = { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? root };
  const figures: StartupFigures = {
    coldMs: [],
    warmFirstMs: [],
    restartMs: [],
    testSuiteMs: 0,
    testSummary: "",
  };
  try {
    for (let i = 0; i < runs; i++) {
      const clone = `${root}/cold-${i}`;
      await cloneRepo(clone);
      figures.coldMs.push(
        await timeStart(clone, {
          ...base,
          DENO_DIR: `${root}/deno-cold-${i}`,
          DATA_DIR: `${clone}/.data`,
        }),
      );
    }
    const warmDenoDir = `${root}/deno-cold-0`;
    for (let i = 0; i < runs; i++) {
      const clone = `${root}/warm-${i}`;
      await cloneRepo(clone);
      const env = { ...base, DENO_DIR: warmDenoDir, DATA_DIR: `${clone}/.data` };
      figures.warmFirstMs.push(await timeStart(clone, env));
      figures.restartMs.push(await timeStart(clone, env));
    }
    const clone = `${root}/warm-0`;
    const started = performance.now();
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["task", "test"],
      cwd: clone,
      env: { ...base, DENO_DIR: warmDenoDir },
      stdout: "piped",
      stderr: "null",
    }).output();
    figures.testSuiteMs = performance.now() - started;
    figures.testSummary = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
  return figures;
}
