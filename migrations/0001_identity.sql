-- Identity: the application role, the per-request identity settings, and the
-- functions policies use to read them. The owner (whoever runs migrations)
-- owns every object; the server connects as samspil_app, which owns nothing
-- and cannot bypass row-level security.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'samspil_app') THEN
        CREATE ROLE samspil_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
END
$$;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO samspil_app;

-- The caller's identity, set per transaction by app_begin(). NULL when unset.
CREATE FUNCTION app_user_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;

CREATE FUNCTION app_role() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.role', true), '') $$;

CREATE FUNCTION app_org_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.org_id', true), '')::uuid $$;

CREATE FUNCTION app_is_region() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT app_role() IN ('region_clinician', 'region_manager') $$;

CREATE FUNCTION app_is_facility() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT app_role() IN ('facility_staff', 'facility_manager') $$;

CREATE TABLE organizations (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind            text NOT NULL CHECK (kind IN ('team', 'facility', 'operations')),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    address         text NOT NULL DEFAULT '' CHECK (length(address) <= 500),
    -- the owning region (teams) or municipality (facilities); operations: who runs Samspil
    authority       text NOT NULL CHECK (length(authority) BETWEEN 1 AND 200),
    -- for a facility: the F-ACT team that serves it
    serving_team_id uuid REFERENCES organizations (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, name),
    CHECK (serving_team_id IS NULL OR kind = 'facility')
);

CREATE TABLE users (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email           text NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) <= 254),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    role            text NOT NULL CHECK (role IN ('region_clinician', 'region_manager',
                                                  'facility_staff', 'facility_manager', 'admin')),
    org_id          uuid NOT NULL REFERENCES organizations (id),
    active          boolean NOT NULL DEFAULT true,
    -- Argon2id (libsodium crypto_pwhash_str); NULL for accounts that log in via OIDC only
    password_hash   text,
    -- bumped on deactivation and password reset: tokens carry it as "sv"
    session_version integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_org_idx ON users (org_id);

