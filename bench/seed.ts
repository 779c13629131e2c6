/**
 * Benchmark tenants: users with a live session, preferences, and analysis
 * requests holding results of realistic size (a KPI, a 30-point series, a
 * table), written directly so seeding does not spend minutes in argon2id.
 */
import { createAccessTokens } from "../auth/access_tokens.ts";
import type { Database } from "../db/database.ts";

export interface BenchUser {
  userId: string;
  email: string;
  accessToken: string;
}

/** A discount as the recommendation department proposes it (valid for its action type). */
const DISCOUNT = {
  code: "TRAIL15",
  title: "15% off Trail Runner",
  percentage: 0.15,
  productIds: ["101"],
  startsAt: "2026-11-01",
  endsAt: "2026-11-07",
  marginLeft: 0.31,
};

export async function seedBenchUsers(options: {
  db: Database;
  users: number;
  requestsPerUser: number;
  passwordHash: string;
  jwtSecret: string;
  issuer: string;
}): Promise<BenchUser[]> {
  const tokens = createAccessTokens({ secret: options.jwtSecret, issuer: options.issuer });
  const result = {
    summary:
      "Net sales fell 12.4% week over week, driven by fewer orders of the Trail Runner line.",
    speech: "Sales were down 12 percent last week.",
    model: "offline",
    visualizations: [
      { type: "KPI", title: "Net sales", data: { value: 18234.5, previous: 20812.1, unit: "USD" } },
      {
        type: "LINE_CHART",
        title: "Daily net sales",
        data: {
          points: Array.from(
            { length: 30 },
            (_, i) => ({ x: `2026-10-${String(i + 1).padStart(2, "0")}`, y: 600 + i * 7 }),
          ),
        },
      },
      {
        type: "TABLE",
        title: "Top products",
        data: {
          columns: ["Product", "Units", "Net sales"],
          rows: [["Trail Runner", 120, 9600], ["Summit Pack", 80, 6400]],
        },
      },
    ],
  };
  const users: BenchUser[] = [];
  // What a real answer also stores, and a list need not read unless asked: the plan, the facts
  // with their provenance, and the tables behind the charts (graph/orchestrator.ts).
  const provenance = {
    kpi: "sales",
    range: { from: "2026-10-01", to: "2026-10-30" },
    filters: {},
    timezone: "America/New_York",
  };
  Object.assign(result, {
    interpretation: {
      text: "Net sales in 24–30 October 2026 compared with 17–23 October 2026",
      answerable: true,
      metrics: ["net_sales"],
      dimensions: [],
      range: { from: "2026-10-24", to: "2026-10-30" },
      comparisonRange: { from: "2026-10-17", to: "2026-10-23" },
      timezone: "America/New_York",
      assumptions: ["Weeks start on Monday"],
    },
    rawData: {
      plan: { intent: "sales_change", spec: { metrics: ["net_sales"], dimensions: [] } },
      planner: "offline",
      facts: Array.from({ length: 16 }, (_, i) => ({
        key: `fact_${i}`,
        label: `Net sales, product ${i}`,
        value: 1000 + i * 37.5,
        unit: "money",
        formatted: `$${(1000 + i * 37.5).toFixed(2)}`,
        provenance,
      })),
      tables: {
        salesByDay: {
          provenance,
          columns: ["day", "netSales", "orders", "unitsSold"],
          rows: Array.from({ length: 30 }, (_, i) => [`2026-10-${i + 1}`, 600 + i * 7, 12, 30]),
        },
        topProducts: {
          provenance,
          columns: ["productId", "title", "netSales", "unitsSold"],
          rows: Array.from({ length: 10 }, (_, i) => [`${100 + i}`, `Product ${i}`, 900 - i, 20]),
        },
      },
    },
  });
  for (let u = 0; u < options.users; u++) {
    const userId = crypto.randomUUID();
    const familyId = crypto.randomUUID();
    const email = `bench-${u}@example.com`;
    await options.db.withTenant(userId, async (tx) => {
      await tx`insert into users (id, email, password_hash) values (${userId}, ${email}, ${options.passwordHash})`;
      await tx`insert into user_preferences (user_id) values (${userId})`;
      await tx`insert into refresh_tokens (user_id, family_id, token_hash, expires_at)
               values (${userId}, ${familyId}, sha256(${familyId}::text::bytea), now() + interval '1 day')`;
      for (let r = 0; r < options.requestsPerUser; r++) {
        const [request] = await tx`
          insert into analysis_requests (user_id, prompt) values (${userId}, ${`Why did sales drop? #${r}`})
          returning id`;
        await tx`update analysis_requests set status = 'processing' where id = ${request!.id}`;
        await tx`update analysis_requests set status = 'completed', result = ${tx.json(result)},
                 progress = '{"stage": "done", "percent": 100}' where id = ${request!.id}`;
        if (r % 5 === 0) {
          await tx`insert into proposed_actions (analysis_request_id, user_id, description, action_type, parameters)
                   values (${
            request!.id
          }, ${userId}, '15% off Trail Runner for a week', 'create_discount_code',
                           ${tx.json(DISCOUNT)})`;
        }
      }
    });
    users.push({
      userId,
      email,
      accessToken: (await tokens.sign({ userId, sessionId: familyId })).token,
    });
  }
  return users;
}
