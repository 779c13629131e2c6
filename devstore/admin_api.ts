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
import { actionResolvers, refundableQuantity, saleTransactionId } from "./action_mutations.ts";
import type { MutationChange } from "./changes.ts";
import type {
  DevCustomer,
  DevDiscount,
  DevLineItem,
  DevOrder,
  DevProduct,
  DevShop,
  DevVariant,
} from "./seed.ts";
import { LeakyBucket } from "./throttle.ts";
import { type BulkOperation, startBulkOperation } from "./bulk.ts";
import { connection, type Context, decimal, gid, money, requireScope } from "./admin_helpers.ts";

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

interface BulkState {
  current: BulkOperation | null;
  byId: Map<string, BulkOperation>;
  start: (query: string, ctx: Context) => BulkOperation | { error: string };
}

/** An app's webhook subscription on the dev store. */
export interface DevWebhookSubscription {
  id: number;
  topic: string;
  uri: string;
  format: string;
  createdAt: string;
  updatedAt: string;
}

function buildResolvers(
  shop: DevShop,
  bulk: BulkState,
  webhooks: DevWebhookSubscription[],
  onMutation: (change: MutationChange) => void,
) {
  const products = new Map(shop.products.map((p) => [p.id, p]));
  const variants = new Map(shop.products.flatMap((p) => p.variants.map((v) => [v.id, v] as const)));
  const customers = new Map(shop.customers.map((c) => [c.id, c]));
  const collections = new Map(shop.collections.map((c) => [c.id, c]));
  // Recounted when orders are added (tests place orders through DevStore.changes).
  let counted = -1;
  const ordersPerCustomer = new Map<number, number>();
  const orderCount = (customerId: number) => {
    if (counted !== shop.orders.length) {
      ordersPerCustomer.clear();
      for (const o of shop.orders) {
        if (o.customerId) {
          ordersPerCustomer.set(o.customerId, (ordersPerCustomer.get(o.customerId) ?? 0) + 1);
        }
      }
      counted = shop.orders.length;
    }
    return ordersPerCustomer.get(customerId) ?? 0;
  };
  const codeUses = (code: string) =>
    shop.orders.filter((o) => o.discountCodes.includes(code)).length;

  const subtotal = (o: DevOrder) =>
    o.lineItems.reduce((s, l) => s + l.unitPrice * l.quantity - l.discount, 0);
  const discounts = (o: DevOrder) => o.lineItems.reduce((s, l) => s + l.discount, 0);
  const refunded = (o: DevOrder) =>
    o.refunds.reduce((s, r) => s + r.shipping + r.lines.reduce((t, l) => t + l.amount, 0), 0);

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
    BulkOperation: {
      __isTypeOf: (value: { id?: string }) => String(value.id ?? "").includes("BulkOperation"),
    },
    DiscountCode: { __resolveType: () => "DiscountCodeBasic" },
    DiscountCustomerGetsValue: {
      __resolveType: (value: { percentage?: number }) =>
        value.percentage === undefined ? "DiscountAmount" : "DiscountPercentage",
    },
    DiscountCodeNode: {
      id: (d: DevDiscount) => gid("DiscountCodeNode", d.id),
      codeDiscount: (d: DevDiscount) => d,
    },
    DiscountCodeBasic: {
      title: (d: DevDiscount) => d.title ?? d.code,
      status: (d: DevDiscount, _: unknown, ctx: Context) =>
        Date.parse(d.startsAt) > ctx.now
          ? "SCHEDULED"
          : d.endsAt && Date.parse(d.endsAt) <= ctx.now
          ? "EXPIRED"
          : "ACTIVE",
      asyncUsageCount: (d: DevDiscount) => codeUses(d.code),
      codes: (d: DevDiscount, args: { first?: number; after?: string }, ctx: Context) =>
        connection(
          [{
            id: gid("DiscountRedeemCode", d.id + 1),
            code: d.code,
            asyncUsageCount: codeUses(d.code),
          }],
          args,
          ctx.bulk,
        ),
      customerGets: (d: DevDiscount) => ({ value: { percentage: d.percentage / 100 } }),
    },
    WebhookSubscription: {
      id: (w: DevWebhookSubscription) => gid("WebhookSubscription", w.id),
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
      orders: (
        _: unknown,
        args: { first?: number; after?: string; query?: string; reverse?: boolean },
        ctx: Context,
      ) => {
        requireScope(ctx, "read_orders", "orders");
        const filters = parseSearch(args.query);
        const since = ctx.scopes.includes("read_all_orders")
          ? -Infinity
          : ctx.now - ORDER_WINDOW_DAYS * 86_400_000;
        let list = shop.orders.filter((o) =>
          Date.parse(o.createdAt) >= since && matches(o as never, filters)
        );
        if (args.reverse) list = [...list].reverse();
        return connection(list, args, ctx.bulk);
      },
      products: (
        _: unknown,
        args: { first?: number; after?: string; query?: string },
        ctx: Context,
      ) => {
        requireScope(ctx, "read_products", "products");
        const filters = parseSearch(args.query);
        return connection(
          shop.products.filter((p) => matches(p as never, filters)),
          args,
          ctx.bulk,
        );
      },
      customers: (
        _: unknown,
        args: { first?: number; after?: string; query?: string },
        ctx: Context,
      ) => {
        requireScope(ctx, "read_customers", "customers");
        const filters = parseSearch(args.query);
        return connection(
          shop.customers.filter((c) => matches(c as never, filters)),
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
    Order: {
      id: (o: DevOrder) => gid("Order", o.id),
      currencyCode: (o: DevOrder) => o.currency,
      presentmentCurrencyCode: (o: DevOrder) => o.presentmentCurrency,
      customer: (o: DevOrder) => (o.customerId ? customers.get(o.customerId) ?? null : null),
      subtotalPriceSet: (o: DevOrder) => money(subtotal(o), o),
      totalDiscountsSet: (o: DevOrder) => money(discounts(o), o),
      totalShippingPriceSet: (o: DevOrder) => money(o.shipping, o),
      totalTaxSet: (o: DevOrder) => money(o.tax, o),
      totalPriceSet: (o: DevOrder) => money(subtotal(o) + o.shipping + o.tax, o),
      totalRefundedSet: (o: DevOrder) => money(refunded(o), o),
      lineItems: (o: DevOrder, args: { first?: number; after?: string }, ctx: Context) =>
        connection(o.lineItems.map((line) => ({ line, order: o })), args, ctx.bulk),
      transactions: (o: DevOrder) => [{
        id: gid("OrderTransaction", saleTransactionId(o)),
        kind: "SALE",
        status: "SUCCESS",
        gateway: o.test ? "bogus" : "shopify_payments",
        amountSet: money(subtotal(o) + o.shipping + o.tax, o),
        createdAt: o.processedAt,
      }],
      refunds: (o: DevOrder, args: { first?: number }) =>
        o.refunds.slice(0, args.first ?? o.refunds.length).map((refund) => ({ refund, order: o })),
    },
    LineItem: {
      id: ({ line }: { line: DevLineItem }) => gid("LineItem", line.id),
      title: ({ line }: { line: DevLineItem }) => line.title,
      sku: ({ line }: { line: DevLineItem }) => line.sku,
      quantity: ({ line }: { line: DevLineItem }) => line.quantity,
      isGiftCard: ({ line }: { line: DevLineItem }) => line.isGiftCard ?? false,
      product: ({ line }: { line: DevLineItem }) => products.get(line.productId) ?? null,
      variant: ({ line }: { line: DevLineItem }) => variants.get(line.variantId) ?? null,
      originalUnitPriceSet: ({ line, order }: { line: DevLineItem; order: DevOrder }) =>
        money(line.unitPrice, order),
      totalDiscountSet: ({ line, order }: { line: DevLineItem; order: DevOrder }) =>
        money(line.discount, order),
      discountedUnitPriceAfterAllDiscountsSet: (
        { line, order }: { line: DevLineItem; order: DevOrder },
      ) => money((line.unitPrice * line.quantity - line.discount) / line.quantity, order),
      refundableQuantity: ({ line, order }: { line: DevLineItem; order: DevOrder }) =>
        refundableQuantity(order, line.id),
    },
    Refund: {
      id: ({ refund }: { refund: DevOrder["refunds"][number] }) => gid("Refund", refund.id),
      createdAt: ({ refund }: { refund: DevOrder["refunds"][number] }) => refund.createdAt,
      note: ({ refund }: { refund: DevOrder["refunds"][number] }) => refund.note,
      totalRefundedSet: (
        { refund, order }: { refund: DevOrder["refunds"][number]; order: DevOrder },
      ) => money(refund.shipping + refund.lines.reduce((s, l) => s + l.amount, 0), order),
      refundLineItems: (
        { refund, order }: { refund: DevOrder["refunds"][number]; order: DevOrder },
        args: { first?: number; after?: string },
        ctx: Context,
      ) =>
        connection(
          refund.lines.map((l) => ({
            lineItem: { line: order.lineItems.find((line) => line.id === l.lineItemId)!, order },
            quantity: l.quantity,
            subtotalSet: money(l.amount, order),
          })),
          args,
          ctx.bulk,
        ),
    },
    Product: {
      id: (p: DevProduct) => gid("Product", p.id),
      totalInventory: (p: DevProduct) => p.variants.reduce((s, v) => s + v.inventoryQuantity, 0),
      images: (p: DevProduct, args: { first?: number; after?: string }, ctx: Context) =>
        connection(p.images.map((i) => ({ ...i, id: gid("ProductImage", i.id) })), args, ctx.bulk),
      variants: (p: DevProduct, args: { first?: number; after?: string }, ctx: Context) =>
        connection(p.variants, args, ctx.bulk),
      collections: (p: DevProduct, args: { first?: number; after?: string }, ctx: Context) =>
        connection(p.collectionIds.map((id) => collections.get(id)!), args, ctx.bulk),
    },
    ProductVariant: {
      id: (v: DevVariant) => gid("ProductVariant", v.id),
      price: (v: DevVariant) => decimal(v.price),
      compareAtPrice: (
        v: DevVariant,
      ) => (v.compareAtPrice === null ? null : decimal(v.compareAtPrice)),
      inventoryItem: (v: DevVariant) => ({
        unitCost: { amount: decimal(v.unitCost), currencyCode: shop.currency },
      }),
      product: (v: DevVariant) => products.get(v.productId),
    },
    Collection: { id: (c: { id: number }) => gid("Collection", c.id) },
    Customer: {
      id: (c: DevCustomer) => gid("Customer", c.id),
      numberOfOrders: (c: DevCustomer) => String(orderCount(c.id)),
    },
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
    const invalid = validate(schema, document);
    if (invalid.length) return c.json({ errors: invalid.map((e) => e.toJSON()) });
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
