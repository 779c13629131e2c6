-- Key rotation (issue #4): `deno task keys:rotate` must find every linked
-- account across tenants. The system role may list their ids and owners, and
-- nothing else; each credential is then re-encrypted in its tenant's context.
GRANT SELECT (id, user_id) ON linked_accounts TO alatar_system;
CREATE POLICY system_list_accounts ON linked_accounts FOR SELECT TO alatar_system USING (true);
