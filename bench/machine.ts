/** A one-line description of the machine a figure was measured on. */
export async function describeMachine(): Promise<string> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const model = /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? "unknown CPU";
  const memInfo = await Deno.readTextFile("/proc/meminfo").catch(() => "");
  const memKb = Number(/MemTotal:\s*(\d+)/.exec(memInfo)?.[1] ?? 0);
  return `${navigator.hardwareConcurrency} cores (${model}), ${
    Math.round(memKb / 1048576)
  } GiB RAM, ` +
    `${Deno.build.os}/${Deno.build.arch}, Deno ${Deno.version.deno}`;
}
