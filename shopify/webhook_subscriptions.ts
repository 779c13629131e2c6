/**
 * The webhooks the store mirror needs, registered through the Admin API when a
 * store is linked. Registering is idempotent: subscriptions that exist (same
 * topic and address) are left alone, so a retried import or a re-link does not
 * pile up duplicates. The compliance topics (`shop/redact`, `customers/*`) are
 * not registered here: Shopify takes those from the app's configuration.
 */
import { type AdminClient, ShopifyApiError } from "./admin_client.ts";
import { SUBSCRIBED_TOPICS } from "./webhook_topics.ts";

const LIST = `query($after: String) { webhookSubscriptions(first: 100, after: $after) {
  nodes { topic uri } pageInfo { hasNextPage endCursor } } }`;
const CREATE = `mutation($topic: WebhookSubscriptionTopic!, $input: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $input) {
    webhookSubscription { id } userErrors { field message } } }`;

export async function registerMirrorWebhooks(
  client: AdminClient,
  callbackUrl: string,
): Promise<{ created: string[]; existing: string[] }> {
  const existing = new Set<string>();
  for await (
    const subscription of client.paginate(
      LIST,
      {},
      (d: {
        webhookSubscriptions: {
          nodes: Array<{ topic: string; uri: string }>;
          pageInfo: { hasNextPage: boolean; endCursor: string | null };
        };
      }) => d.webhookSubscriptions,
    )
  ) {
    if (subscription.uri === callbackUrl) existing.add(subscription.topic);
  }
  const created: string[] = [];
  for (const topic of SUBSCRIBED_TOPICS) {
    if (existing.has(topic)) continue;
    const { data } = await client.request<{
      webhookSubscriptionCreate: {
        webhookSubscription: { id: string } | null;
        userErrors: Array<{ message: string }>;
      } | null;
    }>(CREATE, { topic, input: { uri: callbackUrl, format: "JSON" } });
    const result = data.webhookSubscriptionCreate ??
      { webhookSubscription: null, userErrors: [{ message: "it answered without a result" }] };
    if (!result.webhookSubscription) {
      throw new ShopifyApiError(
        "graphql",
        `Shopify refused the ${topic} webhook: ${
          result.userErrors.map((e) => e.message).join("; ")
        }`,
      );
    }
    created.push(topic);
  }
  return { created, existing: [...existing] };
}
