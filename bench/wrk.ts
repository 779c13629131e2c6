/**
 * Closed-loop throughput with wrk (Debian's `wrk` package: `apt-get install
 * wrk`), each request carrying the next tenant's token so no one user's rows
 * or counters are hot. wrk is C and light, so the server under test keeps
 * more of this machine's two cores than a JavaScript load tool would leave it.
 */
export interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

function millis(value: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(value.trim());
  if (!match) return NaN;
  const n = Number(match[1]);
  return match[2] === "us" ? n / 1000 : match[2] === "s" ? n * 1000 : n;
}

export async function runWrk(options: {
  url: string;
  connections: number;
  seconds: number;
  body: string;
  tokens: string[];
}): Promise<WrkResult> {
  const dir = await Deno.makeTempDir({ prefix: "alatar-wrk-" });
  try {
    await Deno.writeTextFile(`${dir}/tokens`, options.tokens.join("\n") + "\n");
    const script = `
local tokens = {}
for line in io.lines("${dir}/tokens") do tokens[#tokens + 1] = line end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [==[${options.body}]==]
request = function()
  i = i + 1
  wrk.headers["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1]
  return wrk.format()
end`;
    await Deno.writeTextFile(`${dir}/rotate.lua`, script);
    await ensureWrk();
    let output: Deno.CommandOutput;
    try {
      output = await new Deno.Command("wrk", {
        args: [
          "-t2",
          `-c${options.connections}`,
          `-d${options.seconds}s`,
          "--latency",
          "-s",
          `${dir}/rotate.lua`,
          options.url,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
    } catch (error) {
      throw error;
    }
    const text = new TextDecoder().decode(output.stdout);
    if (output.code !== 0) {
      throw new Error(`wrk failed: ${new TextDecoder().decode(output.stderr)}`);
    }
    const percentile = (p: string) =>
      millis(new RegExp(`^\\s+${p}%\\s+(\\S+)`, "m").exec(text)?.[1] ?? "");
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
    const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
      text,
    );
    const socketErrors = socket ? socket.slice(1).reduce((s, n) => s + Number(n), 0) : 0;
    return {
      rps: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN)),
      p50: Math.round(percentile("50") * 10) / 10,
      p99: Math.round(percentile("99") * 10) / 10,
      errors: non2xx + socketErrors,
    };
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

const INSTALL_WRK = "apt-get install -y wrk";

/**
 * Installs Debian's wrk when it is missing, as .ci/run installs what the tests need: directly
 * as root, through sudo otherwise; when neither works, says the one command to run.
 */
async function ensureWrk(): Promise<void> {
  if (await runs("wrk", ["--version"])) return;
  console.error(`wrk is missing; installing it (${INSTALL_WRK})…`);
  const apt = Deno.uid() === 0 ? ["apt-get"] : ["sudo", "-n", "apt-get"];
  const installed = await runs(apt[0]!, [...apt.slice(1), "update", "-qq"]) &&
    await runs(apt[0]!, [
      ...apt.slice(1),
      "install",
      "-y",
      "-qq",
      "--no-install-recommends",
      "wrk",
    ]);
  if (!installed) throw new Error(`This benchmark needs wrk. Install it with: sudo ${INSTALL_WRK}`);
}

/** Whether `cmd` ran and succeeded (a missing program is false, not an error). */
async function runs(cmd: string, args: string[]): Promise<boolean> {
  try {
    const output = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output();
    // wrk --version exits 1 after printing its version.
    return output.success || cmd === "wrk";
  } catch {
    return false;
  }
}
