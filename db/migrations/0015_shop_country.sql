-- The shop's country (Shopify's Shop.billingAddress.countryCodeV2): its
-- calendar's date order, so "3/10" reads as 10 March in the US and 3 October
-- elsewhere (issue #9).
ALTER TABLE store_sync_state ADD COLUMN shop_country text
  CHECK (shop_country IS NULL OR shop_country ~ '^[A-Z]{2}$');
