/**
 * `deno task bench insights` (detection): how well metrics/anomalies.ts finds
 * what it should and stays quiet otherwise, on the demo shop's year.
 *
 * The daily series (net sales, orders, average order value, refunds, and the
 * units of the five best sellers) are computed from the dev store's raw
 * orders by eval/expected.ts, the eval's own arithmetic. The daily check is
 * then replayed on every day of the last 180: each day's series up to that
 * day are checked as the worker would, and an alert that continues
 * yesterday's (same measure, product and direction) is the same insight, not
 * a new one.
 *
 * - **False alerts**: on the series as they are, outside the demo's known dip
 *   (the last complete week, the best seller out of stock), per 30 days.
 * - **Recall**: 25 anomalies injected into a copy, at least six days apart,
 *   five of each kind (a sales drop, a sales spike, a refund burst, a jump in
 *   order value, a best seller that stops selling for two days); found when
 *   an alert of the right measure and direction comes on its day or the next.
 * - **The known dip**: whether the week check flags last week's net sales,
 *   and the day checks the best seller's missing units.
 */
import { generateShop, SHOP_TIMEZONE } from "../devstore/seed.ts";
import { expectedSales, shopDay } from "../eval/expected.ts";
import { addDays } from "../metrics/calendar.ts";
import {
  type Anomaly,
  checkShopDay,
  DEDUPE_DAYS,
  type ShopSeries,
  weekAnomaly,
} from "../metrics/anomalies.ts";

const WINDOW = 180;
const TOP_PRODUCTS = 5;

type Kind = "drop" | "spike" | "refunds" | "order value" | "best seller stalls";
const KINDS: Kind[] = ["drop", "spike", "refunds", "order value", "best seller stalls"];

export interface DetectionFigures {
  days: number;
  cleanAlerts: number;
  falsePer30Days: number;
  injected: number;
  found: number;
  foundByKind: Record<Kind, string>;
  dipWeek: Anomaly | null;
  dipDays: number;
  checkMs: number;
}

function demoSeries(): ShopSeries {
  const now = new Date();
  const shop = generateShop({ today: now });
  const lastDay = addDays(shopDay(now.toISOString(), SHOP_TIMEZONE), -1);
  const days = Array.from({ length: 365 }, (_, i) => addDays(lastDay, i - 364));
  const whole = days.map((d) => expectedSales(shop, { from: d, to: d }));
  // The best sellers as the worker picks them: by units over the four weeks before the window.
  const before = { from: addDays(lastDay, -WINDOW - 27), to: addDays(lastDay, -WINDOW) };
  const best = shop.products
    .map((p) => ({ id: p.id, units: expectedSales(shop, before, undefined, p.id).unitsSold }))
    .sort((a, b) => b.units - a.units)
    .slice(0, TOP_PRODUCTS);
  return {
    lastDay,
    netSales: whole.map((s) => s.netSales),
    orders: whole.map((s) => s.orders),
    refunds: whole.map((s) => s.returns),
    unitsSold: whole.map((s) => s.unitsSold),
    products: best.map((p) => ({
      id: String(p.id),
      unitsSold: days.map((d) =>
        expectedSales(shop, { from: d, to: d }, undefined, p.id).unitsSold
      ),
    })),
  };
}

interface Alert {
  key: string;
  day: string;
  anomaly: Anomaly;
}

/** The series as they stood at the end of day `end` (an index). */
function cutAt(s: ShopSeries, end: number): ShopSeries {
  const cut = (v: number[]) => v.slice(0, end + 1);
  return {
    lastDay: addDays(s.lastDay, end - (s.netSales.length - 1)),
    netSales: cut(s.netSales),
    orders: cut(s.orders),
    refunds: cut(s.refunds),
    unitsSold: cut(s.unitsSold),
    products: s.products.map((p) => ({ id: p.id, unitsSold: cut(p.unitsSold) })),
  };
}

/**
 * New alerts over the last `WINDOW` days: a cause that alerted in the week before is the same
 * insight going on, not a new one (as the worker deduplicates).
 */
function replay(s: ShopSeries): { alerts: Alert[]; ms: number } {
  const alerts: Alert[] = [];
  const lastSeen = new Map<string, string>();
  const started = performance.now();
  const n = s.netSales.length;
  for (let end = n - WINDOW; end < n; end++) {
    const day = addDays(s.lastDay, end - (n - 1));
    for (const f of checkShopDay(cutAt(s, end))) {
      const seen = lastSeen.get(f.cause);
      if (!seen || seen < addDays(day, -DEDUPE_DAYS)) {
        alerts.push({ key: f.cause, day, anomaly: f.anomaly });
      }
      lastSeen.set(f.cause, day);
    }
  }
  return { alerts, ms: (performance.now() - started) / WINDOW };
}

