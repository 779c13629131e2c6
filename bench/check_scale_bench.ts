/**
 * `deno task bench scale`: the daily check for many small shops on one worker
 * (issue #12 asks 10,000 within 10 minutes on these 2 cores).
 *
 * The shops are synthetic and small: 16 weeks of daily rollup each (the whole
 * shop and three products, a weekday pattern and some noise, a handful of
 * orders a day), written straight into the mirror's tables. Each shop's check
 * is then queued as its schedule would queue it, and one pg-boss worker runs
 * them with the worker's own handler options and the job pool's settings
 * (asynchronous commit); the figure is the wall time from the first job
 * queued to the last finished. The day checked is a Wednesday, so no weekly
 * digest is written; the few anomalies the noise makes are written as
 * insights with their explanations queued (not run here).
 */
import postgres from "postgres";
import { startDemoStack } from "./demo_stack.ts";
import { createBoss } from "../jobs/boss.ts";
import { loggedHandler, WORK_OPTIONS } from "../jobs/handler.ts";
import { connectDatabase } from "../db/database.ts";
import { type CheckJob, INSIGHTS_CHECK_QUEUE, runDailyCheck } from "../insights/check.ts";

export interface ScaleFigures {
  shops: number;
  rows: number;
  seedSeconds: number;
  wallSeconds: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  insights: number;
  failed: number;
}

const DAYS = 112;
/** A Wednesday: the check of a Sunday would add a weekly digest per shop. */
const CHECKED = "2026-12-02";

export async function measureCheckScale(shops = 10_000): Promise<ScaleFigures> {
  const stack = await startDemoStack({ jobs: true });
  const owner = postgres(stack.pg.url, { max: 1, onnotice: () => {} });
  const jobsDb = connectDatabase({
    url: stack.pg.url,
    poolMax: 5,
    log: stack.log,
    asyncCommit: true,
  });
  const boss = createBoss({ url: stack.pg.url, log: stack.log, max: 3 });
  await boss.start();
  try {
    const seeded = performance.now();
    await owner`insert into users (id, email)
      select gen_random_uuid(), 'scale' || g || '@bench.dev' from generate_series(1, ${shops}) g`;
    await owner`insert into linked_accounts (user_id, provider, account_identifier, encrypted_access_token)
      select id, 'shopify', split_part(email, '@', 1) || '.myshopify.com', '\\x01'
      from users where email like 'scale%'`;
    await owner`insert into store_sync_state (linked_account_id, user_id, shop_timezone,
        shop_currency, import_finished_at)
      select id, user_id, (array['America/New_York', 'Europe/Berlin', 'Asia/Tokyo'])[1 + (hashtext(id::text) & 1)],
        'USD', now()
      from linked_accounts where account_identifier like 'scale%'`;
    // Product 0 is the whole shop; products 1–3 its sellers. A weekday pattern, some noise.
    await owner`insert into shop_sales_daily (user_id, linked_account_id, day, product_id, variant_id,
        gross, units, orders, lines)
      select a.user_id, a.id, d.day, p.product_id, 0,
        round((v.units * 30)::numeric, 2), v.units, greatest(1, v.units / 2), v.units
      from linked_accounts a
      cross join generate_series(${CHECKED}::date - ${
      DAYS - 1
    }::int, ${CHECKED}::date, interval '1 day') d(day)
      cross join generate_series(0, 3) p(product_id)
      cross join lateral (select (case when p.product_id = 0 then 12 else 4 end
          * (array[1.2, 0.9, 0.9, 1.0, 1.0, 1.1, 0.9])[1 + extract(isodow from d.day)::int - 1]
          * (0.75 + random() * 0.5))::int as units) v
      where a.account_identifier like 'scale%'`;
    const rows =
      (await owner<{ n: number }[]>`select count(*)::int as n from shop_sales_daily`)[0]!.n;
    await owner`analyze`;
    const seedSeconds = (performance.now() - seeded) / 1000;

    const accounts = await owner<{ id: string; user_id: string }[]>`
      select id, user_id from linked_accounts where account_identifier like 'scale%'`;
    const times: number[] = [];
    let failed = 0;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const started = performance.now();
    await boss.insert(
      INSIGHTS_CHECK_QUEUE,
      accounts.map((a) => ({
        data: { userId: a.user_id, accountId: a.id, day: CHECKED } satisfies CheckJob,
        singletonKey: a.id,
      })),
    );
    await boss.work<CheckJob>(
      INSIGHTS_CHECK_QUEUE,
      WORK_OPTIONS,
      loggedHandler<CheckJob>(
        stack.log,
        (job) => runDailyCheck({ db: jobsDb, boss }, job.data),
        (run) => {
          times.push(run.ms);
          if (run.outcome === "failed") failed++;
          if (times.length === accounts.length) done();
        },
      ),
    );
    await finished;
    const wallSeconds = (performance.now() - started) / 1000;
    times.sort((a, b) => a - b);
    const insights = (await owner<{ n: number }[]>`select count(*)::int as n from insights`)[0]!.n;
    return {
      shops: accounts.length,
      rows,
      seedSeconds,
      wallSeconds,
      perSecond: accounts.length / wallSeconds,
      p50Ms: times[Math.floor(times.length * 0.5)]!,
      p95Ms: times[Math.floor(times.length * 0.95)]!,
      insights,
      failed,
    };
  } finally {
    await boss.stop({ graceful: false, timeout: 1000 });
    await jobsDb.end();
    await owner.end();
    await stack.close();
  }
}

if (import.meta.main) console.log(await measureCheckScale(Number(Deno.args[0] ?? 10_000)));
