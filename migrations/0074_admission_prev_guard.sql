-- The previous discharges kept on the admission (0073) are the database's to write: a write of
-- the kept columns themselves (by anyone who may update the admission) is put right at once by
-- the same trigger, as the names kept on the resident are (0069). The refresh's own update of
-- those columns (trigger depth 2) does not start another round.
CREATE OR REPLACE FUNCTION admissions_prev_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        IF pg_trigger_depth() > 1 THEN
            RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM admission_refresh_prev(OLD.resident_id);
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND OLD.resident_id IS DISTINCT FROM NEW.resident_id) THEN
            PERFORM admission_refresh_prev(NEW.resident_id);
        END IF;
        RETURN NULL;
    END
    $$;
DROP TRIGGER admissions_prev ON admissions;
CREATE TRIGGER admissions_prev
    AFTER INSERT OR DELETE OR UPDATE OF admitted_at, discharged_at, resident_id, team_id,
        facility_id, prev_discharged_team, prev_discharged_facility ON admissions
    FOR EACH ROW EXECUTE FUNCTION admissions_prev_changed();
