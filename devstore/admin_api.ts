/**
 * `POST /{shop}/admin/api/{version}/graphql.json`: the dev store's Admin
 * GraphQL API, answering like Shopify does:
 * - `X-Shopify-Access-Token` must be a token the store issued (401 otherwise);
 * - fields need their scopes (`ACCESS_DENIED` in `errors` otherwise), and orders
 *   older than 60 days are visible only with `read_all_orders`;
 * - every answer carries `extensions.cost` (requested, actual, throttle status);
 *   a query over the single-query maximum gets `MAX_COST_EXCEEDED`, and one the
 *   bucket cannot pay for gets HTTP 200 with a `THROTTLED` error;
 * - `query:` arguments accept Shopify's search syntax for the filters we use
 *   (`created_at:>=2026-01-01 updated_at:>'2026-02-01T00:00:00Z'`).
 * Tests can queue faults (5xx, 429, slow answers, malformed JSON).
 */
import { makeExecutableSchema } from "@graphql-tools/schema";
import {
  execute,
  type FragmentDefinitionNode,
  getOperationAST,
  GraphQLError,
  Kind,
  parse,
  validate,
} from "graphql";
import { Hono } from "hono";
import type { TokenRegistry } from "./oauth.ts";
import { queryCost } from "./query_cost.ts";
import { actionResolvers } from "./action_mutations.ts";
import { objectResolvers, storeLookups } from "./object_resolvers.ts";
import type { DevWebhookSubscription, MutationChange } from "./changes.ts";

export type { DevWebhookSubscription };
import type { DevCustomer, DevOrder, DevProduct, DevShop } from "./seed.ts";
import { shopifyValidationErrors } from "./shopify_schema.ts";
import { LeakyBucket } from "./throttle.ts";
import { type BulkOperation, startBulkOperation } from "./bulk.ts";
import { connection, type Context, gid, requireScope, sortedBy } from "./admin_helpers.ts";

export const ORDER_WINDOW_DAYS = 60;
const SCHEMA_FILE = new URL("./admin_schema.graphql", import.meta.url);

export type Fault =
  | { kind: "server_error"; status?: number }
  | { kind: "rate_limited"; retryAfterSeconds?: number }
  | { kind: "slow"; ms: number }
  | { kind: "malformed" }
  /** Carried out, but the answer never arrives: after `ms` the caller gets a 504. */
  | { kind: "lost_answer"; ms: number };

export interface AdminApiOptions {
  shop: DevShop;
  tokens: TokenRegistry;
  /** Standard plan by default: 1,000 points, 100 restored per second. */
  bucket?: { maximum: number; restoreRate: number };
  /** The app's webhook subscriptions (shared with the store, which delivers to them). */
  webhooks: DevWebhookSubscription[];
  /** Told when a mutation changed an object, so the store delivers its webhooks. */
  onMutation?: (change: MutationChange) => void;
}

/** Shopify's counts stop at `limit` (10,000 by default) and say so. */
function countAnswer(count: number, limit: number | null | undefined) {
  const cap = limit === null ? Infinity : limit ?? 10_000;
  return count > cap ? { count: cap, precision: "AT_LEAST" } : { count, precision: "EXACT" };
}

type Comparison = { field: string; op: ">" | ">=" | "<" | "<=" | "="; value: number };

