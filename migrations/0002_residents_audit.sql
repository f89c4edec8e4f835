-- Residents and the append-only audit log. Resident data is scoped by row-level
-- security: region staff see their team's residents, facility staff their
-- facility's, admins none. Child tables carry team_id and facility_id so their
-- policies are column comparisons, not subqueries.

CREATE TABLE residents (
    id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                     text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    date_of_birth            date NOT NULL CHECK (date_of_birth > '1900-01-01'),
    facility_id              uuid NOT NULL REFERENCES organizations (id),
    team_id                  uuid NOT NULL REFERENCES organizations (id),
    contact_person_id        uuid REFERENCES users (id),
    responsible_clinician_id uuid REFERENCES users (id),
    status                   text NOT NULL DEFAULT 'active'
                                 CHECK (status IN ('active', 'discharged')),
    version                  integer NOT NULL DEFAULT 1,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX residents_team_name_idx ON residents (team_id, name, id);
CREATE INDEX residents_facility_name_idx ON residents (facility_id, name, id);

ALTER TABLE residents ENABLE ROW LEVEL SECURITY;
ALTER TABLE residents FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE ON residents TO samspil_app;
CREATE POLICY residents_region ON residents FOR ALL TO samspil_app
    USING ((SELECT app_is_region()) AND team_id = (SELECT app_org_id()))
    WITH CHECK ((SELECT app_is_region()) AND team_id = (SELECT app_org_id()));
CREATE POLICY residents_facility ON residents FOR ALL TO samspil_app
    USING ((SELECT app_is_facility()) AND facility_id = (SELECT app_org_id()))
    WITH CHECK ((SELECT app_is_facility()) AND facility_id = (SELECT app_org_id()));
CREATE POLICY residents_owner ON residents TO CURRENT_USER USING (true) WITH CHECK (true);

-- The audit log: who touched which resident's data, when, why, and whether it was allowed.
-- Never note contents. The application may only add and read rows.
CREATE TABLE audit_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    user_id       uuid,
    user_name     text,          -- the actor's name at the time (set by a trigger)
    user_role     text,
    org_id        uuid,
    action        text NOT NULL CHECK (action IN ('read', 'search', 'create', 'update', 'delete')),
    resource_type text NOT NULL CHECK (length(resource_type) <= 64),
    resource_id   text CHECK (length(resource_id) <= 64),
    resident_id   uuid,
    -- the resident's team and facility at the time, so their managers can read the trail
    team_id       uuid,
    facility_id   uuid,
    purpose       text NOT NULL DEFAULT '' CHECK (length(purpose) <= 200),
    outcome       text NOT NULL CHECK (outcome IN ('allowed', 'denied')),
    request_id    text,
    client_addr   text
);
CREATE INDEX audit_log_resident_idx ON audit_log (resident_id, at DESC);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, at DESC);

CREATE FUNCTION audit_log_immutable() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = '42501';
    END
    $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_immutable();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_immutable();

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON audit_log TO samspil_app;
CREATE POLICY audit_insert ON audit_log FOR INSERT TO samspil_app
    WITH CHECK (user_id IS NOT DISTINCT FROM (SELECT app_user_id())
                AND request_id IS NOT DISTINCT FROM nullif(current_setting('app.request_id', true), ''));
CREATE POLICY audit_read_region ON audit_log FOR SELECT TO samspil_app
    USING ((SELECT app_role()) = 'region_manager' AND team_id = (SELECT app_org_id()));
CREATE POLICY audit_read_facility ON audit_log FOR SELECT TO samspil_app
    USING ((SELECT app_role()) = 'facility_manager' AND facility_id = (SELECT app_org_id()));
CREATE POLICY audit_owner ON audit_log TO CURRENT_USER USING (true) WITH CHECK (true);

-- The actor's name is kept in the row as it was at the time, so a manager reading a trail
-- sees who it was (also people of other organisations who tried to reach a resident of
-- theirs) without any read access to those accounts, and renaming an account later does
-- not rewrite history.
CREATE FUNCTION audit_log_actor_name() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        SELECT name INTO NEW.user_name FROM users WHERE id = NEW.user_id;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER audit_log_actor_name BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_actor_name();

-- Writes one audit row with the caller's identity from the transaction settings. The
-- resident's team and facility are looked up here (as the owner) so that attempts on
-- residents the caller may not see are still attributed to the right managers.
CREATE FUNCTION audit_write(p_action text, p_resource_type text, p_resource_id text,
                            p_resident_id uuid, p_purpose text, p_outcome text) RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        INSERT INTO audit_log (user_id, user_role, org_id, action, resource_type, resource_id,
                               resident_id, team_id, facility_id, purpose, outcome,
                               request_id, client_addr)
        SELECT app_user_id(), app_role(), app_org_id(), p_action, p_resource_type,
               p_resource_id, p_resident_id, r.team_id, r.facility_id, coalesce(p_purpose, ''),
               p_outcome, nullif(current_setting('app.request_id', true), ''),
               nullif(current_setting('app.client_addr', true), '')
          FROM (SELECT 1) one
          LEFT JOIN residents r ON r.id = p_resident_id
    $$;
REVOKE ALL ON FUNCTION audit_write(text, text, text, uuid, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_write(text, text, text, uuid, text, text) TO samspil_app;

-- Idempotency keys: a retried POST replays the first response instead of creating twice.
CREATE TABLE idempotency_keys (
    user_id      uuid NOT NULL,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    route        text NOT NULL,
    request_hash text NOT NULL,
    status       integer,
    response     text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key)
);
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO samspil_app;
CREATE POLICY idempotency_own ON idempotency_keys FOR ALL TO samspil_app
    USING (user_id = (SELECT app_user_id())) WITH CHECK (user_id = (SELECT app_user_id()));
CREATE POLICY idempotency_owner ON idempotency_keys TO CURRENT_USER USING (true) WITH CHECK (true);
