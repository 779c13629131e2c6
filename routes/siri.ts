/**
 * The Siri endpoints: plain JSON a Shortcut reads with "Get Dictionary
 * Value", authorised by a device token (auth/device_tokens.ts), never by a
 * session JWT.
 *
 * `POST /siri/ask` submits the question like the app does and waits a few
 * seconds (Shortcuts give up after roughly ten) for the answer's `speech`;
 * past that it says the work goes on, and `GET /siri/requests/:id` gives the
 * answer later. The same question answered for the merchant in the last few
 * minutes is answered again at once instead of being analysed twice. "What's
 * new?" speaks the latest unread insights (and marks them read).
 */
import { type Context, Hono } from "hono";
import { z } from "zod";
import type { ApiServices } from "../api/context.ts";
import { type AnalysisRequestRow, analysisRequestsByIds } from "../api/queries.ts";
import type { RequestUpdates } from "../api/request_updates.ts";
import { authenticateDevice, type Device } from "../auth/device_tokens.ts";
import { isUuid } from "../db/database.ts";
import { submitAnalysisRequest } from "../graph/requests.ts";
import { errorBody } from "./error_body.ts";
import "./variables.ts";

/** Under Shortcuts' patience, with room for the network. */
export const SIRI_WAIT_SECONDS = 8;
/** How old an answer to the same question may be and still be given again. */
export const SIRI_REUSE_MINUTES = 10;
/** A question within this long of the device's last one continues its conversation. */
export const SIRI_CONVERSATION_MINUTES = 5;

export interface SiriDeps {
  services: Pick<ApiServices, "db" | "boss" | "limiter" | "limits">;
  updates: RequestUpdates;
  /** How long /siri/ask waits for the answer before saying it is still working. */
  waitSeconds?: number;
}

/**
 * "What's new?" and its kin, as the whole question: Siri then speaks the latest unread insights
 * instead of starting an analysis.
 */
