/**
 * `deno task insights [account id | shop domain] [--day YYYY-MM-DD]`: runs
 * the daily check now, for one linked store or every one, and prints what it
 * found. The explanations are queued as analysis requests like any other: a
 * running worker (`deno task start`) answers them, and each insight shows in
 * the app once its explanation has ended.
 */
import type { Database } from "../db/database.ts";
import { isUuid } from "../db/database.ts";
import type { Enqueuer } from "../jobs/enqueue.ts";
import { runDailyCheck } from "./check.ts";

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export async function runInsightsCommand(
  deps: { db: Database; boss: Enqueuer },
  args: string[],
  print: (line: string) => void,
): Promise<number> {
  const dayAt = args.indexOf("--day");
  const day = dayAt >= 0 ? args[dayAt + 1] : undefined;
  if (dayAt >= 0 && !(day && DAY.test(day))) {
    print("Usage: deno task insights [linked account id | shop domain] [--day YYYY-MM-DD]");
    return 2;
  }
  const target = args.find((a, i) => !a.startsWith("--") && i !== dayAt + 1);
  const accounts = await deps.db.withSystem(
    "find linked stores for an operator's insight check",
    (tx) =>
      tx<{ id: string; user_id: string; account_identifier: string }[]>`
        select id, user_id, account_identifier from linked_accounts
        where provider = 'shopify' and status = 'active'
          and ${
        !target
          ? tx`true`
          : isUuid(target)
          ? tx`id = ${target}`
          : tx`account_identifier = ${target.toLowerCase()}`
      }
        order by account_identifier`,
  );
  if (accounts.length === 0) {
    print(target ? `No linked store matches "${target}".` : "No store is linked yet.");
    return 1;
  }
  let failures = 0;
  for (const account of accounts) {
    const label = account.account_identifier;
    try {
      const outcome = await runDailyCheck(deps, {
        userId: account.user_id,
        accountId: account.id,
        ...(day ? { day } : {}),
      });
      if (outcome.skipped) {
        print(`${label}, ${outcome.day}: not checked: ${outcome.skipped}`);
        continue;
      }
      const what = outcome.weekly ? "the day and its week" : "the day";
      print(
        `${label}, ${outcome.day} (${what}): ${outcome.created.length} new insight(s)` +
          (outcome.extended ? `, ${outcome.extended} going on from earlier days` : ""),
      );
      const rows = outcome.created.length
        ? await deps.db.withTenant(
          account.user_id,
          (tx) =>
            tx<{ id: string; kind: string; severity: string; title: string; summary: string }[]>`
            select id, kind, severity, title, summary from insights
            where id in ${tx(outcome.created.map((c) => c.id))} order by created_at, id`,
        )
        : [];
      for (const row of rows) {
        print(`  [${row.severity}] ${row.title}`);
        print(`    ${row.summary}`);
      }
    } catch (error) {
      failures++;
      print(`${label}: failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (accounts.length) print("Explanations are queued: a running worker answers them.");
  return failures ? 1 : 0;
}
