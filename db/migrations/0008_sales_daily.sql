-- A daily rollup of the store mirror's sales facts, per shop day (in the shop's
-- timezone) and sales channel, at three levels: the whole day (product_id 0),
-- each product (variant_id 0) and each variant. KPIs over a year read a few
-- hundred day rows instead of joining every order line (issue #5's < 50 ms).
-- Rebuilt after an import and refreshed for the days an order or refund write
-- touches; mirror/sales_rollup.ts holds the one definition of its measures.
CREATE TABLE shop_sales_daily (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  linked_account_id uuid NOT NULL,
  day date NOT NULL,
  source_name text NOT NULL DEFAULT '',
  product_id bigint NOT NULL DEFAULT 0,
  variant_id bigint NOT NULL DEFAULT 0,
  gross numeric(14, 2) NOT NULL DEFAULT 0,
  discount numeric(14, 2) NOT NULL DEFAULT 0,
  returned numeric(14, 2) NOT NULL DEFAULT 0,
  shipping numeric(14, 2) NOT NULL DEFAULT 0,
  tax numeric(14, 2) NOT NULL DEFAULT 0,
  units integer NOT NULL DEFAULT 0,
  units_returned integer NOT NULL DEFAULT 0,
  -- Distinct orders with a sale at this level that day; lines sold; refunds dated that day.
  orders integer NOT NULL DEFAULT 0,
  lines integer NOT NULL DEFAULT 0,
  refunds integer NOT NULL DEFAULT 0,
  PRIMARY KEY (linked_account_id, day, source_name, product_id, variant_id),
  FOREIGN KEY (linked_account_id, user_id) REFERENCES linked_accounts (id, user_id) ON DELETE CASCADE
);
CREATE INDEX shop_sales_daily_product_idx ON shop_sales_daily (linked_account_id, product_id, day);
CREATE INDEX shop_sales_daily_user_idx ON shop_sales_daily (user_id);

ALTER TABLE shop_sales_daily ENABLE ROW LEVEL SECURITY;
ALTER TABLE shop_sales_daily FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON shop_sales_daily TO alatar_app
  USING (user_id = current_tenant_id()) WITH CHECK (user_id = current_tenant_id());
GRANT SELECT, INSERT, UPDATE, DELETE ON shop_sales_daily TO alatar_app;
