-- OpenID Connect log-in in the browser (server/oidc_login.c).
--
-- 1. oidc_login_states: one row per log-in started at a provider, holding what must stay on
--    the server (the nonce and the PKCE verifier) under the SHA-256 of the state the browser
--    carries, with the SHA-256 of the HttpOnly cookie that binds it to that browser. Single
--    use (taken by DELETE ... RETURNING), ten minutes at most. The application role reaches
--    it only through the two functions below: it can neither list nor keep rows.
-- 2. oidc_login_audit(): an audit row for every OIDC log-in, allowed or refused (the refused
--    ones have no caller identity, so the app role could not write them under audit_insert).
CREATE TABLE oidc_login_states (
    state_hash    bytea PRIMARY KEY CHECK (length(state_hash) = 32),
    browser_hash  bytea NOT NULL CHECK (length(browser_hash) = 32),
    provider      text NOT NULL CHECK (provider ~ '^[a-z0-9-]{1,32}$'),
    nonce         text NOT NULL CHECK (length(nonce) BETWEEN 22 AND 128),
    code_verifier text NOT NULL CHECK (length(code_verifier) BETWEEN 43 AND 128),
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL
);
CREATE INDEX oidc_login_states_expires_idx ON oidc_login_states (expires_at);
ALTER TABLE oidc_login_states ENABLE ROW LEVEL SECURITY;
ALTER TABLE oidc_login_states FORCE ROW LEVEL SECURITY;
CREATE POLICY oidc_login_states_owner ON oidc_login_states TO CURRENT_USER
    USING (true) WITH CHECK (true);
REVOKE ALL ON oidc_login_states FROM PUBLIC;

-- Stores a started log-in (and forgets expired ones). p_ttl_seconds: 30 to 600.
CREATE FUNCTION oidc_state_put(p_state_hash bytea, p_browser_hash bytea, p_provider text,
                               p_nonce text, p_code_verifier text, p_ttl_seconds integer)
    RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        DELETE FROM oidc_login_states WHERE expires_at < now();
        INSERT INTO oidc_login_states (state_hash, browser_hash, provider, nonce, code_verifier,
                                       expires_at)
        VALUES (p_state_hash, p_browser_hash, p_provider, p_nonce, p_code_verifier,
                now() + make_interval(secs => greatest(30, least(600, p_ttl_seconds))));
    $$;

-- Takes a started log-in: the row is gone afterwards whatever the caller does with it
-- (single use). Returns nothing when unknown, already taken or expired; the caller compares
-- the browser binding and the provider itself (in constant time).
CREATE FUNCTION oidc_state_take(p_state_hash bytea)
    RETURNS TABLE (browser_hash bytea, provider text, nonce text, code_verifier text)
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        WITH taken AS (
            DELETE FROM oidc_login_states s WHERE s.state_hash = p_state_hash
            RETURNING s.browser_hash, s.provider, s.nonce, s.code_verifier, s.expires_at)
        SELECT t.browser_hash, t.provider, t.nonce, t.code_verifier FROM taken t
         WHERE t.expires_at >= now();
    $$;

-- The audit row of an OIDC log-in: action 'create' on a 'session', outcome allowed or denied,
-- the provider in resource_id and the reason in purpose. p_user is the local account when one
-- was found (also a deactivated one), else NULL; role and organisation come from it.
CREATE FUNCTION oidc_login_audit(p_user uuid, p_provider text, p_outcome text, p_reason text)
    RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        INSERT INTO audit_log (user_id, user_role, org_id, action, resource_type, resource_id,
                               purpose, outcome, request_id, client_addr)
        SELECT p_user, u.role, u.org_id, 'create', 'session', left(p_provider, 64),
               left('oidc log-in: ' || coalesce(p_reason, ''), 200), p_outcome,
               nullif(current_setting('app.request_id', true), ''),
               nullif(current_setting('app.client_addr', true), '')
          FROM (SELECT 1) one LEFT JOIN users u ON u.id = p_user;
    $$;

REVOKE ALL ON FUNCTION oidc_state_put(bytea, bytea, text, text, text, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION oidc_state_take(bytea) FROM PUBLIC;
REVOKE ALL ON FUNCTION oidc_login_audit(uuid, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION oidc_state_put(bytea, bytea, text, text, text, integer) TO samspil_app;
GRANT EXECUTE ON FUNCTION oidc_state_take(bytea) TO samspil_app;
GRANT EXECUTE ON FUNCTION oidc_login_audit(uuid, text, text, text) TO samspil_app;
