/**
 * Password hashing with argon2id (hash-wasm: WebAssembly, so it runs on every
 * Deno target, edge runtimes included) in a small pool of workers.
 * Parameters are read back from each stored hash, so raising them later only
 * needs `needsRehash` on the next successful login.
 *
 * @example
 * ```ts
 * const hasher = createPasswordHasher({ workers: 2 });
 * const stored = await hasher.hash("correct horse battery staple");
 * (await hasher.verify(stored, "correct horse battery staple")).valid; // true
 * hasher.close();
 * ```
 */
import type { HashRequest } from "./password_worker.ts";

/** OWASP's minimum for argon2id: 19 MiB, 2 iterations, 1 lane. */
export const ARGON2_PARAMS = { memorySize: 19456, iterations: 2, parallelism: 1, hashLength: 32 };

export interface PasswordCheck {
  valid: boolean;
  /** The hash was made with weaker parameters than today's: store a new one. */
  needsRehash: boolean;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(encoded: string, password: string): Promise<PasswordCheck>;
  /** Costs the same as a real check; for unknown accounts, so timing reveals nothing. */
  verifyDummy(password: string): Promise<void>;
  close(): void;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export function createPasswordHasher(options: { workers: number }): PasswordHasher {
  // Each worker is an isolate holding 19 MiB of argon2 memory once used: started on first use,
  // so a process that never signs anyone in (most API traffic carries a JWT) never pays for it.
  const workers: Array<Worker | undefined> = new Array(Math.max(1, options.workers));
  const pending = new Map<number, Pending>();
  let nextId = 0;

  const workerFor = (id: number) => {
    const slot = id % workers.length;
    const existing = workers[slot];
    if (existing) return existing;
    const worker = new Worker(new URL("./password_worker.ts", import.meta.url).href, {
      type: "module",
    });
    worker.onmessage = (event: MessageEvent<{ id: number; result?: unknown; error?: string }>) => {
      const job = pending.get(event.data.id);
      pending.delete(event.data.id);
      if (event.data.error !== undefined) job?.reject(new Error(event.data.error));
      else job?.resolve(event.data.result);
    };
    workers[slot] = worker;
    return worker;
  };

  const call = (request: Omit<HashRequest, "id">): Promise<unknown> => {
    const id = nextId++;
    const worker = workerFor(id);
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, id });
    });
  };

  const hash = (password: string) =>
    call({ op: "hash", password: normalise(password), params: ARGON2_PARAMS }) as Promise<string>;
  // Made with the first sign-in work rather than at start (which would start a worker), and
  // before that work's answer, so even the first unknown sign-in does not stand out by much.
  let dummyHash: Promise<string> | null = null;
  const dummy = () => {
    dummyHash ??= hash(crypto.randomUUID());
    return dummyHash;
  };

  return {
    hash,
    async verify(encoded, password) {
      dummy().catch(() => {});
      const valid = await call({ op: "verify", password: normalise(password), encoded }) as boolean;
      return { valid, needsRehash: valid && weakerThanCurrent(encoded) };
    },
    async verifyDummy(password) {
      await call({ op: "verify", password: normalise(password), encoded: await dummy() });
    },
    close() {
      for (const worker of workers) worker?.terminate();
      for (const job of pending.values()) job.reject(new Error("password hasher closed"));
      pending.clear();
    },
  };
}

/** The same password typed on different keyboards should be the same password. */
function normalise(password: string): string {
  return password.normalize("NFKC");
}

function weakerThanCurrent(encoded: string): boolean {
  const match = /\$argon2id\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(encoded);
  if (!match) return true;
  const [, m, t] = match.map(Number);
  return m! < ARGON2_PARAMS.memorySize || t! < ARGON2_PARAMS.iterations;
}
