-- A resident's KIP status (none, active, review due) read with the resident: the caseload, the
-- board and a resident's page show it. The newest KIP version decides it: a plan is in force
-- when that version is 'active' (a draft or a closed plan is no plan in force), and a review
-- is due when its next_review date has come. Whether the plan is in force and its review date
-- are kept on the resident by a trigger on kip_versions (append-only: every save is an
-- INSERT), so the statements of server/residents.c read two columns instead of probing
-- kip_versions per resident; "review due" depends on today and is worked out in the
-- statement from the kept date. Both sides of a pair read the KIP, so the columns show
-- nothing a reader of the resident could not see.
ALTER TABLE residents
    ADD COLUMN kip_active boolean NOT NULL DEFAULT false,
    ADD COLUMN kip_next_review date;

-- The KIP facts as the rows say they are now (what the trigger keeps, what the backfill here
-- and in server/demo/region/generate.sql writes, and what server/demo/region/check.sql
-- compares the kept columns with). Owner only.
CREATE VIEW resident_kip_now AS
SELECT r.id AS resident_id,
       coalesce(k.status = 'active', false) AS kip_active,
       CASE WHEN k.status = 'active' THEN k.next_review END AS kip_next_review
  FROM residents r
  LEFT JOIN LATERAL (SELECT x.status, x.next_review FROM kip_versions x
                      WHERE x.resident_id = r.id
                      ORDER BY x.version DESC LIMIT 1) k ON true;
REVOKE ALL ON resident_kip_now FROM PUBLIC;

-- Writes the KIP facts of one resident, or of every resident (NULL); PL/pgSQL so each branch
-- is planned once and the one-resident update is an index probe.
CREATE FUNCTION resident_refresh_kip(p_resident uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        IF p_resident IS NULL THEN
            UPDATE residents r
               SET kip_active = f.kip_active, kip_next_review = f.kip_next_review
              FROM resident_kip_now f
             WHERE f.resident_id = r.id
               AND (r.kip_active, r.kip_next_review)
                   IS DISTINCT FROM (f.kip_active, f.kip_next_review);
        ELSE
            UPDATE residents r
               SET kip_active = f.kip_active, kip_next_review = f.kip_next_review
              FROM resident_kip_now f
             WHERE r.id = p_resident AND f.resident_id = p_resident;
        END IF;
    END
    $$;
REVOKE ALL ON FUNCTION resident_refresh_kip(uuid) FROM PUBLIC;

CREATE FUNCTION kip_versions_resident_kip() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        PERFORM resident_refresh_kip(NEW.resident_id);
        RETURN NULL;
    END
    $$;
CREATE TRIGGER kip_versions_resident_kip AFTER INSERT ON kip_versions
    FOR EACH ROW EXECUTE FUNCTION kip_versions_resident_kip();

-- the plans there are
SELECT resident_refresh_kip(NULL);
