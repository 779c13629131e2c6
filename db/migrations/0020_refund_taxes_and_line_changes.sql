-- Sales facts by construction (issue #10), two more sources of what Shopify's
-- reports count:
--
-- 1. What a refund gave back, split as Shopify records it: the tax of each
--    refunded line (RefundLineItem.totalTaxSet) and the shipping refunded with
--    its tax (Refund.refundShippingLines). Until now every amount beyond the
--    lines' subtotals was taken as shipping, so refunded taxes showed up as
--    shipping. `shipping` is null for rows mirrored before this migration: the
--    rollup then falls back to that remainder, until the order syncs again.
ALTER TABLE shop_refund_lines ADD COLUMN tax numeric(14, 2) NOT NULL DEFAULT 0;
ALTER TABLE shop_refunds ADD COLUMN shipping numeric(14, 2);
ALTER TABLE shop_refunds ADD COLUMN shipping_tax numeric(14, 2) NOT NULL DEFAULT 0;

-- 2. Changes to an order's lines after it was placed, from Shopify's sales
--    agreements (Order.agreements): order edits (OrderEditAgreement) and
--    exchanges (ReturnAgreement). Each product sale is a row: units added
--    ('ORDER') or removed/returned ('RETURN') on the agreement's day, with
--    their value after discounts and before taxes, the discount and the tax.
--    The placement and refunds are not here: orders and refunds carry them.
CREATE TABLE shop_line_changes (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  linked_account_id uuid NOT NULL,
  agreement_id bigint NOT NULL,
  order_id bigint NOT NULL,
  line_item_id bigint NOT NULL,
  kind text NOT NULL CHECK (kind IN ('edit', 'exchange')),
  happened_at timestamptz NOT NULL,
  action text NOT NULL CHECK (action IN ('ORDER', 'RETURN')),
  quantity integer NOT NULL CHECK (quantity >= 0),
  amount numeric(14, 2) NOT NULL,
  discount numeric(14, 2) NOT NULL,
  tax numeric(14, 2) NOT NULL,
  PRIMARY KEY (linked_account_id, agreement_id, line_item_id, action),
  FOREIGN KEY (linked_account_id, order_id) REFERENCES shop_orders (linked_account_id, shopify_id)
    ON DELETE CASCADE,
  FOREIGN KEY (linked_account_id, user_id) REFERENCES linked_accounts (id, user_id) ON DELETE CASCADE
);
CREATE INDEX shop_line_changes_user_idx ON shop_line_changes (user_id);
CREATE INDEX shop_line_changes_line_idx ON shop_line_changes (linked_account_id, line_item_id);
CREATE INDEX shop_line_changes_day_idx ON shop_line_changes (linked_account_id, happened_at);

ALTER TABLE shop_line_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE shop_line_changes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON shop_line_changes TO alatar_app
  USING (user_id = current_tenant_id()) WITH CHECK (user_id = current_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON shop_line_changes TO alatar_app;
GRANT MAINTAIN ON shop_line_changes TO alatar_app;

-- 3. Bad input, kept as Shopify sent it and flagged (mirror/data_flags.ts):
--    each order says what was odd about it, and the rollup counts the flagged
--    orders behind each day so that a figure's provenance can say so.
ALTER TABLE shop_orders ADD COLUMN data_flags text[] NOT NULL DEFAULT '{}';
ALTER TABLE shop_sales_daily ADD COLUMN flagged_orders integer NOT NULL DEFAULT 0;
