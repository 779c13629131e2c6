-- Which definition of the sales facts a store's rollup was built with
-- (mirror/sales_rollup.ts, ROLLUP_VERSION). Migrations 0017 and the rules of
-- issue #10 (cancellations as returns, cost facts) change what the rollup
-- holds: a mirror built before them is rebuilt whole at its next sync, rather
-- than showing old figures, or zero profit, until each day is written again.
ALTER TABLE store_sync_state ADD COLUMN rollup_version integer NOT NULL DEFAULT 0;
