/**
 * The approval half of `deno task ask`: `--approve <action id>` runs a
 * proposed action on the store, `--reject <action id>` closes it, and
 * `--audit` prints the merchant's latest audit entries.
 */

/** A GraphQL call's `data` (its shape is the query's). */
export type Call = (
  query: string,
  variables: Record<string, unknown>,
  token?: string,
  // deno-lint-ignore no-explicit-any
) => Promise<any>;

export async function decideAction(
  call: Call,
  token: string,
  verb: "approve" | "reject",
  actionId: string,
): Promise<number> {
  const field = verb === "approve" ? "userApprovesAction" : "userRejectsAction";
  const payload = (await call(
    `mutation($id: ID!) { ${field}(actionId: $id) {
       success proposedAction { id status preview executionResult } userErrors { code message } } }`,
    { id: actionId },
    token,
  ))[field];
  const action = payload.proposedAction;
  if (action) console.log(`${action.status}: ${action.preview}`);
  if (action?.executionResult && action.status === "EXECUTED") {
    console.log(`Shopify: ${JSON.stringify(action.executionResult)}`);
  }
  for (const error of payload.userErrors) console.error(`${error.code}: ${error.message}`);
  return payload.success ? 0 : 1;
}

export async function printAudit(call: Call, token: string, first = 20): Promise<number> {
  const { auditLog } = await call(
    `query($first: Int) { auditLog(first: $first) { edges { node {
       createdAt actor action entityType entityId beforeStatus afterStatus } } } }`,
    { first },
    token,
  );
  for (const { node } of auditLog.edges) {
    const move = node.beforeStatus
      ? `${node.beforeStatus} → ${node.afterStatus}`
      : node.afterStatus;
    console.log(
      `${node.createdAt}  ${node.actor.padEnd(6)} ${node.action.padEnd(20)} ${move ?? ""}  ${
        node.entityId ?? ""
      }`,
    );
  }
  return 0;
}
