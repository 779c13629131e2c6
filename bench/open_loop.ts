/**
 * An open-loop load generator: requests leave on a fixed schedule whether or
 * not earlier ones have answered, and each latency is measured from the time
 * the request was due, not from when it was sent. A slow server therefore
 * shows up in the percentiles instead of quietly lowering the offered rate
 * (coordinated omission), as a closed-loop tool at a capped rate would hide.
 */
export interface OpenLoopResult {
  offeredRate: number;
  achievedRate: number;
  sent: number;
  failed: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export async function openLoop(options: {
  rate: number;
  seconds: number;
  send: (index: number) => Promise<boolean>;
}): Promise<OpenLoopResult> {
  const total = Math.round(options.rate * options.seconds);
  const interval = 1000 / options.rate;
  const latencies = new Float64Array(total);
  const inFlight: Promise<void>[] = [];
  let failed = 0;
  const start = performance.now() + 20;
  let next = 0;
  while (next < total) {
    const now = performance.now();
    for (; next < total && start + next * interval <= now; next++) {
      const due = start + next * interval;
      const index = next;
      inFlight.push(
        options.send(index).then(
          (ok) => {
            latencies[index] = performance.now() - due;
            if (!ok) failed++;
          },
          () => {
            latencies[index] = performance.now() - due;
            failed++;
          },
        ),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    offeredRate: options.rate,
    achievedRate: Math.round(total / elapsed),
    sent: total,
    failed,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: sorted.at(-1)!,
  };
}
