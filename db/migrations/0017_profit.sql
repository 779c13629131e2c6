-- Profit from product costs (issue #10). Each order line keeps the unit cost
-- its variant had when the line was first mirrored (Shopify's
-- InventoryItem.unitCost), so a later change of cost does not rewrite past
-- margins; `cost_recorded_at` says when. Lines of orders placed before the
-- store was linked get the cost at the import, and the answer says so.
ALTER TABLE shop_order_lines ADD COLUMN unit_cost numeric(14, 2);
ALTER TABLE shop_order_lines ADD COLUMN cost_recorded_at timestamptz;

-- The rollup's cost facts: the cost of goods sold less that of goods returned,
-- the net sales of lines that have a cost (profit is computed on these only),
-- and the lines sold without one.
ALTER TABLE shop_sales_daily ADD COLUMN cost numeric(14, 2) NOT NULL DEFAULT 0;
ALTER TABLE shop_sales_daily ADD COLUMN costed_net numeric(14, 2) NOT NULL DEFAULT 0;
ALTER TABLE shop_sales_daily ADD COLUMN uncosted_lines integer NOT NULL DEFAULT 0;

-- Mirrors imported before this migration: today's costs for every line; the
-- rollup's new columns fill on the next sync of each day (or `deno task sync
-- <account> --full`).
UPDATE shop_order_lines l SET unit_cost = v.unit_cost, cost_recorded_at = now()
FROM shop_variants v
WHERE v.linked_account_id = l.linked_account_id AND v.shopify_id = l.variant_id
  AND v.unit_cost IS NOT NULL;
