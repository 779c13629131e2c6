-- After an import rewrites thousands of mirror rows, the planner needs fresh
-- statistics at once (autovacuum's analyze comes minutes later, and until then
-- a KPI can take seconds instead of milliseconds). The runtime role may
-- ANALYZE the mirror tables and nothing more (PostgreSQL 17's MAINTAIN).
GRANT MAINTAIN ON
  shop_orders, shop_order_lines, shop_refunds, shop_refund_lines, shop_products, shop_variants,
  shop_collections, shop_product_collections, shop_customers, shop_discount_codes, shop_sales_daily
  TO alatar_app;
