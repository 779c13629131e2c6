/**
 * `deno task bench push`: how fast ready insights reach the local APNs server
 * (HTTP/2 over TLS, its provider-token check), two ways:
 *
 * - **APNs client alone**: 5,000 notifications through one HTTP/2 connection,
 *   up to 100 in flight (streams multiplexed, as Apple recommends).
 * - **The delivery job's code** (notifications/deliver_insight.ts): 1,000 users
 *   with one device and one ready insight each, delivered 32 at a time, each
 *   delivery reading its insight and devices and recording its row in Postgres.
 *
 * The issue asks ≥ 500 notifications a second.
 */
import { startDemoStack } from "./demo_stack.ts";
import { deliverInsight } from "../notifications/deliver_insight.ts";
import { localApnsClient, startLocalApns } from "../notifications/local_apns.ts";
import { createBoss } from "../jobs/boss.ts";

const TOPIC = "com.alatar.bench";

export interface PushFigures {
  clientSent: number;
  clientPerSecond: number;
  deliveries: number;
  deliveriesPerSecond: number;
  received: number;
}

async function inPool<T>(items: T[], width: number, run: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await run(items[next++]!);
  }));
}

export async function measurePush(): Promise<PushFigures> {
  const stack = await startDemoStack({ jobs: true });
  const apns = await startLocalApns({ topic: TOPIC });
  const client = await localApnsClient(apns, TOPIC);
  const boss = createBoss({ url: stack.pg.url, log: stack.log, max: 2, maintenance: false });
  await boss.start();
  try {
    const token = (i: number) => i.toString(16).padStart(64, "0");
    // Warm: the connection and the provider token.
    await client.send({
      deviceToken: token(0),
      collapseId: "warm",
      payload: { aps: {} },
      expiration: 0,
    });
    const n = 5000;
    let started = performance.now();
    await inPool(Array.from({ length: n }, (_, i) => i + 1), 100, (i) =>
      client.send({
        deviceToken: token(i),
        collapseId: `c${i}`,
        payload: { aps: { alert: { title: "Net sales fell 36% on Tuesday", body: "…" } } },
        expiration: 0,
      }));
    const clientSeconds = (performance.now() - started) / 1000;

    const users = 1000;
    const jobs: Array<{ userId: string; insightId: string }> = [];
    for (let u = 0; u < users; u++) {
      const userId = crypto.randomUUID();
      const insightId = await stack.db.withTenant(userId, async (tx) => {
        await tx`insert into users (id, email) values (${userId}, ${`push${u}@bench.dev`})`;
        await tx`insert into user_preferences (user_id, quiet_hours_start, quiet_hours_end)
                 values (${userId}, 0, 0)`;
        const [account] = await tx`insert into linked_accounts (user_id, provider,
                 account_identifier, encrypted_access_token)
               values (${userId}, 'shopify', ${`s${u}.myshopify.com`}, '\\x01') returning id`;
        await tx`insert into push_devices (user_id, token, environment)
                 values (${userId}, ${token(100_000 + u)}, 'production')`;
        const [insight] = await tx`insert into insights (user_id, linked_account_id, kind, cause,
                 severity, title, summary, period_from, period_to, ready_at)
               values (${userId}, ${account!.id}, 'anomaly', 'netSales:down', 'warning',
                 'Net sales fell 36% on Tuesday', 'Net sales were $7,100 on Tuesday.',
                 '2026-12-01', '2026-12-01', now()) returning id`;
        return insight!.id as string;
      });
      jobs.push({ userId, insightId });
    }
    const before = apns.deliveries.length;
    started = performance.now();
    await inPool(
      jobs,
      32,
      (job) => deliverInsight({ db: stack.db, boss, apns: client, environment: "production" }, job),
    );
    const deliverySeconds = (performance.now() - started) / 1000;
    return {
      clientSent: n,
      clientPerSecond: n / clientSeconds,
      deliveries: users,
      deliveriesPerSecond: users / deliverySeconds,
      received: apns.deliveries.length - before,
    };
  } finally {
    await boss.stop({ graceful: false, timeout: 1000 });
    client.close();
    await apns.close();
    await stack.close();
  }
}

if (import.meta.main) console.log(await measurePush());
