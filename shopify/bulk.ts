/**
 * Bulk operations: Shopify runs a query over every object and writes the
 * result as JSONL; the store mirror (issue #5) imports through this.
 *
 * `runBulkQuery` starts the operation and polls it to the end (the
 * `bulk_operations/finish` webhook can replace polling later). `streamJsonl`
 * reads the file line by line: objects arrive one at a time, children after
 * their parent with `__parentId`, and the file is never held in memory whole.
 *
 * @example
 * ```ts
 * const url = await runBulkQuery(client, `{ orders { edges { node { id lineItems { edges { node { id } } } } } } }`);
 * for await (const object of streamJsonl(url)) { … }
 * ```
 */
import { type AdminClient, ShopifyApiError } from "./admin_client.ts";

const RUN = `mutation($query: String!) {
  bulkOperationRunQuery(query: $query) { bulkOperation { id status } userErrors { field message } }
}`;
const POLL = `query($id: ID!) { node(id: $id) { ... on BulkOperation {
  id status errorCode objectCount fileSize url } } }`;

interface BulkStatus {
  id: string;
  status: string;
  errorCode: string | null;
  objectCount: string;
  fileSize: string | null;
  url: string | null;
}

/**
 * Runs `query` as a bulk operation and resolves with its JSONL URL (null: no
 * objects). `signal` ends the wait between polls at once (a stopping worker):
 * the operation goes on at Shopify, and a resumed import waits it out.
 */
export async function runBulkQuery(
  client: AdminClient,
  query: string,
  options: { pollIntervalMs?: number; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<{ url: string | null; objectCount: number }> {
  const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
  const { signal } = options;
  const pause = () =>
    new Promise<void>((resolve, reject) => {
      signal?.throwIfAborted();
      const timer = setTimeout(done, options.pollIntervalMs ?? 1000);
      function done() {
        signal?.removeEventListener("abort", aborted);
        resolve();
      }
      function aborted() {
        clearTimeout(timer);
        reject(signal!.reason);
      }
      signal?.addEventListener("abort", aborted, { once: true });
    });
  let started;
  for (;;) {
    signal?.throwIfAborted();
    const { data } = await client.request<{
      bulkOperationRunQuery: {
        bulkOperation: { id: string } | null;
        userErrors: Array<{ message: string }>;
      } | null;
    }>(RUN, { query });
    // A null payload (Shopify's schema allows it) is a refusal without a reason.
    started = data.bulkOperationRunQuery ??
      { bulkOperation: null, userErrors: [{ message: "Shopify answered without a result" }] };
    // One bulk query at a time per shop: one left running (by a crashed import, say) is waited out.
    const busy = started.userErrors.some((e) => /already in progress/i.test(e.message));
    if (!busy || Date.now() > deadline) break;
    await pause();
  }
  if (!started.bulkOperation) {
    throw new ShopifyApiError(
      "graphql",
      `Shopify refused the bulk query: ${started.userErrors.map((e) => e.message).join("; ")}`,
    );
  }
  for (;;) {
    signal?.throwIfAborted();
    const { data: polled } = await client.request<{ node: BulkStatus | null }>(POLL, {
      id: started.bulkOperation.id,
    });
    const operation = polled.node;
    if (operation?.status === "COMPLETED") {
      return { url: operation.url, objectCount: Number(operation.objectCount) };
    }
    if (!operation || ["FAILED", "CANCELED", "CANCELING", "EXPIRED"].includes(operation.status)) {
      throw new ShopifyApiError(
        "unavailable",
        `The bulk operation ended as ${operation?.status ?? "missing"} (${
          operation?.errorCode ?? "no code"
        })`,
      );
    }
    if (Date.now() > deadline) {
      throw new ShopifyApiError("unavailable", "The bulk operation did not finish in time");
    }
    await pause();
  }
}

/** The objects of a bulk result file, one at a time; `signal` cuts the download short. */
export async function* streamJsonl(
  url: string,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): AsyncGenerator<Record<string, unknown>> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10 * 60_000);
  const response = await fetch(url, {
    signal: options.signal ? AbortSignal.any([timeout, options.signal]) : timeout,
  });
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new ShopifyApiError(
      "unavailable",
      `The bulk result could not be downloaded (HTTP ${response.status})`,
    );
  }
  let pending = "";
  for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (line.trim()) yield JSON.parse(line);
    }
  }
  if (pending.trim()) yield JSON.parse(pending);
}