/** Shopify's search syntax, for the date filters Alatar uses; other terms are refused. */
export function parseSearch(query: string | null | undefined): Comparison[] {
  if (!query) return [];
  const terms = query.replace(/\bAND\b/g, " ").match(/\S+:(?:'[^']*'|"[^"]*"|\S+)/g) ?? [];
  return terms.map((term) => {
    const [, field, op, raw] = /^(\w+):(>=|<=|>|<)?(.+)$/.exec(term) ?? [];
    const value = Date.parse((raw ?? "").replace(/^['"]|['"]$/g, ""));
    if (
      !field || !["created_at", "updated_at", "processed_at"].includes(field) || Number.isNaN(value)
    ) {
      throw new GraphQLError(`Unsupported search term: ${term}`, {
        extensions: { code: "BAD_REQUEST" },
      });
    }
    return { field, op: (op ?? "=") as Comparison["op"], value };
  });
}

function matches(record: Record<string, unknown>, filters: Comparison[]): boolean {
  return filters.every(({ field, op, value }) => {
    const key = field.replace(/_(\w)/g, (_, c) => c.toUpperCase());
    const at = Date.parse(String(record[key]));
    switch (op) {
      case ">":
        return at > value;
      case ">=":
        return at >= value;
      case "<":
        return at < value;
      case "<=":
        return at <= value;
      default:
        return new Date(at).toISOString().slice(0, 10) ===
          new Date(value).toISOString().slice(0, 10);
    }
  });
}

/** A connection's paging and ordering arguments, as Shopify names them. */
type PageArgs = {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
  reverse?: boolean | null;
  sortKey?: string | null;
};

/** The sort keys the dev store serves: a subset of Shopify's OrderSortKeys etc. */
const ORDER_SORT_KEYS: Record<string, (o: DevOrder) => string | number> = {
  ID: (o) => o.id,
  CREATED_AT: (o) => Date.parse(o.createdAt),
  PROCESSED_AT: (o) => Date.parse(o.processedAt),
  UPDATED_AT: (o) => Date.parse(o.updatedAt),
};
const PRODUCT_SORT_KEYS: Record<string, (p: DevProduct) => string | number> = {
  ID: (p) => p.id,
  CREATED_AT: (p) => Date.parse(p.createdAt),
  UPDATED_AT: (p) => Date.parse(p.updatedAt),
  TITLE: (p) => p.title.toLowerCase(),
};
const CUSTOMER_SORT_KEYS: Record<string, (c: DevCustomer) => string | number> = {
  ID: (c) => c.id,
  CREATED_AT: (c) => Date.parse(c.createdAt),
  UPDATED_AT: (c) => Date.parse(c.updatedAt),
};

interface BulkState {
  current: BulkOperation | null;
  byId: Map<string, BulkOperation>;
  start: (query: string, ctx: Context) => BulkOperation | { error: string };
}

function buildResolvers(
  shop: DevShop,
  bulk: BulkState,
  webhooks: DevWebhookSubscription[],
  onMutation: (change: MutationChange) => void,
) {
  const lookups = storeLookups(shop);
  const { products, variants, customers, refunded } = lookups;
  const actions = actionResolvers(shop, { products, variants, customers, refunded, onMutation });

  return {
    ...actions.types,
    Node: { __resolveType: (node: { __typename: string }) => node.__typename },
    Mutation: {
      webhookSubscriptionCreate: (
        _: unknown,
        args: {
          topic: string;
          webhookSubscription: {
            uri?: string | null;
            callbackUrl?: string | null;
            format?: string;
          };
        },
      ) => {
        const uri = args.webhookSubscription.uri ?? args.webhookSubscription.callbackUrl ?? "";
        if (!/^https?:\/\//.test(uri)) {
          return {
            webhookSubscription: null,
            userErrors: [{ field: ["webhookSubscription", "uri"], message: "Address is invalid" }],
          };
        }
        if (webhooks.some((w) => w.topic === args.topic && w.uri === uri)) {
          return {
            webhookSubscription: null,
            userErrors: [{
              field: ["webhookSubscription", "callbackUrl"],
              message: "Address for this topic has already been taken",
            }],
          };
        }
        const now = new Date().toISOString();
        const created: DevWebhookSubscription = {
          id: 5_000_000 + webhooks.length,
          topic: args.topic,
          uri,
          format: args.webhookSubscription.format ?? "JSON",
          createdAt: now,
          updatedAt: now,
        };
        webhooks.push(created);
        return { webhookSubscription: created, userErrors: [] };
      },
      ...actions.Mutation,
      bulkOperationRunQuery: (_: unknown, args: { query: string }, ctx: Context) => {
        if (
          bulk.current && (bulk.current.status === "CREATED" || bulk.current.status === "RUNNING")
        ) {
          return {
            bulkOperation: null,
            userErrors: [{
              field: ["query"],
              message: "A bulk query operation for this app and shop is already in progress.",
            }],
          };
        }
        const started = bulk.start(args.query, ctx);
        if ("error" in started) {
          return {
            bulkOperation: null,
            userErrors: [{ field: ["query"], message: started.error }],
          };
        }
        return { bulkOperation: started, userErrors: [] };
      },
    },
    Query: {
      currentBulkOperation: () => bulk.current,
      ...actions.Query,
      codeDiscountNodes: (
        _: unknown,
        args: { first?: number; after?: string; query?: string },
        ctx: Context,
      ) => {
        requireScope(ctx, "read_discounts", "codeDiscountNodes");
        return connection(shop.discounts, args, ctx.bulk);
      },
      webhookSubscriptions: (_: unknown, args: { first?: number; after?: string }) =>
        connection(webhooks, args),
      ordersCount: (_: unknown, args: { query?: string; limit?: number | null }, ctx: Context) => {
        requireScope(ctx, "read_orders", "ordersCount");
        const filters = parseSearch(args.query);
        const since = ctx.scopes.includes("read_all_orders")
          ? -Infinity
          : ctx.now - ORDER_WINDOW_DAYS * 86_400_000;
        return countAnswer(
          shop.orders.filter((o) =>
            Date.parse(o.createdAt) >= since && matches(o as never, filters)
          )
            .length,
          args.limit,
        );
      },
      productsCount: (
        _: unknown,
        args: { query?: string; limit?: number | null },
        ctx: Context,
      ) => {
        requireScope(ctx, "read_products", "productsCount");
        const filters = parseSearch(args.query);
        return countAnswer(
          shop.products.filter((p) => matches(p as never, filters)).length,
          args.limit,
        );
      },
      customersCount: (
        _: unknown,
        args: { query?: string; limit?: number | null },
        ctx: Context,
      ) => {
        requireScope(ctx, "read_customers", "customersCount");
        const filters = parseSearch(args.query);
        return countAnswer(
          shop.customers.filter((c) => matches(c as never, filters)).length,
          args.limit,
        );
      },
      shop: () => ({
        id: gid("Shop", 1),
        name: shop.name,
        email: shop.email,
        myshopifyDomain: shop.domain,
        currencyCode: shop.currency,
        ianaTimezone: shop.timezone,
        billingAddress: { id: gid("ShopAddress", 1), countryCodeV2: shop.country },
      }),
      orders: (_: unknown, args: PageArgs & { query?: string }, ctx: Context) => {
        requireScope(ctx, "read_orders", "orders");
        const filters = parseSearch(args.query);
        const since = ctx.scopes.includes("read_all_orders")
          ? -Infinity
          : ctx.now - ORDER_WINDOW_DAYS * 86_400_000;
        const list = shop.orders.filter((o) =>
          Date.parse(o.createdAt) >= since && matches(o as never, filters)
        );
        return connection(sortedBy(list, ORDER_SORT_KEYS, args), args, ctx.bulk);
      },
      products: (_: unknown, args: PageArgs & { query?: string }, ctx: Context) => {
        requireScope(ctx, "read_products", "products");
        const filters = parseSearch(args.query);
        return connection(
          sortedBy(
            shop.products.filter((p) => matches(p as never, filters)),
            PRODUCT_SORT_KEYS,
            args,
          ),
          args,
          ctx.bulk,
        );
      },
      customers: (_: unknown, args: PageArgs & { query?: string }, ctx: Context) => {
        requireScope(ctx, "read_customers", "customers");
        const filters = parseSearch(args.query);
        return connection(
          sortedBy(
            shop.customers.filter((c) => matches(c as never, filters)),
            CUSTOMER_SORT_KEYS,
            args,
          ),
          args,
          ctx.bulk,
        );
      },
      node: (_: unknown, args: { id: string }, ctx: Context) => {
        const [, type, raw] = /^gid:\/\/shopify\/(\w+)\/(\d+)$/.exec(args.id) ?? [];
        const id = Number(raw);
        if (type === "Order") {
          requireScope(ctx, "read_orders", "node");
          const order = shop.orders.find((o) => o.id === id);
          return order ? { ...order, __typename: "Order" } : null;
        }
        if (type === "Product") {
          requireScope(ctx, "read_products", "node");
          const product = products.get(id);
          return product ? { ...product, __typename: "Product" } : null;
        }
        if (type === "BulkOperation") {
          const operation = bulk.byId.get(args.id);
          return operation ? { ...operation, __typename: "BulkOperation" } : null;
        }
        if (type === "Customer") {
          requireScope(ctx, "read_customers", "node");
          const customer = customers.get(id);
          return customer ? { ...customer, __typename: "Customer" } : null;
        }
        return null;
      },
    },
    ...objectResolvers(shop, lookups),
  };
}

export function adminApiRoutes(
  options: AdminApiOptions,
): { routes: Hono; faults: Fault[]; bucket: LeakyBucket } {
  const bulk: BulkState = {
    current: null,
    byId: new Map(),
    start: (query, ctx) =>
      startBulkOperation({
        schema,
        query,
        context: ctx as unknown as Record<string, unknown>,
        fileUrl: (n) => `${ctx.origin}/${options.shop.domain}/bulk/${n}.jsonl`,
        onChange: (operation) => {
          bulk.current = operation;
          bulk.byId.set(operation.id, operation);
        },
      }),
  };
  const schema = makeExecutableSchema({
    typeDefs: Deno.readTextFileSync(SCHEMA_FILE),
    resolvers: buildResolvers(
      options.shop,
      bulk,
      options.webhooks,
      options.onMutation ?? (() => {}),
    ),
  });
  const bucket = new LeakyBucket(
    options.bucket?.maximum ?? 1000,
    options.bucket?.restoreRate ?? 100,
  );
  const faults: Fault[] = [];
  const routes = new Hono();

  // Where a finished bulk operation's JSONL is downloaded (Shopify serves a signed storage URL).
  routes.get("/:shop/bulk/:file", (c) => {
    const id = `gid://shopify/BulkOperation/${c.req.param("file").replace(/\.jsonl$/, "")}`;
    const operation = bulk.byId.get(id);
    if (!operation?.file && operation?.file !== "") return c.text("Not Found", 404);
    return c.body(operation.file, 200, { "content-type": "application/jsonl" });
  });

  routes.post("/:shop/admin/api/:version/graphql.json", async (c) => {
    const token = c.req.header("x-shopify-access-token") ?? "";
    const grant = options.tokens.check(token);
    if (!grant || grant.shop !== c.req.param("shop")) {
      return c.json({
        errors: "[API] Invalid API key or access token (unrecognized login or wrong password)",
      }, 401);
    }
    const fault = faults.shift();
    if (fault?.kind === "server_error") {
      return c.text("Internal Server Error", (fault.status ?? 503) as 503);
    }
    if (fault?.kind === "rate_limited") {
      c.header("Retry-After", String(fault.retryAfterSeconds ?? 1));
      return c.json({
        errors:
          "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.",
      }, 429);
    }
    if (fault?.kind === "slow") await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault?.kind === "malformed") {
      return c.body('{"data": {"orders": ', 200, { "content-type": "application/json" });
    }

    const body = await c.req.json().catch(() => null) as {
      query?: string;
      variables?: Record<string, unknown>;
    } | null;
    if (!body?.query) {
      return c.json({ errors: { query: "Required parameter missing or invalid" } }, 400);
    }
    let document;
    try {
      document = parse(body.query);
    } catch (error) {
      return c.json({
        errors: [{ message: (error as Error).message, extensions: { code: "PARSE_ERROR" } }],
      });
    }
    // Shopify's own schema first: a document Shopify would refuse is refused here too, however
    // the dev store's subset reads it. Then the subset: what Shopify accepts but we do not serve.
    const refused = shopifyValidationErrors(body.query, document);
    if (refused.length) return c.json({ errors: refused.map((e) => e.toJSON()) });
    const invalid = validate(schema, document);
    if (invalid.length) {
      return c.json({
        errors: invalid.map((e) => ({
          ...e.toJSON(),
          message: `${e.message} (valid in Shopify's schema; the dev store does not serve it)`,
        })),
      });
    }
    const operation = getOperationAST(document)!;
    const fragments = Object.fromEntries(
      document.definitions.filter((d): d is FragmentDefinitionNode =>
        d.kind === Kind.FRAGMENT_DEFINITION
      )
        .map((d) => [d.name.value, d]),
    );
    const variables = body.variables ?? {};
    const requested = queryCost(schema, operation, fragments, variables);
    if (requested > bucket.maximum) {
      return c.json({
        errors: [{
          message:
            `Query cost is ${requested}, which exceeds the single query max cost limit (${bucket.maximum}).`,
          extensions: { code: "MAX_COST_EXCEEDED", cost: requested, maxCost: bucket.maximum },
        }],
        extensions: {
          cost: {
            requestedQueryCost: requested,
            actualQueryCost: null,
            throttleStatus: bucket.status(),
          },
        },
      });
    }
    if (!bucket.take(requested)) {
      return c.json({
        errors: [{
          message: "Throttled",
          extensions: {
            code: "THROTTLED",
            documentation: "https://shopify.dev/api/usage/rate-limits",
          },
        }],
        extensions: {
          cost: {
            requestedQueryCost: requested,
            actualQueryCost: null,
            throttleStatus: bucket.status(),
          },
        },
      });
    }
    const result = await execute({
      schema,
      document,
      variableValues: variables,
      contextValue: {
        scopes: grant.scopes,
        apiVersion: c.req.param("version"),
        now: Date.now(),
        origin: new URL(c.req.url).origin,
      } satisfies Context,
    });
    const actual = result.data
      ? queryCost(schema, operation, fragments, variables, result.data)
      : 0;
    bucket.refund(requested - actual);
    if (fault?.kind === "lost_answer") {
      await new Promise((resolve) => setTimeout(resolve, fault.ms));
      return c.text("Gateway Timeout", 504);
    }
    return c.json({
      ...(result.errors ? { errors: result.errors.map((e) => e.toJSON()) } : {}),
      data: result.data ?? null,
      extensions: {
        cost: {
          requestedQueryCost: requested,
          actualQueryCost: actual,
          throttleStatus: bucket.status(),
        },
      },
    });
  });

  return { routes, faults, bucket };
}
