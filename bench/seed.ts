/**
 * Benchmark tenants: users with a live session, preferences, and analysis
 * requests holding results of realistic size (a KPI, a 30-point series, a
 * table), written directly so seeding does not spend minutes in argon2id.
 */
import { createAccessTokens } from "../auth/access_tokens.ts";
import type { Database } from "../db/database.ts";

export interface BenchUser {
  email: string;
  accessToken: string;
}

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
                           ${tx.json({ percentage: 15, code: "TRAIL15" })})`;
        }
      }
    });
    users.push({ email, accessToken: (await tokens.sign({ userId, sessionId: familyId })).token });
  }
  return users;
}
