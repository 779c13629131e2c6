/**
 * Checks GraphQL documents on a worker thread (api/document_check_worker.ts), so that parsing and
 * validating a document the API has not seen before, a hostile one above all, never holds up the
 * main thread's event loop. Documents the API has seen are answered from its cache
 * (api/document_cache.ts) and never come here.
 *
 * A check that takes longer than `timeoutMs` fails and the worker is replaced; with more than
 * `maxPending` checks waiting, a new one is refused at once ({@link CheckerBusy}), so a flood
 * cannot queue without bound.
 *
 * @example
 * ```ts
 * const checker = await startDocumentChecker({ maxDepth: 10, maxNodes: 5000, maxRootFields: 20,
 *   maxTokens: 2000, production: true });
 * const verdict = await checker.check("{ me { id } }"); // { accepted: true }
 * checker.close();
 * ```
 */

export interface CheckLimits {
  maxDepth: number;
  maxNodes: number;
  maxRootFields: number;
  maxTokens: number;
  /** Production refuses introspection. */
  production: boolean;
}

export interface CheckRequest {
  id: number;
  query: string;
}

/** A GraphQL error as the worker sends it: its message, where in the text, its code. */
export interface FormattedError {
  message: string;
  positions?: number[];
  extensions?: Record<string, unknown>;
}

export type Verdict =
  | { accepted: true }
  | { syntaxError: FormattedError }
  | { errors: FormattedError[] }
  | { failed: string };

/**
 * The checker cannot take this document now (too many waiting, or its worker was replaced while
 * the document waited): the caller answers 503 with Retry-After.
 */
export class CheckerBusy extends Error {
  override name = "CheckerBusy";
}

/** This document took longer than the limit to check: it is refused (400), never retried. */
export class CheckTimedOut extends Error {
  override name = "CheckTimedOut";
}

export interface DocumentChecker {
  check(query: string): Promise<Verdict>;
  /** Checks sent and not yet answered. */
  readonly pending: number;
  close(): void;
}

const WORKER = new URL("./document_check_worker.ts", import.meta.url);

export async function startDocumentChecker(
  limits: CheckLimits,
  options: { timeoutMs?: number; maxPending?: number } = {},
): Promise<DocumentChecker> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const maxPending = options.maxPending ?? 256;
  const waiting = new Map<
    number,
    {
      resolve(verdict: Verdict): void;
      reject(error: Error): void;
      timer: ReturnType<typeof setTimeout>;
    }
  >();
  let nextId = 1;
  let worker: Worker;
  let closed = false;

  async function spawn(): Promise<void> {
    let started = false;
    worker = new Worker(WORKER, { type: "module", name: "graphql document checks" });
    const ready = new Promise<void>((resolve, reject) => {
      worker.onmessage = (
        event: MessageEvent<{ ready?: true; id?: number; verdict?: Verdict }>,
      ) => {
        if (event.data.ready) return resolve();
        const entry = waiting.get(event.data.id!);
        if (!entry) return;
        waiting.delete(event.data.id!);
        clearTimeout(entry.timer);
        entry.resolve(event.data.verdict!);
      };
      worker.onerror = (event) => {
        event.preventDefault();
        const error = new Error(`the document checker failed: ${event.message}`);
        // One that cannot start is not restarted (it would fail again at once); one that fails
        // later is.
        if (started) restart(new CheckerBusy(error.message));
        else {
          worker.terminate();
          reject(error);
        }
      };
    });
    worker.postMessage({ init: limits });
    await ready;
    started = true;
  }

  /**
   * Fails every check in flight and starts a fresh worker: `culprit` (the check that ran out of
   * time) with `reason`, the others as busy, to be sent again.
   */
  function restart(reason: Error, culprit?: number) {
    worker.terminate();
    const innocent = new CheckerBusy("The document checker restarted; send the operation again.");
    for (const [id, entry] of waiting) {
      clearTimeout(entry.timer);
      entry.reject(id === culprit ? reason : innocent);
    }
    waiting.clear();
    if (!closed) void spawn().catch(() => {});
  }

  await spawn();
  return {
    get pending() {
      return waiting.size;
    },
    check(query) {
      if (closed) return Promise.reject(new CheckerBusy("The document checker is closed."));
      if (waiting.size >= maxPending) {
        return Promise.reject(new CheckerBusy("Too many documents are waiting to be checked."));
      }
      const id = nextId++;
      return new Promise<Verdict>((resolve, reject) => {
        const timer = setTimeout(
          () => restart(new CheckTimedOut(`a document took over ${timeoutMs} ms to check`), id),
          timeoutMs,
        );
        waiting.set(id, { resolve, reject, timer });
        worker.postMessage({ id, query } satisfies CheckRequest);
      });
    },
    close() {
      closed = true;
      restart(new CheckerBusy("The document checker is closed."));
    },
  };
}
