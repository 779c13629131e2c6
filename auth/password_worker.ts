/// <reference lib="deno.worker" />
/**
 * Runs argon2id off the main thread: at OWASP's minimum it takes ~100 ms of
 * CPU, which would otherwise stall every other request on this process.
 */
import { argon2id, argon2Verify } from "hash-wasm";

export interface HashRequest {
  id: number;
  op: "hash" | "verify";
  password: string;
  encoded?: string;
  params?: { memorySize: number; iterations: number; parallelism: number; hashLength: number };
}

self.onmessage = async (event: MessageEvent<HashRequest>) => {
  const { id, op, password, encoded, params } = event.data;
  try {
    const result = op === "hash"
      ? await argon2id({
        password,
        salt: crypto.getRandomValues(new Uint8Array(16)),
        ...params!,
        outputType: "encoded",
      })
      : await argon2Verify({ password, hash: encoded! });
    self.postMessage({ id, result });
  } catch (error) {
    self.postMessage({ id, error: String(error) });
  }
};
