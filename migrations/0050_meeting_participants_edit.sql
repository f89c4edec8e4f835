-- Meeting participants can be added and removed after the meeting is created.
--
-- A removal is a mark (removed_at, removed_by), never a DELETE: who was invited and
-- who took them off stays visible to the owner. A named account must belong to the
-- meeting's team (side region) or facility (side municipality) and be active; the same
-- account or the resident cannot be listed twice; a network meeting keeps at least one
-- participant from the municipality, one from the region and the resident; and, about a
-- resident with an assessed safety risk, someone of the facility (DOMAIN.md rule 2: the
-- contact person or another staff member who knows the resident takes part in every
-- meeting). A new network meeting is checked when its transaction commits.

ALTER TABLE meeting_participants
    ADD COLUMN removed_at timestamptz,
    ADD COLUMN removed_by uuid REFERENCES users (id),
    ADD CHECK ((removed_at IS NULL) = (removed_by IS NULL));

CREATE UNIQUE INDEX meeting_participants_user_once
    ON meeting_participants (meeting_id, user_id)
    WHERE removed_at IS NULL AND user_id IS NOT NULL;
CREATE UNIQUE INDEX meeting_participants_resident_once
    ON meeting_participants (meeting_id)
    WHERE removed_at IS NULL AND kind = 'resident';

CREATE OR REPLACE FUNCTION meeting_participants_check() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        m meetings%ROWTYPE;
        u users%ROWTYPE;
    BEGIN
        SELECT * INTO m FROM meetings WHERE id = NEW.meeting_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no such meeting' USING ERRCODE = 'SA404', HINT = 'meeting_id',
                DETAIL = 'not-found';
        END IF;
        NEW.team_id := m.team_id;
        NEW.facility_id := m.facility_id;
        NEW.removed_at := NULL;
        NEW.removed_by := NULL;
        IF NEW.kind <> 'staff' AND m.kind <> 'network' THEN
            RAISE EXCEPTION 'Only staff take part in joint events; residents, relatives and '
                            'partners take part in network meetings.'
                USING ERRCODE = 'SA422', HINT = 'participants', DETAIL = 'joint-event-staff-only';
        END IF;
        IF NEW.user_id IS NOT NULL THEN
            SELECT * INTO u FROM users WHERE id = NEW.user_id;
            IF NOT FOUND OR NOT u.active OR u.role = 'admin'
               OR u.org_id NOT IN (m.team_id, m.facility_id) THEN
                RAISE EXCEPTION 'A named participant must be an active member of the team or '
                                'the facility of the meeting.'
                    USING ERRCODE = 'SA422', HINT = 'user_id',
                          DETAIL = 'participant-not-of-the-pair';
            END IF;
            IF NEW.kind <> 'staff'
               OR NEW.side <> (CASE WHEN u.org_id = m.team_id THEN 'region'
                                    ELSE 'municipality' END) THEN
                RAISE EXCEPTION 'A member of the team takes part as staff on the region''s side, '
                                'a member of the facility as staff on the municipality''s side.'
                    USING ERRCODE = 'SA422', HINT = 'side', DETAIL = 'participant-side';
            END IF;
            IF EXISTS (SELECT 1 FROM meeting_participants p
                       WHERE p.meeting_id = NEW.meeting_id AND p.user_id = NEW.user_id
                         AND p.removed_at IS NULL) THEN
                RAISE EXCEPTION 'This person already takes part in the meeting.'
                    USING ERRCODE = 'SA409', HINT = 'user_id', DETAIL = 'participant-exists';
            END IF;
        END IF;
        IF NEW.kind = 'resident' AND EXISTS (
               SELECT 1 FROM meeting_participants p
               WHERE p.meeting_id = NEW.meeting_id AND p.kind = 'resident'
                 AND p.removed_at IS NULL) THEN
            RAISE EXCEPTION 'The resident already takes part in the meeting.'
                USING ERRCODE = 'SA409', HINT = 'kind', DETAIL = 'participant-exists';
        END IF;
        IF NEW.kind = 'relative' AND NOT consent_in_force(m.resident_id, 'relatives_may_attend') THEN
            RAISE EXCEPTION 'Relatives may take part only while the resident''s consent '
                            '(relatives_may_attend) is in force.'
                USING ERRCODE = 'SA422', HINT = 'participants',
                      DETAIL = 'relatives-require-consent';
        END IF;
        IF NEW.kind = 'partner' AND NOT consent_in_force(m.resident_id, 'partners_may_attend') THEN
            RAISE EXCEPTION 'Partners may take part only while the resident''s consent '
                            '(partners_may_attend) is in force.'
                USING ERRCODE = 'SA422', HINT = 'participants',
                      DETAIL = 'partners-require-consent';
        END IF;
        RETURN NEW;
    END
    $$;

