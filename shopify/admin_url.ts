/** Shopify's address for `shop`, from the configured template (the dev store's in development). */
export function adminUrl(template: string, shop: string, path: string): string {
  return template.replace("{shop}", shop) + path;
}
