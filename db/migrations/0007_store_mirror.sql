-- The store mirror (issue #5): what analysis needs of each linked shop, synced
-- into Postgres so a KPI over a year is one SQL query, not minutes of paging.
--
-- Every row carries user_id and linked_account_id; (linked_account_id, user_id)
-- references linked_accounts, so a row cannot belong to another tenant's
-- account, and unlinking (shop/redact) deletes the mirror with the account.
-- Shopify's numeric ids are the keys, unique per account. Money is in the
-- shop's currency; shopify_updated_at is Shopify's updatedAt, which decides
-- whether an incoming copy is newer than the stored one.

CREATE TABLE store_sync_state (
  linked_account_id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  shop_timezone text,
  shop_currency text,
  -- Per resource of the initial import: the bulk result URL and how many of its
  -- objects are committed, so a crashed import resumes where it stopped.
  import_progress jsonb NOT NULL DEFAULT '{}',
  import_started_at timestamptz,
  import_finished_at timestamptz,
  -- Incremental sync asks Shopify for objects updated after these.
  orders_synced_through timestamptz,
  products_synced_through timestamptz,
  customers_synced_through timestamptz,
  webhooks_registered_at timestamptz,
  last_error text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (linked_account_id, user_id) REFERENCES linked_accounts (id, user_id) ON DELETE CASCADE
);

CREATE TABLE shop_orders (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  linked_account_id uuid NOT NULL,
  shopify_id bigint NOT NULL,
  name text NOT NULL,
  created_at timestamptz NOT NULL,
  shopify_updated_at timestamptz NOT NULL,
  cancelled_at timestamptz,
  test boolean NOT NULL DEFAULT false,
  source_name text,
  currency text NOT NULL,
  presentment_currency text NOT NULL,
  customer_id bigint,
  discount_codes text[] NOT NULL DEFAULT '{}',
  subtotal numeric(14, 2) NOT NULL,
  total_discounts numeric(14, 2) NOT NULL,
  total_shipping numeric(14, 2) NOT NULL,
  total_tax numeric(14, 2) NOT NULL,
  total_price numeric(14, 2) NOT NULL,
  total_refunded numeric(14, 2) NOT NULL,
  presentment_total_price numeric(14, 2) NOT NULL,
  synced_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (linked_account_id, shopify_id),
  FOREIGN KEY (linked_account_id, user_id) REFERENCES linked_accounts (id, user_id) ON DELETE CASCADE
);
CREATE INDEX shop_orders_account_created_idx ON shop_orders (linked_account_id, created_at);
CREATE INDEX shop_orders_account_customer_idx ON shop_orders (linked_account_id, customer_id, created_at);
CREATE INDEX shop_orders_account_name_idx ON shop_orders (linked_account_id, name);
CREATE INDEX shop_orders_user_idx ON shop_orders (user_id);

CREATE TABLE shop_order_lines (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  linked_account_id uuid NOT NULL,
  shopify_id bigint NOT NULL,
  order_id bigint NOT NULL,
  product_id bigint,
  variant_id bigint,
  title text NOT NULL,
  sku text,
  quantity integer NOT NULL,
  unit_price numeric(14, 2) NOT NULL,
  total_discount numeric(14, 2) NOT NULL,
  is_gift_card boolean NOT NULL DEFAULT false,
  PRIMARY KEY (linked_account_id, shopify_id),
  FOREIGN KEY (linked_account_id, order_id) REFERENCES shop_orders (linked_account_id, shopify_id)
    ON DELETE CASCADE,
  FOREIGN KEY (linked_account_id, user_id) REFERENCES linked_accounts (id, user_id) ON DELETE CASCADE
);
CREATE INDEX shop_order_lines_order_idx ON shop_order_lines (linked_account_id, order_id);
CREATE INDEX shop_order_lines_product_idx ON shop_order_lines (linked_account_id, product_id);
CREATE INDEX shop_order_lines_user_idx ON shop_order_lines (user_id);

CREATE TABLE shop_refunds (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  linked_account_id uuid NOT NULL,
  shopify_id bigint NOT NULL,
  order_id bigint NOT NULL,
  created_at timestamptz NOT NULL,
  total_refunded numeric(14, 2) NOT NULL,
  note text,
  PRIMARY KEY (linked_account_id, shopify_id),
  FOREIGN KEY (linked_account_id, order_id) REFERENCES shop_orders (linked_account_id, shopify_id)
    ON DELETE CASCADE,
  FOREIGN KEY (linked_account_id, user_id) REFERENCES linked_accounts (id, user_id) ON DELETE CASCADE
);
CREATE INDEX shop_refunds_account_created_idx ON shop_refunds (linked_account_id, created_at);
CREATE INDEX shop_refunds_order_idx ON shop_refunds (linked_account_id, order_id);
CREATE INDEX shop_refunds_user_idx ON shop_refunds (user_id);

CREATE TABLE shop_refund_lines (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  linked_account_id uuid NOT NULL,
  refund_id bigint NOT NULL,
  line_item_id bigint NOT NULL,
  quantity integer NOT NULL,
  subtotal numeric(14, 2) NOT NULL,
  PRIMARY KEY (linked_account_id, refund_id, line_item_id),
  FOREIGN KEY (linked_account_id, refund_id) REFERENCES shop_refunds (linked_account_id, shopify_id)
    ON DELETE CASCADE,
  FOREIGN KEY (linked_account_id, user_id) REFERENCES linked_accounts (id, user_id) ON DELETE CASCADE
);
CREATE INDEX shop_refund_lines_user_idx ON shop_refund_lines (user_id);

CREATE TABLE shop_products (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  linked_account_id uuid NOT NULL,
  shopify_id bigint NOT NULL,
  title text NOT NULL,
  handle text NOT NULL,
  description_html text NOT NULL DEFAULT '',
  product_type text NOT NULL DEFAULT '',
  vendor text NOT NULL DEFAULT '',
  tags text[] NOT NULL DEFAULT '{}',
  status text NOT NULL,
  seo_title text,
  seo_description text,
  image_count integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  shopify_updated_at timestamptz NOT NULL,
  synced_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (linked_account_id, shopify_id),
  FOREIGN KEY (linked_account_id, user_id) REFERENCES linked_accounts (id, user_id) ON DELETE CASCADE
);
CREATE INDEX shop_products_user_idx ON shop_products (user_id);

CREATE TABLE shop_variants (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  linked_account_id uuid NOT NULL,
  shopify_id bigint NOT NULL,
  product_id bigint NOT NULL,
  title text NOT NULL,
  sku text,
  price numeric(14, 2) NOT NULL,
  compare_at_price numeric(14, 2),
  -- NULL when the app was not granted inventory cost (read_inventory) or none is set.
  unit_cost numeric(14, 2),
  inventory_quantity integer,
  PRIMARY KEY (linked_account_id, shopify_id),
  FOREIGN KEY (linked_account_id, product_id) REFERENCES shop_products (linked_account_id, shopify_id)
    ON DELETE CASCADE,
  FOREIGN KEY (linked_account_id, user_id) REFERENCES linked_accounts (id, user_id) ON DELETE CASCADE
);
CREATE INDEX shop_variants_product_idx ON shop_variants (linked_account_id, product_id);
CREATE INDEX shop_variants_user_idx ON shop_variants (user_id);

CREATE TABLE shop_collections (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  linked_account_id uuid NOT NULL,
  shopify_id bigint NOT NULL,
  title text NOT NULL,
  handle text NOT NULL,
  PRIMARY KEY (linked_account_id, shopify_id),
  FOREIGN KEY (linked_account_id, user_id) REFERENCES linked_accounts (id, user_id) ON DELETE CASCADE
);
CREATE INDEX shop_collections_user_idx ON shop_collections (user_id);

CREATE TABLE shop_product_collections (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  linked_account_id uuid NOT NULL,
  product_id bigint NOT NULL,
  collection_id bigint NOT NULL,
  PRIMARY KEY (linked_account_id, product_id, collection_id),
  FOREIGN KEY (linked_account_id, product_id) REFERENCES shop_products (linked_account_id, shopify_id)
    ON DELETE CASCADE,
  FOREIGN KEY (linked_account_id, collection_id) REFERENCES shop_collections (linked_account_id, shopify_id)
    ON DELETE CASCADE,
  FOREIGN KEY (linked_account_id, user_id) REFERENCES linked_accounts (id, user_id) ON DELETE CASCADE
);
CREATE INDEX shop_product_collections_collection_idx ON shop_product_collections (linked_account_id, collection_id);
CREATE INDEX shop_product_collections_user_idx ON shop_product_collections (user_id);

-- No names, addresses or raw contact details: analysis needs none. E-mail and
-- phone are kept only as keyed hashes, so the customer-service lookup can match
-- what a merchant types without the mirror holding the address.
CREATE TABLE shop_customers (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  linked_account_id uuid NOT NULL,
  shopify_id bigint NOT NULL,
  email_hash bytea,
  phone_hash bytea,
  number_of_orders integer NOT NULL DEFAULT 0,
  tags text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  shopify_updated_at timestamptz NOT NULL,
  synced_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (linked_account_id, shopify_id),
  FOREIGN KEY (linked_account_id, user_id) REFERENCES linked_accounts (id, user_id) ON DELETE CASCADE
);
CREATE INDEX shop_customers_email_idx ON shop_customers (linked_account_id, email_hash);
CREATE INDEX shop_customers_user_idx ON shop_customers (user_id);

CREATE TABLE shop_discount_codes (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  linked_account_id uuid NOT NULL,
  -- The discount's node id; one discount may hold several codes.
  discount_id bigint NOT NULL,
  code text NOT NULL,
  title text NOT NULL,
  status text NOT NULL,
  percentage numeric(5, 4),
  amount numeric(14, 2),
  starts_at timestamptz,
  ends_at timestamptz,
  usage_count integer NOT NULL DEFAULT 0,
  synced_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (linked_account_id, discount_id, code),
  FOREIGN KEY (linked_account_id, user_id) REFERENCES linked_accounts (id, user_id) ON DELETE CASCADE
);
CREATE INDEX shop_discount_codes_user_idx ON shop_discount_codes (user_id);

CREATE TRIGGER store_sync_state_updated_at BEFORE UPDATE ON store_sync_state
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'store_sync_state', 'shop_orders', 'shop_order_lines', 'shop_refunds', 'shop_refund_lines',
    'shop_products', 'shop_variants', 'shop_collections', 'shop_product_collections',
    'shop_customers', 'shop_discount_codes'
  ] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I TO alatar_app '
      'USING (user_id = current_tenant_id()) WITH CHECK (user_id = current_tenant_id())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO alatar_app', t);
  END LOOP;
END $$;

-- The scheduler finds which accounts to sync: ids and freshness only, of
-- active accounts, never tokens or mirrored data.
-- (The row policy system_list_accounts of 0004 already lets it see the rows.)
GRANT SELECT (status, sync_status, last_synced_at) ON linked_accounts TO alatar_system;
