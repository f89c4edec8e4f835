-- A list read writes one audit row per team of the residents it shows, not one per pair
-- (team, facility): a clinician's caseload page of 50 over ten facilities wrote ten rows, each
-- with its partition routing, three index entries and the actor-name trigger, which was a
-- third of the cost of serving the page (docs/BENCHMARKS.md, fifth pass). The residents shown
-- are in resident_ids as before; facility_ids, when they live at more than one facility,
-- names each one's facility in the same order (NULL when facility_id names the one they
-- share), so the index of list reads (audit_log_seen) still records every resident with the
-- facility it was seen at, and "who looked at this resident" is exactly what it was for the
-- managers of both sides.
--
-- Additive (expand-then-contract, docs/OPERATIONS.md): servers of the previous release keep
-- writing a row per pair, which this trigger indexes as before.
ALTER TABLE audit_log ADD COLUMN facility_ids uuid[];

CREATE OR REPLACE FUNCTION audit_log_index_seen() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        INSERT INTO audit_log_seen (resident_id, at, audit_id, team_id, facility_id)
        SELECT DISTINCT u.resident, n.at, n.id, n.team_id, coalesce(u.facility, n.facility_id)
          FROM new_rows n
         CROSS JOIN LATERAL unnest(n.resident_ids, n.facility_ids) u (resident, facility)
         WHERE n.resident_ids IS NOT NULL AND u.resident IS NOT NULL;
        RETURN NULL;
    END
    $$;
