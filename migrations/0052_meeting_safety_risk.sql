-- A network meeting about a resident with an assessed safety risk keeps someone of the
-- facility among its participants (DOMAIN.md rule 2: the contact person or another staff
-- member who knows the resident takes part in every meeting). Creation is checked by the
-- server (meetings.c, 422 safety-risk-requires-staff); removing the last such participant
-- is refused here.

CREATE OR REPLACE FUNCTION meeting_participants_removal() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        m meetings%ROWTYPE;
    BEGIN
        IF OLD.removed_at IS NOT NULL OR NEW.removed_at IS NULL
           OR (NEW.meeting_id, NEW.user_id, NEW.external_name, NEW.kind, NEW.side, NEW.role,
               NEW.added_by, NEW.added_at, NEW.team_id, NEW.facility_id)
              IS DISTINCT FROM
              (OLD.meeting_id, OLD.user_id, OLD.external_name, OLD.kind, OLD.side, OLD.role,
               OLD.added_by, OLD.added_at, OLD.team_id, OLD.facility_id) THEN
            RAISE EXCEPTION 'A participant can only be removed, once.'
                USING ERRCODE = 'SA409', DETAIL = 'participant-removed';
        END IF;
        SELECT * INTO m FROM meetings WHERE id = NEW.meeting_id;
        IF m.kind = 'network' AND NOT (
               EXISTS (SELECT 1 FROM meeting_participants p WHERE p.meeting_id = m.id
                       AND p.id <> NEW.id AND p.removed_at IS NULL AND p.side = 'municipality')
           AND EXISTS (SELECT 1 FROM meeting_participants p WHERE p.meeting_id = m.id
                       AND p.id <> NEW.id AND p.removed_at IS NULL AND p.side = 'region')
           AND EXISTS (SELECT 1 FROM meeting_participants p WHERE p.meeting_id = m.id
                       AND p.id <> NEW.id AND p.removed_at IS NULL AND p.kind = 'resident')) THEN
            RAISE EXCEPTION 'A network meeting needs at least one participant from the '
                            'municipality, one from the region, and the resident.'
                USING ERRCODE = 'SA422', HINT = 'participants',
                      DETAIL = 'network-meeting-composition';
        END IF;
        -- DOMAIN.md rule 2: with a safety risk assessed, the contact person or another staff
        -- member of the facility who knows the resident takes part in every meeting
        IF m.kind = 'network' AND (SELECT r.safety_risk FROM residents r WHERE r.id = m.resident_id)
           AND NOT EXISTS (SELECT 1 FROM meeting_participants p JOIN users u ON u.id = p.user_id
                           WHERE p.meeting_id = m.id AND p.id <> NEW.id AND p.removed_at IS NULL
                             AND u.org_id = m.facility_id
                             AND u.role IN ('facility_staff', 'facility_manager')) THEN
            RAISE EXCEPTION 'A safety risk is assessed for this resident: the contact person or '
                            'another staff member of the facility who knows the resident must '
                            'take part.'
                USING ERRCODE = 'SA422', HINT = 'participants',
                      DETAIL = 'safety-risk-requires-staff';
        END IF;
        RETURN NEW;
    END
    $$;
