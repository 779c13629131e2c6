/**
 * OpenTelemetry traces, through Deno's built-in exporter: off unless the
 * process starts with `OTEL_DENO=true` (and the standard `OTEL_EXPORTER_OTLP_*`
 * variables say where to). Deno registers its tracer with `@opentelemetry/api`
 * and traces `Deno.serve` and `fetch` itself; these helpers add our own spans
 * and carry a trace across processes inside job data, so one analysis is one
 * trace from the API's request through every job to the final SSE event.
 *
 * Attributes carry ids (the request's, a job's) and a hash of the user's id,
 * never e-mails, prompts, shop data or tokens. Spans are exported in the
 * background: an OTLP endpoint that is down costs a request nothing.
 *
 * @example
 * ```ts
 * await inSpan("kpi sales", { "alatar.request_id": id }, () => salesKpis(tx, scope, q));
 * ```
 */
import {
  type Attributes,
  context,
  propagation,
  type Span,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { sha256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";

const tracer = trace.getTracer("alatar");

/** Deno's switch, read once: with it off, nothing below does any work beyond a no-op call. */
export const TRACING = (() => {
  try {
    return Deno.env.get("OTEL_DENO") === "true";
  } catch {
    return false; // no env permission: no tracing
  }
})();

/** Where a job's data keeps the trace context of the code that queued it. */
export const TRACE_KEY = "_trace";

/** W3C trace context (`traceparent`, `tracestate`), as a job or a row carries it. */
export type TraceCarrier = Record<string, string>;

/** Runs `fn` in a child span of the active one; an error marks the span and is rethrown. */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  if (!TRACING) return await fn(trace.getActiveSpan() ?? trace.wrapSpanContext(NO_SPAN));
  return await tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      // The error's kind only: a message can quote shop data (a Postgres key, a Shopify reply).
      span.setAttribute("error.type", errorName(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: errorName(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The active trace context to hand to another process, or undefined when none is traced. */
export function traceCarrier(): TraceCarrier | undefined {
  if (!TRACING || !trace.getActiveSpan()) return undefined;
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? carrier : undefined;
}

/** Runs `fn` as a continuation of the trace in `carrier` (job data, a row); as is, without one. */
export function inCarriedContext<T>(carrier: unknown, fn: () => T): T {
  if (!TRACING || !isCarrier(carrier)) return fn();
  return context.with(propagation.extract(context.active(), carrier), fn);
}

/**
 * A span continuing the trace of `traceparent` (one a row kept), for work that happens
 * outside any call of that trace, like the SSE event that ends an analysis. The caller ends it.
 */
export function startSpanIn(
  traceparent: string | null,
  name: string,
  attributes: Attributes,
): Span | null {
  if (!TRACING || !traceparent) return null;
  return tracer.startSpan(
    name,
    { attributes },
    propagation.extract(context.active(), { traceparent }),
  );
}

/** The trace context a job's data carries, if any. */
export function carrierOf(data: unknown): TraceCarrier | undefined {
  const carried = typeof data === "object" && data !== null
    ? (data as Record<string, unknown>)[TRACE_KEY]
    : undefined;
  return isCarrier(carried) ? carried : undefined;
}

/** A user's id as spans show it: a stable pseudonym, so traces of one user group together. */
export function userHash(userId: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(`alatar/user:${userId}`))).slice(0, 16);
}

const NO_SPAN = { traceId: "0".repeat(32), spanId: "0".repeat(16), traceFlags: 0 };

function isCarrier(value: unknown): value is TraceCarrier {
  return typeof value === "object" && value !== null &&
    typeof (value as Record<string, unknown>).traceparent === "string" &&
    Object.values(value).every((v) => typeof v === "string" && v.length <= 512);
}

function errorName(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  const name = error instanceof Error ? error.name : "Error";
  return typeof code === "string" && /^[A-Z0-9_]{1,40}$/.test(code) ? `${name} ${code}` : name;
}
