-- Meeting participants (meetings itself is in 0003). A network meeting (netværksmøde) is
-- about one resident and always has someone from the municipality, someone from the region
-- and the resident (checked by server/meetings.c when it is created); relatives and partners
-- take part only with the resident's consent, checked here so no path can skip it. Joint
-- events (theme, teaching, other) have staff participants only and no personal data.

CREATE TABLE meeting_participants (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    meeting_id    uuid NOT NULL REFERENCES meetings (id),
    team_id       uuid NOT NULL,   -- copied from the meeting
    facility_id   uuid NOT NULL,
    user_id       uuid REFERENCES users (id),
    external_name text CHECK (length(external_name) BETWEEN 1 AND 200),
    kind          text NOT NULL CHECK (kind IN ('resident', 'relative', 'partner', 'staff')),
    side          text NOT NULL CHECK (side IN ('municipality', 'region', 'resident', 'other')),
    role          text NOT NULL DEFAULT '' CHECK (length(role) <= 200),
    added_by      uuid NOT NULL REFERENCES users (id),
    added_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'resident' OR user_id IS NOT NULL OR external_name IS NOT NULL)
);
CREATE INDEX meeting_participants_meeting_idx ON meeting_participants (meeting_id);

CREATE FUNCTION meeting_participants_check() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        m meetings%ROWTYPE;
    BEGIN
        SELECT * INTO m FROM meetings WHERE id = NEW.meeting_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no such meeting' USING ERRCODE = 'SA404', HINT = 'meeting_id',
                DETAIL = 'not-found';
        END IF;
        NEW.team_id := m.team_id;
        NEW.facility_id := m.facility_id;
        IF NEW.kind <> 'staff' AND m.kind <> 'network' THEN
            RAISE EXCEPTION 'Only staff take part in joint events; residents, relatives and '
                            'partners take part in network meetings.'
                USING ERRCODE = 'SA422', HINT = 'participants', DETAIL = 'joint-event-staff-only';
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
CREATE TRIGGER meeting_participants_check BEFORE INSERT ON meeting_participants
    FOR EACH ROW EXECUTE FUNCTION meeting_participants_check();

ALTER TABLE meeting_participants ENABLE ROW LEVEL SECURITY;
ALTER TABLE meeting_participants FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON meeting_participants TO samspil_app;
CREATE POLICY meeting_participants_pair ON meeting_participants FOR ALL TO samspil_app
    USING ((SELECT app_sees(team_id, facility_id)))
    WITH CHECK ((SELECT app_sees(team_id, facility_id)) AND added_by = (SELECT app_user_id()));
CREATE POLICY meeting_participants_owner ON meeting_participants TO CURRENT_USER
    USING (true) WITH CHECK (true);
