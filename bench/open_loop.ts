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

/**
 * At most `maxInFlight` requests are on the wire at once (256 by default): an
 * overloaded server would otherwise be sent a new connection per request until
 * the machine runs out of sockets. Requests beyond the bound wait here, and
 * since latency counts from the due time, that wait is measured, not hidden.
 */
export async function openLoop(options: {
  rate: number;
  seconds: number;
  send: (index: number) => Promise<boolean>;
  maxInFlight?: number;
}): Promise<OpenLoopResult> {
  const total = Math.round(options.rate * options.seconds);
  const interval = 1000 / options.rate;
  const latencies = new Float64Array(total);
  const inFlight: Promise<void>[] = [];
  let failed = 0;
  const slots = new Semaphore(options.maxInFlight ?? 256);
  const start = performance.now() + 20;
  let next = 0;
  while (next < total) {
    const now = performance.now();
    for (; next < total && start + next * interval <= now; next++) {
      const due = start + next * interval;
      const index = next;
      inFlight.push(
        slots.run(() => options.send(index)).then(
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

class Semaphore {
  #free: number;
  #waiting: Array<() => void> = [];
  constructor(size: number) {
    this.#free = size;
  }
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}
