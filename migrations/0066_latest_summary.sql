-- The board's latest shared summary, kept on the resident (as the other caseload facts of
-- migration 0060). The board showed each resident's newest summary by sorting all of the
-- resident's summaries joined to their conversations (about 95 at region scale: 1.2 ms per
-- resident, 57 ms of a board page of 50); now it reads one summary by its key. Which summary
-- is newest is the same for every reader (by the conversation's time, then id); whether the
-- caller may read it is still decided by the row-level security of conversation_summaries
-- when the board joins it (visibility is per resident: the consent in force now), so the
-- column shows nothing more than the conversation ids both sides of the pair already read.
ALTER TABLE residents ADD COLUMN latest_summary_id uuid;

CREATE OR REPLACE VIEW resident_facts_now AS
SELECT r.id AS resident_id,
       (SELECT max(c.occurred_at) FROM conversations c
         WHERE c.resident_id = r.id AND c.outcome = 'held') AS last_held_at,
       a.admitted_at AS admission_from, a.discharged_at AS admission_until,
       (SELECT max(e.iso_week) FROM monday_entries e
          JOIN monday_mails m ON m.facility_id = e.facility_id AND m.iso_week = e.iso_week
         WHERE e.resident_id = r.id AND e.needs_talk AND m.sent_at IS NOT NULL)
           AS talk_shared_week,
       (SELECT s.conversation_id FROM conversation_summaries s
          JOIN conversations c ON c.id = s.conversation_id
         WHERE s.resident_id = r.id
         ORDER BY c.occurred_at DESC, c.id DESC LIMIT 1) AS latest_summary_id
  FROM residents r
  LEFT JOIN LATERAL (SELECT x.admitted_at, x.discharged_at FROM admissions x
                      WHERE x.resident_id = r.id
                      ORDER BY (x.discharged_at IS NULL) DESC, x.admitted_at DESC
                      LIMIT 1) a ON true;
REVOKE ALL ON resident_facts_now FROM PUBLIC;

CREATE OR REPLACE FUNCTION resident_refresh_facts(p_resident uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        IF p_resident IS NULL THEN
            UPDATE residents r
               SET last_held_at = f.last_held_at, admission_from = f.admission_from,
                   admission_until = f.admission_until, talk_shared_week = f.talk_shared_week,
                   latest_summary_id = f.latest_summary_id
              FROM resident_facts_now f
             WHERE f.resident_id = r.id;
        ELSE
            UPDATE residents r
               SET last_held_at = f.last_held_at, admission_from = f.admission_from,
                   admission_until = f.admission_until, talk_shared_week = f.talk_shared_week,
                   latest_summary_id = f.latest_summary_id
              FROM resident_facts_now f
             WHERE r.id = p_resident AND f.resident_id = p_resident;
        END IF;
    END
    $$;

-- A summary written, withdrawn (deleted by a correction) or moved: its resident's facts again.
-- (A conversation's time changing is covered by conversations_5_resident_facts.)
CREATE FUNCTION summaries_facts_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            PERFORM resident_refresh_facts(OLD.resident_id);
        ELSE
            PERFORM resident_refresh_facts(NEW.resident_id);
            IF TG_OP = 'UPDATE' THEN
                IF OLD.resident_id IS DISTINCT FROM NEW.resident_id THEN
                    PERFORM resident_refresh_facts(OLD.resident_id);
                END IF;
            END IF;
        END IF;
        RETURN NULL;
    END
    $$;
CREATE TRIGGER conversation_summaries_resident_facts
    AFTER INSERT OR DELETE OR UPDATE OF resident_id, conversation_id ON conversation_summaries
    FOR EACH ROW EXECUTE FUNCTION summaries_facts_changed();

SELECT resident_refresh_facts(NULL);
