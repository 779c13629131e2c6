/**
 * The actions an analysis may propose, with the parameters each takes. The
 * agent only proposes: a proposal is validated here before it is stored, and
 * again when the merchant approves it (issue #8), where the backend runs it.
 *
 * Limits are deliberately conservative: no discount above 50 %, no refund
 * above what was paid. A proposal outside them is dropped, whatever asked for
 * it (a model, or an instruction planted in shop data).
 */
import { z } from "zod";

const shopifyId = z.string().regex(/^\d{1,19}$/);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const MAX_DISCOUNT = 0.5;

export const ActionParameters = {
  create_discount_code: z.object({
    code: z.string().regex(/^[A-Z0-9_-]{4,32}$/),
    title: z.string().min(1).max(255),
    /** 0.05 is 5 % off. */
    percentage: z.number().min(0.01).max(MAX_DISCOUNT),
    productIds: z.array(shopifyId).min(1).max(100),
    startsAt: isoDate,
    endsAt: isoDate,
    usageLimit: z.number().int().min(1).max(100_000).optional(),
    /**
     * The thinnest margin the discount leaves on its products (0.25: 25 % of the discounted price
     * is above cost); null when a product has no cost in Shopify. Shown in the preview.
     */
    marginLeft: z.number().min(0).max(1).nullable().optional(),
  }).strict().refine((p) => p.endsAt >= p.startsAt, "endsAt must not be before startsAt"),
  create_draft_order: z.object({
    customerId: shopifyId.optional(),
    lines: z.array(
      z.object({
        variantId: shopifyId,
        quantity: z.number().int().min(1).max(1000),
      }).strict(),
    ).min(1).max(50),
    note: z.string().max(500).optional(),
  }).strict(),
  refund_order: z.object({
    orderId: shopifyId,
    orderName: z.string().max(32),
    lines: z.array(
      z.object({
        lineItemId: shopifyId,
        quantity: z.number().int().min(1),
      }).strict(),
    ).min(1),
    /** What the customer gets back, after any restocking fee. */
    amount: z.number().positive(),
    restockingFee: z.number().min(0),
    reason: z.string().min(1).max(64),
    currency: z.string().length(3),
  }).strict(),
  update_product_seo: z.object({
    productId: shopifyId,
    seoTitle: z.string().min(1).max(70),
    seoDescription: z.string().min(1).max(320),
  }).strict(),
} as const;

export type ActionType = keyof typeof ActionParameters;
export const ACTION_TYPES = Object.keys(ActionParameters) as ActionType[];

/** A department's proposal, before it is checked and stored. */
export interface CandidateAction {
  /** Unique within the request, so a retried orchestrator stores it once. */
  key: string;
  actionType: string;
  description: string;
  parameters: Record<string, unknown>;
}

export type CheckedAction =
  | { ok: true; action: CandidateAction & { actionType: ActionType } }
  | { ok: false; key: string; reason: string };

export type ParsedParameters =
  | { ok: true; actionType: ActionType; parameters: Record<string, unknown> }
  | { ok: false; reason: string };

/**
 * An action's parameters checked against its type's schema and limits: at
 * proposal, when shown, at approval and at recovery alike. The reason names
 * the first problem and where: `percentage: Too big: expected number to be <=0.5`.
 */
export function parseActionParameters(actionType: string, parameters: unknown): ParsedParameters {
  if (!(actionType in ActionParameters)) {
    return { ok: false, reason: `unknown action type ${actionType}` };
  }
  const type = actionType as ActionType;
  const parsed = ActionParameters[type].safeParse(parameters);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return {
      ok: false,
      reason: `${issue.path.map(String).join(".") || "parameters"}: ${issue.message}`,
    };
  }
  return { ok: true, actionType: type, parameters: parsed.data as Record<string, unknown> };
}

/** Validates a candidate against its action type's schema and limits. */
export function checkAction(candidate: CandidateAction): CheckedAction {
  const parsed = parseActionParameters(candidate.actionType, candidate.parameters);
  if (!parsed.ok) return { ok: false, key: candidate.key, reason: parsed.reason };
  if (!/^[a-z0-9_.:-]{1,100}$/.test(candidate.key)) {
    return { ok: false, key: candidate.key, reason: "invalid key" };
  }
  if (!candidate.description.trim() || candidate.description.length > 2000) {
    return { ok: false, key: candidate.key, reason: "invalid description" };
  }
  return {
    ok: true,
    action: { ...candidate, actionType: parsed.actionType, parameters: parsed.parameters },
  };
}