-- Whether two organisations work together (a facility and the team serving it, or the same).
CREATE FUNCTION org_partners(a uuid, b uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT a = b OR EXISTS (
            SELECT 1 FROM organizations f
             WHERE f.kind = 'facility'
               AND ((f.id = a AND f.serving_team_id = b) OR (f.id = b AND f.serving_team_id = a)))
    $$;

-- Opens a request: checks the token's user is still active with the same role, organisation
-- and session version, then sets the identity for this transaction only. p_sv NULL skips the
-- version check (tokens from an external identity provider carry none).
CREATE FUNCTION app_begin(p_user uuid, p_role text, p_org uuid, p_sv integer,
                          p_request_id text, p_client text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        u users%ROWTYPE;
    BEGIN
        SELECT * INTO u FROM users WHERE id = p_user;
        IF NOT FOUND OR NOT u.active OR u.role <> p_role OR u.org_id <> p_org
           OR (p_sv IS NOT NULL AND u.session_version <> p_sv) THEN
            RAISE EXCEPTION 'session is no longer valid' USING ERRCODE = '28000';
        END IF;
        PERFORM set_config('app.user_id', p_user::text, true);
        PERFORM set_config('app.role', p_role, true);
        PERFORM set_config('app.org_id', p_org::text, true);
        PERFORM set_config('app.request_id', coalesce(p_request_id, ''), true);
        PERFORM set_config('app.client_addr', coalesce(p_client, ''), true);
    END
    $$;

CREATE FUNCTION app_begin_anonymous(p_request_id text, p_client text) RETURNS void
    LANGUAGE plpgsql
    AS $$
    BEGIN
        PERFORM set_config('app.user_id', '', true);
        PERFORM set_config('app.role', '', true);
        PERFORM set_config('app.org_id', '', true);
        PERFORM set_config('app.request_id', coalesce(p_request_id, ''), true);
        PERFORM set_config('app.client_addr', coalesce(p_client, ''), true);
    END
    $$;

-- Log-in needs the password hash, which the application role cannot select.
CREATE FUNCTION auth_lookup(p_email text)
    RETURNS TABLE (id uuid, name text, role text, org_id uuid, active boolean,
                   password_hash text, session_version integer)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT id, name, role, org_id, active, password_hash, session_version
          FROM users WHERE email = lower(p_email)
    $$;

REVOKE ALL ON FUNCTION app_begin(uuid, text, uuid, integer, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION auth_lookup(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION org_partners(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_begin(uuid, text, uuid, integer, text, text) TO samspil_app;
GRANT EXECUTE ON FUNCTION auth_lookup(text) TO samspil_app;
GRANT EXECUTE ON FUNCTION org_partners(uuid, uuid) TO samspil_app;

-- Organisations: everyone signed in may read them (names are not personal data);
-- only admins create or change them.
ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE ON organizations TO samspil_app;
CREATE POLICY organizations_read ON organizations FOR SELECT TO samspil_app
    USING ((SELECT app_role()) IS NOT NULL);
CREATE POLICY organizations_admin_insert ON organizations FOR INSERT TO samspil_app
    WITH CHECK ((SELECT app_role()) = 'admin');
CREATE POLICY organizations_admin_update ON organizations FOR UPDATE TO samspil_app
    USING ((SELECT app_role()) = 'admin') WITH CHECK ((SELECT app_role()) = 'admin');
CREATE POLICY organizations_owner ON organizations TO CURRENT_USER USING (true) WITH CHECK (true);

-- Users: admins manage all accounts; everyone else sees the people of their own and their
-- partner organisation (contact persons, clinicians), never the password hash.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
GRANT SELECT (id, email, name, role, org_id, active, session_version, created_at, updated_at)
    ON users TO samspil_app;
GRANT INSERT (email, name, role, org_id, active, password_hash) ON users TO samspil_app;
GRANT UPDATE (name, role, org_id, active, password_hash, session_version, updated_at)
    ON users TO samspil_app;
CREATE POLICY users_admin ON users FOR ALL TO samspil_app
    USING ((SELECT app_role()) = 'admin') WITH CHECK ((SELECT app_role()) = 'admin');
-- Set-based rather than a per-row function call, so it plans as hashed subplans.
CREATE POLICY users_colleagues ON users FOR SELECT TO samspil_app
    USING ((SELECT app_role()) <> 'admin'
           AND (org_id = (SELECT app_org_id())
                OR org_id IN (SELECT f.id FROM organizations f
                               WHERE f.serving_team_id = (SELECT app_org_id()))
                OR org_id IN (SELECT f.serving_team_id FROM organizations f
                               WHERE f.id = (SELECT app_org_id()))));
CREATE POLICY users_owner ON users TO CURRENT_USER USING (true) WITH CHECK (true);

-- A user's role must fit the kind of their organisation: region roles belong to a team,
-- facility roles to a facility. Admins may sit anywhere.
CREATE FUNCTION users_role_fits_org() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        k text;
    BEGIN
        SELECT kind INTO k FROM organizations WHERE id = NEW.org_id;
        IF k IS NULL THEN
            RAISE EXCEPTION 'the organisation does not exist'
                USING ERRCODE = 'SA422', HINT = 'org_id', DETAIL = 'invalid-reference';
        END IF;
        IF (NEW.role IN ('region_clinician', 'region_manager') AND k <> 'team')
           OR (NEW.role IN ('facility_staff', 'facility_manager') AND k <> 'facility') THEN
            RAISE EXCEPTION 'must be a team for region roles and a facility for facility roles'
                USING ERRCODE = 'SA422', HINT = 'org_id', DETAIL = 'role-does-not-fit-organization';
        END IF;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER users_role_fits_org BEFORE INSERT OR UPDATE OF role, org_id ON users
    FOR EACH ROW EXECUTE FUNCTION users_role_fits_org();
