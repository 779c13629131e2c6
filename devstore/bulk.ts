/**
 * The dev store's bulk operations, shaped like Shopify's: the query runs over
 * every object (connections take no page size), and the result is a JSONL
 * file in which each object is a line and objects of a nested connection are
 * lines of their own carrying the `__parentId` of the object they belong to.
 * The operation finishes asynchronously, so clients must poll, as on Shopify.
 */
import { execute, type GraphQLSchema, parse } from "graphql";
import { shopifyValidationErrors } from "./shopify_schema.ts";

export interface BulkOperation {
  id: string;
  status: "CREATED" | "RUNNING" | "COMPLETED" | "FAILED";
  errorCode: string | null;
  query: string;
  createdAt: string;
  completedAt: string | null;
  objectCount: string;
  fileSize: string | null;
  url: string | null;
  partialDataUrl: null;
  /** The JSONL body, served at `url`. */
  file?: string;
}

/** Flattens a connection of the result into JSONL lines, children after their parent. */
function flatten(connection: unknown, parentId: string | null, lines: string[]): void {
  const edges = (connection as { edges?: Array<{ node: Record<string, unknown> }> })?.edges ?? [];
  for (const { node } of edges) {
    const own: Record<string, unknown> = {};
    const children: unknown[] = [];
    for (const [key, value] of Object.entries(node)) {
      if (value && typeof value === "object" && "edges" in (value as object)) children.push(value);
      else own[key] = value;
    }
    if (parentId) own.__parentId = parentId;
    lines.push(JSON.stringify(own));
    for (const child of children) flatten(child, String(node.id), lines);
  }
}

export function startBulkOperation(options: {
  schema: GraphQLSchema;
  query: string;
  context: Record<string, unknown>;
  fileUrl: (id: number) => string;
  /** How long the operation takes to finish (so polling is exercised). */
  delayMs?: number;
  onChange: (operation: BulkOperation) => void;
}): BulkOperation | { error: string } {
  let document;
  try {
    document = parse(options.query);
  } catch (error) {
    return { error: `Invalid bulk query: ${(error as Error).message}` };
  }
  const refused = shopifyValidationErrors(options.query, document);
  if (refused.length) return { error: `Invalid bulk query: ${refused[0]!.message}` };
  const number = Math.floor(Math.random() * 1e9);
  const operation: BulkOperation = {
    id: `gid://shopify/BulkOperation/${number}`,
    status: "CREATED",
    errorCode: null,
    query: options.query,
    createdAt: new Date().toISOString(),
    completedAt: null,
    objectCount: "0",
    fileSize: null,
    url: null,
    partialDataUrl: null,
  };
  options.onChange(operation);
  setTimeout(async () => {
    operation.status = "RUNNING";
    const result = await execute({
      schema: options.schema,
      document,
      contextValue: { ...options.context, bulk: true },
    });
    if (result.errors?.length || !result.data) {
      operation.status = "FAILED";
      operation.errorCode = "INTERNAL_SERVER_ERROR";
    } else {
      const lines: string[] = [];
      for (const value of Object.values(result.data)) flatten(value, null, lines);
      operation.file = lines.length ? lines.join("\n") + "\n" : "";
      operation.objectCount = String(lines.length);
      operation.fileSize = String(new TextEncoder().encode(operation.file).length);
      operation.url = options.fileUrl(number);
      operation.status = "COMPLETED";
    }
    operation.completedAt = new Date().toISOString();
    options.onChange(operation);
  }, options.delayMs ?? 50);
  return operation;
}