function inject(s: ShopSeries, kind: Kind, at: number): ShopSeries {
  const copy: ShopSeries = {
    ...s,
    netSales: [...s.netSales],
    orders: [...s.orders],
    refunds: [...s.refunds],
    unitsSold: [...s.unitsSold],
    products: s.products.map((p) => ({ id: p.id, unitsSold: [...p.unitsSold] })),
  };
  const scaleDay = (i: number, f: number) => {
    copy.netSales[i]! *= f;
    copy.orders[i] = Math.round(copy.orders[i]! * f);
    copy.unitsSold[i] = Math.round(copy.unitsSold[i]! * f);
    for (const p of copy.products) p.unitsSold[i] = Math.round(p.unitsSold[i]! * f);
  };
  if (kind === "drop") scaleDay(at, 0.4);
  if (kind === "spike") scaleDay(at, 2.2);
  if (kind === "refunds") {
    // A batch of returns: two fifths of the day's sales given back.
    const burst = 0.4 * s.netSales[at]!;
    copy.refunds[at]! += burst;
    copy.netSales[at]! -= burst;
  }
  if (kind === "order value") copy.netSales[at]! *= 1.8;
  if (kind === "best seller stalls") {
    const best = copy.products[0]!;
    for (const i of [at, at + 1]) {
      if (i >= copy.unitsSold.length) continue;
      const share = best.unitsSold[i]! / Math.max(1, copy.unitsSold[i]!);
      copy.unitsSold[i]! -= best.unitsSold[i]!;
      copy.netSales[i]! *= 1 - share;
      best.unitsSold[i] = 0;
    }
  }
  return copy;
}

const matches = (kind: Kind, a: Alert, bestId: string) => {
  const { measure, direction } = a.anomaly;
  switch (kind) {
    case "drop":
      return (measure === "netSales" || measure === "orders") && direction === "down";
    case "spike":
      return (measure === "netSales" || measure === "orders") && direction === "up";
    case "refunds":
      return measure === "refunds";
    case "order value":
      return measure === "averageOrderValue" && direction === "up";
    case "best seller stalls":
      return a.key === `stall:${bestId}` || a.key === `unitsSold:${bestId}:down`;
  }
};

export function measureDetection(): DetectionFigures {
  const s = demoSeries();
  const n = s.netSales.length;
  // The known dip: the Monday-to-Sunday week before today's (today is the day after the last).
  const todayWeekday = (new Date(`${addDays(s.lastDay, 1)}T00:00:00Z`).getUTCDay() + 6) % 7;
  const dipEnd = n - 1 - todayWeekday;
  const inDip = (day: string) =>
    day >= addDays(s.lastDay, dipEnd - 6 - (n - 1)) && day <= addDays(s.lastDay, dipEnd - (n - 1));

  const clean = replay(s);
  const outside = clean.alerts.filter((a) => !inDip(a.day));
  const dipDays =
    clean.alerts.filter((a) => inDip(a.day) && a.key.endsWith(s.products[0]!.id)).length;
  const dipWeek = weekAnomaly({
    measure: "netSales",
    values: s.netSales.slice(0, dipEnd + 1),
    lastDay: addDays(s.lastDay, dipEnd - (n - 1)),
  });

  // Injections: every sixth day from the window's start, kinds in turn, clear of the dip; each
  // into its own copy of the year (anomalies are rare: one in the history would widen the bands
  // the next is judged by), then the check replayed on its day and the next.
  let injected = 0, found = 0;
  const byKind = Object.fromEntries(KINDS.map((k) => [k, [0, 0]])) as Record<
    Kind,
    [number, number]
  >;
  for (let at = n - WINDOW + 3, k = 0; k < 25 && at < dipEnd - 8; at += 6, k++) {
    const kind = KINDS[k % KINDS.length]!;
    const series = inject(s, kind, at);
    const alerts = [at, at + 1].flatMap((end) =>
      checkShopDay(cutAt(series, end)).map((f) => ({
        key: f.cause,
        day: addDays(s.lastDay, end - (n - 1)),
        anomaly: f.anomaly,
      }))
    );
    const hit = alerts.some((a) => matches(kind, a, s.products[0]!.id));
    injected++, byKind[kind][1]++;
    if (hit) found++, byKind[kind][0]++;
  }
  const cleanDays = WINDOW - 7;
  return {
    days: WINDOW,
    cleanAlerts: outside.length,
    falsePer30Days: outside.length / cleanDays * 30,
    injected,
    found,
    foundByKind: Object.fromEntries(
      KINDS.map((k) => [k, `${byKind[k][0]}/${byKind[k][1]}`]),
    ) as Record<
      Kind,
      string
    >,
    dipWeek,
    dipDays,
    checkMs: clean.ms,
  };
}

if (import.meta.main) {
  const f = measureDetection();
  console.log(JSON.stringify(f, null, 2));
}
