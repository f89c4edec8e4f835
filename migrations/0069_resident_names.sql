-- The names a resident's row shows (contact person, responsible clinician, who assessed the
-- safety risk, facility, team), kept on the resident. The caseload, the board and a resident's
-- page looked them up per page (users under their row-level security, organizations): a fifth
-- of the caseload statement's time at region scale (docs/BENCHMARKS.md). A trigger fills them
-- whenever the ids change (and whenever anything tries to write them, so they cannot be set
-- to anything else); a rename of a user or an organisation is carried to its residents.
-- The names are those of the people and organisations the resident's pair works with, which
-- the readers of the resident see on their own pages anyway.
ALTER TABLE residents
    ADD COLUMN contact_person_name text,
    ADD COLUMN clinician_name text,
    ADD COLUMN safety_assessor_name text,
    ADD COLUMN facility_name text,
    ADD COLUMN team_name text;

CREATE FUNCTION residents_names_fill() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        NEW.contact_person_name := (SELECT u.name FROM users u WHERE u.id = NEW.contact_person_id);
        NEW.clinician_name := (SELECT u.name FROM users u WHERE u.id = NEW.responsible_clinician_id);
        NEW.safety_assessor_name := (SELECT u.name FROM users u WHERE u.id = NEW.safety_assessed_by);
        NEW.facility_name := (SELECT o.name FROM organizations o WHERE o.id = NEW.facility_id);
        NEW.team_name := (SELECT o.name FROM organizations o WHERE o.id = NEW.team_id);
        RETURN NEW;
    END
    $$;
CREATE TRIGGER residents_names BEFORE INSERT OR UPDATE OF contact_person_id,
    responsible_clinician_id, safety_assessed_by, facility_id, team_id, contact_person_name,
    clinician_name, safety_assessor_name, facility_name, team_name ON residents
    FOR EACH ROW EXECUTE FUNCTION residents_names_fill();

-- A rename reaches the residents (the trigger above reads the new name).
CREATE FUNCTION users_rename_residents() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        UPDATE residents SET contact_person_name = NEW.name
         WHERE contact_person_id = NEW.id OR responsible_clinician_id = NEW.id
            OR safety_assessed_by = NEW.id;
        RETURN NULL;
    END
    $$;
CREATE TRIGGER users_rename_residents AFTER UPDATE OF name ON users
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION users_rename_residents();

CREATE FUNCTION organizations_rename_residents() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        UPDATE residents SET facility_name = NEW.name
         WHERE facility_id = NEW.id OR team_id = NEW.id;
        RETURN NULL;
    END
    $$;
CREATE TRIGGER organizations_rename_residents AFTER UPDATE OF name ON organizations
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION organizations_rename_residents();

-- The names as the rows say they are now: the backfill below, the region generator (which
-- writes with triggers off) and server/demo/region/check.sql. Owner only.
CREATE VIEW resident_names_now AS
SELECT r.id AS resident_id, cp.name AS contact_person_name, cl.name AS clinician_name,
       sa.name AS safety_assessor_name, f.name AS facility_name, t.name AS team_name
  FROM residents r
  LEFT JOIN users cp ON cp.id = r.contact_person_id
  LEFT JOIN users cl ON cl.id = r.responsible_clinician_id
  LEFT JOIN users sa ON sa.id = r.safety_assessed_by
  LEFT JOIN organizations f ON f.id = r.facility_id
  LEFT JOIN organizations t ON t.id = r.team_id;
REVOKE ALL ON resident_names_now FROM PUBLIC;

CREATE FUNCTION resident_refresh_names() RETURNS void
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        UPDATE residents r
           SET contact_person_name = n.contact_person_name, clinician_name = n.clinician_name,
               safety_assessor_name = n.safety_assessor_name, facility_name = n.facility_name,
               team_name = n.team_name
          FROM resident_names_now n
         WHERE n.resident_id = r.id
    $$;
REVOKE ALL ON FUNCTION resident_refresh_names() FROM PUBLIC;

SELECT resident_refresh_names();
