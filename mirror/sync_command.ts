/**
 * `deno task sync <account id | shop domain> [--full]`: an operator forces a
 * sync now, in this process, and sees what it did. Without `--full` it syncs
 * what changed (or finishes an unfinished import); `--full` imports again
 * from scratch (after a key change, or to rule out drift).
 */
import { isUuid } from "../db/database.ts";
import type { MirrorDeps } from "./deps.ts";
import { importStore } from "./import.ts";
import { syncChanges } from "./incremental.ts";

export async function runSyncCommand(
  deps: MirrorDeps,
  args: string[],
  print: (line: string) => void,
): Promise<number> {
  const target = args.find((a) => !a.startsWith("--"));
  const full = args.includes("--full");
  if (!target) {
    print("Usage: deno task sync <linked account id | shop domain> [--full]");
    return 2;
  }
  const accounts = await deps.db.withSystem(
    "find a linked store for an operator's sync",
    (tx) =>
      tx<{ id: string; user_id: string; account_identifier: string; status: string }[]>`
        select id, user_id, account_identifier, status from linked_accounts
        where provider = 'shopify'
          and ${
        isUuid(target) ? tx`id = ${target}` : tx`account_identifier = ${target.toLowerCase()}`
      }`,
  );
  if (accounts.length === 0) {
    print(`No linked store matches "${target}".`);
    return 1;
  }
  let failures = 0;
  for (const account of accounts) {
    const scope = { userId: account.user_id, accountId: account.id };
    const label = `${account.account_identifier} (account ${account.id})`;
    if (account.status !== "active") {
      print(`${label}: skipped, its access is ${account.status}; the merchant must link it again.`);
      failures++;
      continue;
    }
    try {
      const imported = await deps.db.withTenant(scope.userId, async (tx) => {
        if (full) {
          await tx`update store_sync_state set import_progress = '{}', import_started_at = null,
                     import_finished_at = null where linked_account_id = ${account.id}`;
        }
        const [row] = await tx`select import_finished_at from store_sync_state
                               where linked_account_id = ${account.id}`;
        return Boolean(row?.import_finished_at);
      });
      if (imported) {
        const report = await syncChanges(deps, scope);
        print(
          `${label}: synced changes in ${report.ms} ms: ${report.orders} orders, ${report.products} products, ` +
            `${report.customers} customers, ${report.discountCodes} discount codes ` +
            `(${report.requests} requests, ${report.pointsSpent} points)`,
        );
      } else {
        const report = await importStore(deps, scope, {
          onProgress: (resource, committed) => print(`  ${resource}: ${committed} written`),
        });
        print(
          `${label}: imported in ${report.ms} ms: ${JSON.stringify(report.written)}` +
            (Object.values(report.resumedFrom).some(Boolean)
              ? `, resumed after ${JSON.stringify(report.resumedFrom)}`
              : ""),
        );
      }
    } catch (error) {
      failures++;
      print(`${label}: failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return failures ? 1 : 0;
}
