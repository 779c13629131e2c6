/**
 * A local OTLP/HTTP receiver (the JSON encoding, `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`):
 * what a collector would get from our processes' built-in exporter. It keeps every span
 * and wakes waiters on each export, so tests wait for spans, not for time.
 */
import { freePort } from "../../db/embedded.ts";

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
type OtlpAttributes = Array<{ key: string; value: OtlpValue }> | undefined;

function attributesOf(list: OtlpAttributes): ReceivedSpan["attributes"] {
  const out: ReceivedSpan["attributes"] = {};
  for (const { key, value } of list ?? []) {
    out[key] = value.stringValue ?? value.boolValue ?? value.doubleValue ??
      Number(value.intValue ?? NaN);
  }
  return out;
}

export function startOtlpReceiver() {
  const spans: ReceivedSpan[] = [];
  let wake: () => void = () => {};
  const port = freePort();
  const server = Deno.serve({ port, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    const body = await req.json().catch(() => null);
    if (req.method !== "POST" || body === null) return new Response("bad request", { status: 400 });
    if (path === "/v1/traces") {
      for (const resource of body.resourceSpans ?? []) {
        const service = String(attributesOf(resource.resource?.attributes)["service.name"] ?? "");
        for (const scope of resource.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            spans.push({
              service,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId ?? "",
              name: span.name,
              kind: span.kind ?? 0,
              attributes: attributesOf(span.attributes),
            });
          }
        }
      }
      wake();
    }
    return Response.json({});
  });
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    /** Resolves once `ready(spans)` holds, checking at every export; rejects after `timeoutMs`. */
    async until(ready: (spans: ReceivedSpan[]) => boolean, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!ready(spans)) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const exported = new Promise<boolean>((resolve) => {
          wake = () => resolve(true);
          timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
        });
        const arrived = await exported;
        clearTimeout(timer);
        if (!arrived && !ready(spans)) {
          throw new Error(`spans still missing after ${timeoutMs} ms (${spans.length} received)`);
        }
      }
    },
    close: () => server.shutdown(),
  };
}
