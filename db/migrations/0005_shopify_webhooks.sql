-- Shopify webhooks (issue #4).
--
-- A delivery is stored before it is acknowledged, keyed by Shopify's webhook
-- id so a redelivery is recognised, and processed by a job. It names a shop,
-- not a user, so it is not tenant data; the payload (which may hold a
-- customer's details) is dropped once processed.
CREATE TABLE shopify_webhook_deliveries (
  webhook_id text PRIMARY KEY CHECK (length(webhook_id) BETWEEN 1 AND 200),
  topic text NOT NULL,
  shop text NOT NULL,
  payload jsonb,
  received_at timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz
);
CREATE INDEX shopify_webhook_deliveries_unprocessed_idx ON shopify_webhook_deliveries (received_at)
  WHERE processed_at IS NULL;
GRANT SELECT, INSERT, UPDATE ON shopify_webhook_deliveries TO alatar_app;

-- A webhook names a shop: the system role may find which accounts link it.
GRANT SELECT (provider, account_identifier) ON linked_accounts TO alatar_system;
