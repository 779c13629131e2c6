/** What running an action on Shopify came to. */
export type Execution =
  | { ok: true; result: Record<string, unknown> }
  | { ok: false; message: string; details: Record<string, unknown> };
