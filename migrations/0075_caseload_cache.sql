-- A version of each organisation's caseload: a number that changes, in the same transaction,
-- with every change of a row the caseload (GET /api/residents) is made from, so a server
-- may keep a page it rendered and serve it again while the version it was made at is still
-- the current one (server/caseload_cache.c). The caseload reads residents (with the facts
-- kept on them by triggers: names, last held conversation, admission, KIP, talk requested),
-- visits, visit_agenda, monday_entries and monday_mails; every write of those tables bumps the
-- version of the team and of the facility of each row it touched, old and new.
--
-- One row per organisation that ever changed (absent: version 0). The bump is an upsert in
-- the order of the organisations' ids, so two writers lock the rows in the same order; it is
-- a statement trigger, so a statement that changes many rows bumps each organisation once.
-- The application may read its own organisation's version, nothing else, and writes none.
CREATE TABLE caseload_versions (
    org_id uuid PRIMARY KEY REFERENCES organizations (id),
    version bigint NOT NULL
);
ALTER TABLE caseload_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE caseload_versions FORCE ROW LEVEL SECURITY;
CREATE POLICY caseload_versions_owner ON caseload_versions TO CURRENT_USER
    USING (true) WITH CHECK (true);
CREATE POLICY caseload_versions_read ON caseload_versions FOR SELECT TO samspil_app
    USING (org_id = (SELECT app_org_id()));
GRANT SELECT ON caseload_versions TO samspil_app;

CREATE FUNCTION caseload_bump() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO caseload_versions AS v (org_id, version)
            SELECT o, 1 FROM (SELECT team_id FROM new_rows UNION SELECT facility_id FROM new_rows) s (o)
             WHERE o IS NOT NULL ORDER BY o
            ON CONFLICT (org_id) DO UPDATE SET version = v.version + 1;
        ELSIF TG_OP = 'UPDATE' THEN
            INSERT INTO caseload_versions AS v (org_id, version)
            SELECT o, 1 FROM (SELECT team_id FROM new_rows UNION SELECT facility_id FROM new_rows
                              UNION SELECT team_id FROM old_rows UNION SELECT facility_id FROM old_rows) s (o)
             WHERE o IS NOT NULL ORDER BY o
            ON CONFLICT (org_id) DO UPDATE SET version = v.version + 1;
        ELSE
            INSERT INTO caseload_versions AS v (org_id, version)
            SELECT o, 1 FROM (SELECT team_id FROM old_rows UNION SELECT facility_id FROM old_rows) s (o)
             WHERE o IS NOT NULL ORDER BY o
            ON CONFLICT (org_id) DO UPDATE SET version = v.version + 1;
        END IF;
        RETURN NULL;
    END
    $$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['residents', 'visits', 'visit_agenda', 'monday_entries', 'monday_mails'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION caseload_bump()', t || '_caseload_ins', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows '
                       'NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION caseload_bump()',
                       t || '_caseload_upd', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION caseload_bump()', t || '_caseload_del', t);
    END LOOP;
END
$$;

-- The caseload's page of residents in the order of the caller's index, (team_id, name, id) or
-- (facility_id, name, id): the scan stops after the page. As one statement under both
-- policies the planner ORed the two indexes into a bitmap, read all of a team's residents
-- and sorted them for every page (the estimate multiplies the policy's team_id = org by the
-- query's own, so it expects a handful of rows). Bitmap scans off here only, as in
-- audit_trail. Runs as the caller: the residents policies apply as everywhere. A cursor is
-- (name, id) after which the page starts; none starts before every name (names are never
-- empty).
CREATE FUNCTION caseload_page(p_after_name text, p_after_id uuid, p_limit integer,
                              p_intensity text, p_contact uuid, p_clinician uuid,
                              p_status text)
    RETURNS SETOF residents
    LANGUAGE plpgsql STABLE SET enable_bitmapscan = off
    AS $$
    DECLARE
        v_org uuid := app_org_id();
        v_name text := coalesce(p_after_name, '');
        v_id uuid := coalesce(p_after_id, '00000000-0000-0000-0000-000000000000');
    BEGIN
        IF app_is_region() THEN
            RETURN QUERY SELECT r.* FROM residents r
             WHERE r.team_id = v_org AND (r.name, r.id) > (v_name, v_id)
               AND (p_intensity IS NULL OR r.intensity = p_intensity)
               AND (p_contact IS NULL OR r.contact_person_id = p_contact)
               AND (p_clinician IS NULL OR r.responsible_clinician_id = p_clinician)
               AND (p_status IS NULL OR r.status = p_status)
             ORDER BY r.name, r.id LIMIT p_limit;
        ELSIF app_is_facility() THEN
            RETURN QUERY SELECT r.* FROM residents r
             WHERE r.facility_id = v_org AND (r.name, r.id) > (v_name, v_id)
               AND (p_intensity IS NULL OR r.intensity = p_intensity)
               AND (p_contact IS NULL OR r.contact_person_id = p_contact)
               AND (p_clinician IS NULL OR r.responsible_clinician_id = p_clinician)
               AND (p_status IS NULL OR r.status = p_status)
             ORDER BY r.name, r.id LIMIT p_limit;
        END IF;
    END
    $$;
REVOKE ALL ON FUNCTION caseload_page(text, uuid, integer, text, uuid, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION caseload_page(text, uuid, integer, text, uuid, uuid, text) TO samspil_app;
