/**
 * Whether an error means Alatar has lost its access to a store (a token
 * Shopify refuses, or one we can no longer decrypt), and what the merchant
 * should do about it. Shared by the analysis departments and the actions.
 */
import { TokenDecryptionError } from "../auth/token_cipher.ts";
import { ShopifyApiError } from "./admin_client.ts";

export const STORE_ACCESS_LOST =
  "Alatar can no longer use this store's access. Link the store again.";

export function isStoreAccessLost(error: unknown): boolean {
  if (error instanceof TokenDecryptionError) return true;
  return error instanceof ShopifyApiError &&
    (error.kind === "unauthorized" || error.kind === "access_denied");
}
