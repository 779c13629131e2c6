-- Push to the iPhone app (issue #12): the devices a user registered, and one
-- delivery row per insight and device, so a retried or resumed delivery job
-- sends each device an insight once (and the collapse id folds the rare
-- resend after a crash between Apple's answer and our commit into one
-- notification on the device).
CREATE TABLE push_devices (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token text NOT NULL CHECK (token ~ '^[0-9a-f]{64}$'),
  environment text NOT NULL CHECK (environment IN ('production', 'sandbox')),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_pushed_at timestamptz,
  UNIQUE (user_id, token, environment)
);
CREATE INDEX push_devices_user_idx ON push_devices (user_id);

ALTER TABLE push_devices ENABLE ROW LEVEL SECURITY;
ALTER TABLE push_devices FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON push_devices TO alatar_app
  USING (user_id = (SELECT current_tenant_id())) WITH CHECK (user_id = (SELECT current_tenant_id()));
GRANT SELECT, INSERT, UPDATE, DELETE ON push_devices TO alatar_app;

CREATE TABLE push_deliveries (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  insight_id uuid NOT NULL REFERENCES insights (id) ON DELETE CASCADE,
  -- Kept when the device goes: the row says where the insight went and why it stopped.
  device_id uuid REFERENCES push_devices (id) ON DELETE SET NULL,
  status text NOT NULL CHECK (status IN ('sent', 'failed', 'device_removed')),
  apns_id text,
  reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (insight_id, device_id)
);
CREATE INDEX push_deliveries_user_idx ON push_deliveries (user_id);

ALTER TABLE push_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE push_deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON push_deliveries TO alatar_app
  USING (user_id = (SELECT current_tenant_id())) WITH CHECK (user_id = (SELECT current_tenant_id()));
GRANT SELECT, INSERT ON push_deliveries TO alatar_app;

-- Whether an insight's delivery has been decided (pushed, or not pushed because notifications
-- are off), so a repeated job does nothing.
ALTER TABLE insights ADD COLUMN delivered_at timestamptz;

-- A device token belongs to one app install: when another account signs in on the device and
-- registers it, the previous account's registration is released (its insights must not reach
-- the new owner's phone). That crosses tenants, so it is system work, and only that.
GRANT SELECT (token, environment, user_id), DELETE ON push_devices TO alatar_system;
CREATE POLICY system_find_token ON push_devices FOR SELECT TO alatar_system USING (true);
CREATE POLICY system_release_token ON push_devices FOR DELETE TO alatar_system USING (true);
