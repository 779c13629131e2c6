/**
 * Development aid, not part of `deno task bench`: 5 s of one operation at 50
 * connections against one implementation, printing requests/s and a `top`
 * snapshot. With BENCH_V8_FLAGS=--prof and BENCH_PROFILE_DIR=/tmp/prof the
 * server writes a V8 profile; read it with `node --prof-process`.
 *
 *   deno run -A bench/profile_graphql.ts hono "listAnalysisRequests(first: 20)" [open-loop rate]
 */
import { measureGraphqlQuick, OPERATIONS } from "./graphql_bench.ts";

const impl = Deno.args[0] ?? "hono";
const operation = (Deno.args[1] ?? "me") as keyof typeof OPERATIONS;
if (!(operation in OPERATIONS)) {
  throw new Error(`operation is one of: ${Object.keys(OPERATIONS).join(", ")}`);
}
const rate = Deno.args[2] ? Number(Deno.args[2]) : undefined;
console.log(JSON.stringify(await measureGraphqlQuick(impl, operation, rate)));