const WHATS_NEW =
  /^(hey alatar,? )?(what'?s|what is|anything|any) (new|news|new today|the news|happening)( today| with my (store|shop))?$|^(any|new) insights$|^what did you (find|notice)( today)?$/;

/** How many insights Siri reads out at most; the app lists the rest. */
export const SIRI_INSIGHTS = 3;

const Ask = z.object({
  question: z.string({ error: 'Send JSON like {"question": "How were sales last week?"}.' })
    .refine((q) => !q.includes("\u0000"), "The question contains a NUL character."),
});

export type SiriStatus = "pending" | "processing" | "completed" | "failed" | "cancelled";

/** What Siri says for a request in each state. */
export function speechFor(row: Pick<AnalysisRequestRow, "status" | "result" | "error_message">) {
  switch (row.status) {
    case "completed":
      return (row.result?.speech as string | undefined) ??
        "Your answer is ready in the Alatar app.";
    case "failed":
      return `I couldn't finish that analysis. ${row.error_message ?? ""}`.trim();
    case "cancelled":
      return "That analysis was cancelled.";
    default:
      return "I'm working on it. Ask me again in a minute for the answer.";
  }
}

export function siriRoutes(deps: SiriDeps): Hono {
  const waitMs = (deps.waitSeconds ?? SIRI_WAIT_SECONDS) * 1000;
  const { db } = deps.services;
  const app = new Hono<{ Variables: { device: Device } }>();

  const refuse = (c: Context, status: 400 | 401 | 404 | 429, code: string, message: string) =>
    c.json({ ...errorBody(code, message, c.get("requestId")), speech: message }, status);

  app.use("/siri/*", async (c, next) => {
    const device = await authenticateDevice(db, c.req.header("authorization"));
    if (!device) {
      c.header("WWW-Authenticate", 'Bearer realm="siri"');
      return refuse(
        c,
        401,
        "AUTHENTICATION_REQUIRED",
        "This device token is not valid or was revoked. Create a new one in the Alatar app.",
      );
    }
    const verdict = await deps.services.limiter.hit(
      "siri",
      device.tokenId,
      deps.services.limits.siriPerToken,
    );
    if (!verdict.allowed) {
      c.header("Retry-After", String(verdict.retryAfterSeconds));
      return refuse(
        c,
        429,
        "RATE_LIMIT_EXCEEDED",
        "You're asking faster than I can answer. Try again in a minute.",
      );
    }
    c.set("device", device);
    c.set("log", c.get("log").child({ user_id: device.userId, device_token_id: device.tokenId }));
    return await next();
  });

  app.post("/siri/ask", async (c) => {
    const device = c.get("device");
    const body = Ask.safeParse(await c.req.json().catch(() => null));
    if (!body.success) return refuse(c, 400, "INVALID_INPUT", body.error.issues[0]!.message);
    const question = body.data.question.trim();
    const plain = question.toLowerCase().replace(/[’]/g, "'").replace(/[?.!]+$/, "").trim();
    if (WHATS_NEW.test(plain)) return c.json(await whatsNew(device.userId));

    // Within a few minutes of this device's last question, this one continues its conversation
    // ("and the week before?"); the same question again there is answered from the last time.
    const { open, recent } = await db.withTenant(device.userId, async (tx) => {
      const [last] = await tx<{ conversation_id: string }[]>`
        select conversation_id from analysis_requests
        where device_token_id = ${device.tokenId}
          and created_at > now() - make_interval(mins => ${SIRI_CONVERSATION_MINUTES})
        order by created_at desc limit 1`;
      const [same] = last
        ? await tx<{ id: string }[]>`
          select id from analysis_requests
          where conversation_id = ${last.conversation_id} and status = 'completed'
            and lower(btrim(prompt)) = lower(${question})
            and finished_at > now() - make_interval(mins => ${SIRI_REUSE_MINUTES})
          order by finished_at desc limit 1`
        : [];
      return { open: last?.conversation_id ?? null, recent: same?.id ?? null };
    });
    let requestId = recent;
    if (!requestId) {
      const submitted = await submitAnalysisRequest(
        deps.services,
        { userId: device.userId, sessionId: `device:${device.tokenId}` },
        { prompt: question, conversationId: open, deviceTokenId: device.tokenId },
      );
      if (!submitted.ok) {
        const error = submitted.errors[0]!;
        return refuse(c, error.code === "NOT_FOUND" ? 404 : 400, error.code, error.message);
      }
      requestId = submitted.value.id;
    }

    let latest: AnalysisRequestRow | null = null;
    const stop = AbortSignal.any([c.req.raw.signal, AbortSignal.timeout(waitMs)]);
    const updates = await deps.updates.watch(device.userId, requestId, null, stop);
    for await (const update of updates ?? []) latest = update.request;
    if (!latest) return refuse(c, 404, "NOT_FOUND", "That analysis is no longer there.");
    return c.json({
      status: latest.status as SiriStatus,
      speech: speechFor(latest),
      requestId,
    });
  });

  /** The latest unread insights, spoken newest first and then marked read. */
  async function whatsNew(userId: string) {
    const spoken = await db.withTenant(userId, async (tx) => {
      const rows = await tx<{ id: string; title: string }[]>`
        select id, title from insights
        where ready_at is not null and read_at is null
        order by created_at desc, id desc limit ${SIRI_INSIGHTS + 1}`;
      const said = rows.slice(0, SIRI_INSIGHTS);
      if (said.length) {
        await tx`update insights set read_at = now(), updated_at = now()
                 where id in ${tx(said.map((r) => r.id))}`;
      }
      return { said, more: rows.length > SIRI_INSIGHTS };
    });
    if (!spoken.said.length) {
      return {
        status: "completed" as SiriStatus,
        speech:
          "Nothing new: I haven't noticed anything unusual in your store since you last looked.",
        requestId: null,
        insightIds: [],
      };
    }
    const titles = spoken.said.map((r) => r.title.replace(/[.!]$/, "")).join(". ");
    return {
      status: "completed" as SiriStatus,
      speech: `${titles}. ${
        spoken.more ? "There's more in the Alatar app." : "Details are in the Alatar app."
      }`,
      requestId: null,
      insightIds: spoken.said.map((r) => r.id),
    };
  }

  app.get("/siri/requests/:id", async (c) => {
    const device = c.get("device");
    const id = c.req.param("id");
    const [row] = isUuid(id)
      ? await db.withTenant(device.userId, (tx) => analysisRequestsByIds(tx, device.userId, [id]))
      : [];
    if (!row) return refuse(c, 404, "NOT_FOUND", "I can't find that analysis.");
    return c.json({ status: row.status as SiriStatus, speech: speechFor(row) });
  });

  return app as unknown as Hono;
}
