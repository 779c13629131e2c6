/**
 * A thin Admin GraphQL client on `fetch`, aware of Shopify's cost-based rate
 * limit. (`@shopify/admin-api-client` retries only network errors, 429 and 503,
 * not a `THROTTLED` error inside a 200, which is how Shopify throttles GraphQL.)
 *
 * - Paces itself: every answer reports the bucket (`extensions.cost.
 *   throttleStatus`); before sending a query whose cost it has seen, the client
 *   waits until the bucket, refilling at its restore rate, can pay for it.
 * - `THROTTLED` anyway: waits exactly as long as the bucket needs, then resends.
 * - 429: honours `Retry-After`. 5xx, network errors, timeouts and malformed
 *   JSON: jittered exponential backoff, a bounded number of attempts.
 * - Other 4xx and GraphQL errors fail at once, with Shopify's code.
 * - Every call has a timeout.
 *
 * @example
 * ```ts
 * const client = createAdminClient({ shop, accessToken: () => token, adminBaseUrl, apiVersion: "2026-10", log });
 * for await (const order of client.paginate(ORDERS, {}, (d) => d.orders)) { … }
 * ```
 */
import { inSpan } from "../log/tracing.ts";
import type { Logger } from "../log/logger.ts";
import { adminUrl } from "./admin_url.ts";

export interface CostExtension {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
}

export type ShopifyErrorKind =
  | "unauthorized"
  | "access_denied"
  | "graphql"
  | "http"
  | "unavailable";

/** A failure the caller can act on; `code` is Shopify's when it sent one. */
export class ShopifyApiError extends Error {
  override name = "ShopifyApiError";
  constructor(
    readonly kind: ShopifyErrorKind,
    message: string,
    readonly details: { status?: number; code?: string; errors?: unknown } = {},
  ) {
    super(message);
  }
}

export interface AdminClientOptions {
  shop: string;
  accessToken: () => string | Promise<string>;
  adminBaseUrl: string;
  apiVersion: string;
  log: Logger;
  timeoutMs?: number;
  /** Attempts for 5xx, 429, network errors and malformed answers. */
  maxAttempts?: number;
  /** First backoff step; doubles each attempt, with jitter. */
  retryBaseMs?: number;
}

export interface ClientStats {
  requests: number;
  throttled: number;
  /** The most THROTTLED answers in a row (pacing should keep it at 0 or 1). */
  maxThrottledInARow: number;
  retries: number;
  pointsSpent: number;
  waitedMs: number;
}