-- What a network meeting needs among its participants (not counting p_without, the one
-- being removed): someone of the municipality, someone of the region and the resident; and,
-- with a safety risk assessed, someone of the facility (DOMAIN.md rule 2: the contact person
-- or another staff member who knows the resident takes part in every meeting). Raises SA422
-- naming what is missing; other kinds of meeting need nothing.
CREATE FUNCTION network_meeting_complete(p_meeting uuid, p_without uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        m meetings%ROWTYPE;
    BEGIN
        SELECT * INTO m FROM meetings WHERE id = p_meeting;
        IF NOT FOUND OR m.kind <> 'network' THEN
            RETURN;
        END IF;
        IF NOT EXISTS (SELECT 1 FROM meeting_participants p
                        WHERE p.meeting_id = m.id AND p.removed_at IS NULL
                          AND p.id IS DISTINCT FROM p_without
                        HAVING bool_or(p.side = 'municipality') AND bool_or(p.side = 'region')
                           AND bool_or(p.kind = 'resident')) THEN
            RAISE EXCEPTION 'A network meeting needs at least one participant from the '
                            'municipality, one from the region, and the resident.'
                USING ERRCODE = 'SA422', HINT = 'participants',
                      DETAIL = 'network-meeting-composition';
        END IF;
        IF (SELECT r.safety_risk FROM residents r WHERE r.id = m.resident_id)
           AND NOT EXISTS (SELECT 1 FROM meeting_participants p JOIN users u ON u.id = p.user_id
                           WHERE p.meeting_id = m.id AND p.removed_at IS NULL
                             AND p.id IS DISTINCT FROM p_without
                             AND u.org_id = m.facility_id
                             AND u.role IN ('facility_staff', 'facility_manager')) THEN
            RAISE EXCEPTION 'A safety risk is assessed for this resident: the contact person or '
                            'another staff member of the facility who knows the resident must '
                            'take part.'
                USING ERRCODE = 'SA422', HINT = 'participants',
                      DETAIL = 'safety-risk-requires-staff';
        END IF;
    END
    $$;

-- A new network meeting is complete when its transaction commits (its participants are
-- inserted after it, so the check waits for the commit). The server checks the same first,
-- for a clear answer and an audited refusal; this keeps any other writer to the rules.
CREATE FUNCTION meetings_network_complete() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        PERFORM network_meeting_complete(NEW.id, NULL);
        RETURN NULL;
    END
    $$;
CREATE CONSTRAINT TRIGGER meetings_network_complete AFTER INSERT ON meetings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.kind = 'network')
    EXECUTE FUNCTION meetings_network_complete();

-- Removal: only the mark may be set, once, and a network meeting keeps its composition.
CREATE FUNCTION meeting_participants_removal() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
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
        PERFORM network_meeting_complete(NEW.meeting_id, NEW.id);
        RETURN NEW;
    END
    $$;
CREATE TRIGGER meeting_participants_removal BEFORE UPDATE ON meeting_participants
    FOR EACH ROW EXECUTE FUNCTION meeting_participants_removal();

GRANT UPDATE (removed_at, removed_by) ON meeting_participants TO samspil_app;

-- The old policy was FOR ALL with added_by = caller in its check, which would stop anyone
-- but the one who added a participant from removing it. Split by command instead.
DROP POLICY meeting_participants_pair ON meeting_participants;
CREATE POLICY meeting_participants_read ON meeting_participants FOR SELECT TO samspil_app
    USING ((SELECT app_sees(team_id, facility_id)));
CREATE POLICY meeting_participants_add ON meeting_participants FOR INSERT TO samspil_app
    WITH CHECK ((SELECT app_sees(team_id, facility_id)) AND added_by = (SELECT app_user_id()));
CREATE POLICY meeting_participants_remove ON meeting_participants FOR UPDATE TO samspil_app
    USING ((SELECT app_sees(team_id, facility_id)) AND removed_at IS NULL)
    WITH CHECK ((SELECT app_sees(team_id, facility_id)) AND removed_by = (SELECT app_user_id()));
