-- Two lists over 20 ms at region scale (issue 8, docs/BENCHMARKS.md "fourth pass"):
--
-- 1. The team's received Monday mails: the page of 100 newest sorted all of the team's sent
--    mails (2 500 over five years, joined to their facilities, senders and opens) because no
--    index had them in sent order: 19.5 ms in EXPLAIN ANALYZE. With this index the scan reads
--    the page in order and stops: 1.9 ms.
CREATE INDEX monday_mails_team_sent_idx ON monday_mails (team_id, sent_at DESC, id DESC)
    WHERE sent_at IS NOT NULL;

-- 2. The admissions list and its summary: whether an admission is a readmission (within 30
--    days of the resident's previous discharge) was looked up per admission, by a bitmap scan
--    of the resident's admissions and a sort (the planner would not read the index backwards
--    for one row under the policy): 13 us each, 16 ms of the 16.5 ms summary of a facility's
--    1 100 admissions, 2.6 ms of a page of 100. The previous discharge is now kept on the
--    admission, by trigger, once as the team sees it and once as the facility sees it: the
--    policy admissions_pair shows region staff the admissions of their team and facility staff
--    those of their facility, so "the previous discharge the caller can see" is the newest
--    discharge before the admission among the admissions of the same team (region) or of the
--    same facility (facility). The view picks the caller's side; the figures are exactly what
--    the security-invoker view computed before.
ALTER TABLE admissions
    ADD COLUMN prev_discharged_team timestamptz,
    ADD COLUMN prev_discharged_facility timestamptz;

-- The previous discharges as the rows say they are now: what the trigger keeps and what
-- server/demo/region/check.sql compares the kept columns with. Owner only.
CREATE VIEW admission_prev_now AS
SELECT a.id AS admission_id, a.resident_id,
       (SELECT max(p.discharged_at) FROM admissions p
         WHERE p.resident_id = a.resident_id AND p.id <> a.id AND p.team_id = a.team_id
           AND p.discharged_at <= a.admitted_at) AS prev_discharged_team,
       (SELECT max(p.discharged_at) FROM admissions p
         WHERE p.resident_id = a.resident_id AND p.id <> a.id AND p.facility_id = a.facility_id
           AND p.discharged_at <= a.admitted_at) AS prev_discharged_facility
  FROM admissions a;
REVOKE ALL ON admission_prev_now FROM PUBLIC;

-- Recomputes the kept previous discharges of one resident's admissions (NULL: of everyone's,
-- for the backfill and the region generator). Writes only rows whose values change.
CREATE FUNCTION admission_refresh_prev(p_resident uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        UPDATE admissions a
           SET prev_discharged_team = n.prev_discharged_team,
               prev_discharged_facility = n.prev_discharged_facility
          FROM admission_prev_now n
         WHERE n.admission_id = a.id
           AND (p_resident IS NULL OR (a.resident_id = p_resident AND n.resident_id = p_resident))
           AND (a.prev_discharged_team, a.prev_discharged_facility)
               IS DISTINCT FROM (n.prev_discharged_team, n.prev_discharged_facility);
    END
    $$;
REVOKE ALL ON FUNCTION admission_refresh_prev(uuid) FROM PUBLIC;

-- Any change of when, whose or where: the resident's admissions again (old and new resident).
-- The kept columns themselves are not in the list, so the refresh does not fire it again.
CREATE FUNCTION admissions_prev_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM admission_refresh_prev(OLD.resident_id);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') AND (TG_OP = 'INSERT' OR OLD.resident_id IS DISTINCT FROM NEW.resident_id) THEN
            PERFORM admission_refresh_prev(NEW.resident_id);
        END IF;
        RETURN NULL;
    END
    $$;
CREATE TRIGGER admissions_prev
    AFTER INSERT OR DELETE OR UPDATE OF admitted_at, discharged_at, resident_id, team_id,
        facility_id ON admissions
    FOR EACH ROW EXECUTE FUNCTION admissions_prev_changed();

SELECT admission_refresh_prev(NULL);

-- The view reads the kept column of the caller's side instead of a lookup per admission.
DROP VIEW admission_facts;
CREATE VIEW admission_facts WITH (security_invoker = true) AS
SELECT a.id, a.resident_id, a.team_id, a.facility_id, a.admitted_at, a.discharged_at, a.ward,
       a.forced, a.recorded_by, a.discharged_by, a.version, a.created_at, a.updated_at,
       prev.discharged_at AS previous_discharged_at,
       coalesce(prev.discharged_at >= a.admitted_at - interval '30 days', false) AS readmission,
       (coalesce(a.discharged_at, now())::date - a.admitted_at::date) AS bed_days
  FROM admissions a
 CROSS JOIN LATERAL (SELECT CASE WHEN (SELECT app_is_facility()) THEN a.prev_discharged_facility
                                 ELSE a.prev_discharged_team END AS discharged_at) prev;
GRANT SELECT ON admission_facts TO samspil_app;