export interface Connection<T> {
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export interface AdminClient {
  request<T>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{ data: T; cost: CostExtension | null }>;
  /** Every node of a connection, page by page; `variables.after` is managed. */
  paginate<T, D>(
    query: string,
    variables: Record<string, unknown>,
    pick: (data: D) => Connection<T>,
  ): AsyncGenerator<T>;
  readonly stats: ClientStats;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function createAdminClient(options: AdminClientOptions): AdminClient {
  const url = adminUrl(
    options.adminBaseUrl,
    options.shop,
    `/admin/api/${options.apiVersion}/graphql.json`,
  );
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxAttempts = options.maxAttempts ?? 5;
  const retryBaseMs = options.retryBaseMs ?? 500;
  const stats: ClientStats = {
    requests: 0,
    throttled: 0,
    maxThrottledInARow: 0,
    retries: 0,
    pointsSpent: 0,
    waitedMs: 0,
  };
  // What the last answer said about the bucket, and when.
  let bucket: (CostExtension["throttleStatus"] & { at: number }) | null = null;
  const knownCost = new Map<string, number>();

  const wait = async (ms: number) => {
    if (ms <= 0) return;
    stats.waitedMs += ms;
    await sleep(ms);
  };
  const backoff = (attempt: number) => retryBaseMs * 2 ** (attempt - 1) * (0.5 + Math.random());

  /** Waits until the bucket, refilling since its last report, holds `cost` points. */
  const pace = async (cost: number) => {
    if (!bucket || cost <= 0) return;
    const available = Math.min(
      bucket.maximumAvailable,
      bucket.currentlyAvailable + ((Date.now() - bucket.at) / 1000) * bucket.restoreRate,
    );
    if (available < cost) await wait(Math.ceil(((cost - available) / bucket.restoreRate) * 1000));
  };

  /** One query as a span of the caller's trace, with what Shopify charged for it. */
  function request<T>(query: string, variables: Record<string, unknown> = {}) {
    const operation = /^\s*(?:query|mutation)\s+(\w+)/.exec(query)?.[1] ?? "anonymous";
    return inSpan(`shopify ${operation}`, { "graphql.operation.name": operation }, async (span) => {
      const answer = await send<T>(query, variables);
      if (answer.cost) {
        span.setAttributes({
          "alatar.shopify.requested_cost": answer.cost.requestedQueryCost,
          "alatar.shopify.actual_cost": answer.cost.actualQueryCost ??
            answer.cost.requestedQueryCost,
          "alatar.shopify.available": answer.cost.throttleStatus.currentlyAvailable,
        });
      }
      return answer;
    });
  }

  async function send<T>(query: string, variables: Record<string, unknown>) {
    const key = `${query}\u0000${JSON.stringify(variables.first ?? null)}`;
    let attempt = 0;
    let throttledInARow = 0;
    for (;;) {
      await pace(knownCost.get(key) ?? 0);
      stats.requests++;
      const transient = (why: string) => {
        attempt++;
        if (attempt >= maxAttempts) {
          throw new ShopifyApiError(
            "unavailable",
            `Shopify did not answer after ${attempt} attempts (${why})`,
          );
        }
        stats.retries++;
        options.log.warn("Shopify request retried", { shop: options.shop, attempt, why });
      };
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json",
            "x-shopify-access-token": await options.accessToken(),
          },
          body: JSON.stringify({ query, variables }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        transient(error instanceof Error ? error.name : "network error");
        await wait(backoff(attempt));
        continue;
      }
      if (response.status === 429) {
        await response.body?.cancel();
        transient("HTTP 429");
        const retryAfter = Number(response.headers.get("retry-after"));
        await wait(
          Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : backoff(attempt),
        );
        continue;
      }
      if (response.status >= 500) {
        await response.body?.cancel();
        transient(`HTTP ${response.status}`);
        await wait(backoff(attempt));
        continue;
      }
      if (response.status === 401 || response.status === 403) {
        await response.body?.cancel();
        throw new ShopifyApiError("unauthorized", "Shopify refused the access token", {
          status: response.status,
        });
      }
      if (!response.ok) {
        const text = await response.text().catch(() => "");
        throw new ShopifyApiError("http", `Shopify answered HTTP ${response.status}`, {
          status: response.status,
          errors: text.slice(0, 500),
        });
      }
      let body: {
        data?: T;
        errors?: Array<{ message: string; extensions?: { code?: string } }>;
        extensions?: { cost?: CostExtension };
      };
      try {
        body = await response.json();
      } catch {
        transient("malformed JSON");
        await wait(backoff(attempt));
        continue;
      }
      const cost = body.extensions?.cost ?? null;
      if (cost) bucket = { ...cost.throttleStatus, at: Date.now() };
      const codes = (body.errors ?? []).map((e) => e.extensions?.code);
      if (codes.includes("THROTTLED") && cost) {
        stats.throttled++;
        throttledInARow++;
        stats.maxThrottledInARow = Math.max(stats.maxThrottledInARow, throttledInARow);
        knownCost.set(key, cost.requestedQueryCost);
        if (throttledInARow > 20) {
          throw new ShopifyApiError("unavailable", "Shopify kept throttling this query");
        }
        const missing = cost.requestedQueryCost - cost.throttleStatus.currentlyAvailable;
        await wait(Math.ceil((missing / cost.throttleStatus.restoreRate) * 1000) + 10);
        continue;
      }
      if (body.errors?.length) {
        const code = codes.find(Boolean);
        throw new ShopifyApiError(
          code === "ACCESS_DENIED" ? "access_denied" : "graphql",
          body.errors.map((e) => e.message).join("; "),
          { code, errors: body.errors },
        );
      }
      if (cost) {
        knownCost.set(key, cost.requestedQueryCost);
        stats.pointsSpent += cost.actualQueryCost ?? cost.requestedQueryCost;
      }
      return { data: body.data as T, cost };
    }
  }

  async function* paginate<T, D>(
    query: string,
    variables: Record<string, unknown>,
    pick: (data: D) => Connection<T>,
  ): AsyncGenerator<T> {
    let after: string | null = null;
    do {
      const { data }: { data: D } = await request<D>(query, { ...variables, after });
      const page = pick(data);
      yield* page.nodes;
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
  }

  return { request, paginate, stats };
}
