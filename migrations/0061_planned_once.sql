-- Functions planned once per connection instead of once per call.
--
-- A LANGUAGE sql function is inlined into the calling statement only when it is simple
-- enough; one that is SECURITY DEFINER or has a SET clause never is, and then every call
-- parses and plans its body again. The functions below were that kind and sit on hot paths:
-- app_people_orgs() in the users policy (once per statement that reads a name: 0.8 ms of a
-- 3 ms caseload page at region scale), consent_in_force() once per resident on the F-ACT
-- board, consent_partners() and org_partners() in the conversation rules, audit_write() on
-- every single-resident read. PL/pgSQL keeps each statement's plan for the connection. Same
-- results, same owners, same grants (CREATE OR REPLACE keeps them).

CREATE OR REPLACE FUNCTION app_people_orgs() RETURNS uuid[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        r constant text := app_role();
        me constant uuid := app_org_id();
        orgs uuid[];
    BEGIN
        IF r IS NULL THEN
            RETURN NULL;
        ELSIF r = 'admin' THEN
            SELECT array_agg(id) INTO orgs FROM organizations;
        ELSE
            SELECT array_agg(o.id) INTO orgs FROM (
                SELECT me AS id
                UNION SELECT f.id FROM organizations f WHERE f.serving_team_id = me
                UNION SELECT f.serving_team_id FROM organizations f
                       WHERE f.id = me AND f.serving_team_id IS NOT NULL) o
             WHERE o.id IS NOT NULL;
        END IF;
        RETURN orgs;
    END
    $$;

CREATE OR REPLACE FUNCTION consent_in_force(p_resident uuid, p_kind text) RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        ok boolean;
    BEGIN
        SELECT c.granted AND (c.valid_until IS NULL OR c.valid_until >= current_date) INTO ok
          FROM consents c
         WHERE c.resident_id = p_resident AND c.kind = p_kind
         ORDER BY c.recorded_at DESC, c.id DESC LIMIT 1;
        RETURN coalesce(ok, false);
    END
    $$;

CREATE OR REPLACE FUNCTION consent_partners(p_resident uuid) RETURNS text[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        named text[];
    BEGIN
        SELECT c.partners INTO named FROM consents c
         WHERE c.resident_id = p_resident AND c.kind = 'partners_may_attend'
         ORDER BY c.recorded_at DESC, c.id DESC LIMIT 1;
        RETURN coalesce(named, '{}');
    END
    $$;

CREATE OR REPLACE FUNCTION org_partners(a uuid, b uuid) RETURNS boolean
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        RETURN a = b OR EXISTS (
            SELECT 1 FROM organizations f
             WHERE f.kind = 'facility'
               AND ((f.id = a AND f.serving_team_id = b) OR (f.id = b AND f.serving_team_id = a)));
    END
    $$;

CREATE OR REPLACE FUNCTION audit_write(p_action text, p_resource_type text, p_resource_id text,
                                       p_resident_id uuid, p_purpose text, p_outcome text)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        INSERT INTO audit_log (user_id, user_role, org_id, action, resource_type, resource_id,
                               resident_id, team_id, facility_id, purpose, outcome,
                               request_id, client_addr)
        SELECT app_user_id(), app_role(), app_org_id(), p_action, p_resource_type,
               p_resource_id, p_resident_id, r.team_id, r.facility_id, coalesce(p_purpose, ''),
               p_outcome, nullif(current_setting('app.request_id', true), ''),
               nullif(current_setting('app.client_addr', true), '')
          FROM (SELECT 1) one
          LEFT JOIN residents r ON r.id = p_resident_id;
    END
    $$;

-- Nothing on a hot path is left of that kind: the check that keeps it so.
DO $$
DECLARE
    f text;
BEGIN
    SELECT string_agg(p.proname, ', ') INTO f
      FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
     WHERE p.pronamespace = 'public'::regnamespace AND l.lanname = 'sql'
       AND (p.prosecdef OR p.proconfig IS NOT NULL)
       AND p.proname IN ('app_people_orgs', 'consent_in_force', 'consent_partners',
                         'org_partners', 'audit_write');
    IF f IS NOT NULL THEN
        RAISE EXCEPTION 'still planned per call: %', f;
    END IF;
END
$$;

-- ---- the audit rows of a read, cheaper to write ----

-- The actor's name: app_begin() has just read the account, so it keeps the name for the
-- transaction (app.user_name) and the audit trigger takes it from there for the caller's own
-- rows instead of looking the account up once per row (ten rows for a caseload page that
-- spans ten facilities). Rows about anyone else (a log-in attempt) are looked up as before.
CREATE OR REPLACE FUNCTION app_begin(p_user uuid, p_role text, p_org uuid, p_sv integer,
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
        PERFORM set_config('app.user_name', u.name, true);
        PERFORM set_config('app.role', p_role, true);
        PERFORM set_config('app.org_id', p_org::text, true);
        PERFORM set_config('app.request_id', coalesce(p_request_id, ''), true);
        PERFORM set_config('app.client_addr', coalesce(p_client, ''), true);
    END
    $$;

CREATE OR REPLACE FUNCTION app_begin_anonymous(p_request_id text, p_client text) RETURNS void
    LANGUAGE plpgsql
    AS $$
    BEGIN
        PERFORM set_config('app.user_id', '', true);
        PERFORM set_config('app.user_name', '', true);
        PERFORM set_config('app.role', '', true);
        PERFORM set_config('app.org_id', '', true);
        PERFORM set_config('app.request_id', coalesce(p_request_id, ''), true);
        PERFORM set_config('app.client_addr', coalesce(p_client, ''), true);
    END
    $$;

CREATE OR REPLACE FUNCTION audit_log_actor_name() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        IF NEW.user_id = app_user_id() AND current_setting('app.user_name', true) <> '' THEN
            NEW.user_name := current_setting('app.user_name', true);
        ELSE
            SELECT name INTO NEW.user_name FROM users WHERE id = NEW.user_id;
        END IF;
        RETURN NEW;
    END
    $$;

-- "Who looked at this resident" reads audit_log by resident_id only for rows about one
-- resident; a list read (resident_ids) has none and no longer gets an index entry of NULLs.
CREATE INDEX audit_log_resident_one_idx ON audit_log (resident_id, at DESC, id DESC)
    WHERE resident_id IS NOT NULL;
DROP INDEX audit_log_resident_idx;
ALTER INDEX audit_log_resident_one_idx RENAME TO audit_log_resident_idx;

-- ---- the summaries policy: the consent as a sub-select, not a call per summary ----

-- Same rule as before: the facility reads a summary only while the resident's consent to
-- share it is in force. consents are read as the caller; their policy shows a resident's
-- consents to the resident's pair, so this is the same row consent_in_force() reads.
ALTER POLICY conversation_summaries_facility ON conversation_summaries
    USING ((SELECT app_is_facility()) AND facility_id = (SELECT app_org_id())
           AND coalesce((SELECT c.granted AND (c.valid_until IS NULL OR c.valid_until >= current_date)
                           FROM consents c
                          WHERE c.resident_id = conversation_summaries.resident_id
                            AND c.kind = 'share_summary_with_facility'
                          ORDER BY c.recorded_at DESC, c.id DESC LIMIT 1), false));
