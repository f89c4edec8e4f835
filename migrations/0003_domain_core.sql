-- Domain core shared by the collaboration modules: agreements (with their
-- signatures), the calendar rows they generate (visits, meetings), the
-- resident's F-ACT state (intensity with history, safety risk) and consent.
-- Every row carries team_id and facility_id so policies are column
-- comparisons: region staff see their team's rows, facility staff their
-- facility's, admins nothing.

-- Whether the caller belongs to the team or the facility of a row.
CREATE FUNCTION app_sees(p_team uuid, p_facility uuid) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
        SELECT (app_is_region() AND p_team = app_org_id())
            OR (app_is_facility() AND p_facility = app_org_id())
    $$;

-- ---- agreements (samarbejdsaftale) ----

CREATE TABLE agreements (
    id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id                  uuid NOT NULL REFERENCES organizations (id),
    facility_id              uuid NOT NULL REFERENCES organizations (id),
    status                   text NOT NULL DEFAULT 'draft'
                                 CHECK (status IN ('draft', 'awaiting_signatures', 'active',
                                                   'expired', 'terminated')),
    -- renewal or change after signing creates a new version linked to the old
    previous_id              uuid REFERENCES agreements (id),
    version                  integer NOT NULL DEFAULT 1,   -- ETag; bumped on every change
    purpose                  text NOT NULL DEFAULT '',
    team_tasks               text NOT NULL DEFAULT '',
    facility_tasks           text NOT NULL DEFAULT '',
    target_group             text NOT NULL DEFAULT '',
    -- fixed presence: every N weeks on a weekday (1 = Monday .. 7 = Sunday) in a time window
    presence_every_weeks     integer NOT NULL DEFAULT 2 CHECK (presence_every_weeks BETWEEN 1 AND 12),
    presence_weekday         integer NOT NULL DEFAULT 3 CHECK (presence_weekday BETWEEN 1 AND 7),
    presence_start           time NOT NULL DEFAULT '09:00',
    presence_end             time NOT NULL DEFAULT '12:00',
    contact_email            text NOT NULL DEFAULT '',
    contact_phone            text NOT NULL DEFAULT '',
    contact_video            text NOT NULL DEFAULT '',
    joins_morning_meetings   boolean NOT NULL DEFAULT false,
    monday_mail_agreed       boolean NOT NULL DEFAULT true,
    monday_mail_deadline     time NOT NULL DEFAULT '12:00', -- Monday, local time
    monday_mail_notify_email text NOT NULL DEFAULT '',      -- where "the mail is ready" goes
    management_every_months  integer NOT NULL DEFAULT 6 CHECK (management_every_months BETWEEN 1 AND 24),
    data_protection          text NOT NULL DEFAULT '',
    team_contact_user_id     uuid REFERENCES users (id),
    facility_contact_user_id uuid REFERENCES users (id),
    valid_from               date NOT NULL,
    valid_to                 date NOT NULL,
    local_additions          text NOT NULL DEFAULT '',
    created_by               uuid REFERENCES users (id),
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    terminated_at            timestamptz,
    CHECK (presence_start < presence_end),
    CHECK (valid_from <= valid_to)
);
CREATE INDEX agreements_team_idx ON agreements (team_id);
CREATE INDEX agreements_facility_idx ON agreements (facility_id);

CREATE TABLE agreement_signatures (
    agreement_id uuid NOT NULL REFERENCES agreements (id),
    side         text NOT NULL CHECK (side IN ('team', 'facility')),
    team_id      uuid NOT NULL,
    facility_id  uuid NOT NULL,
    user_id      uuid NOT NULL REFERENCES users (id),
    signer_name  text NOT NULL,
    signer_role  text NOT NULL,
    signed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agreement_id, side)
);

-- ---- the calendar: visits and meetings as concrete dated rows ----

CREATE TABLE visits (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id       uuid NOT NULL REFERENCES organizations (id),
    facility_id   uuid NOT NULL REFERENCES organizations (id),
    agreement_id  uuid REFERENCES agreements (id),
    -- fixed: an occurrence of the agreement's fixed presence; extra: an extra visit in an
    -- intensive period; home/phone/video: other contacts
    kind          text NOT NULL CHECK (kind IN ('fixed', 'extra', 'home', 'phone', 'video')),
    -- for generated occurrences: the date the series put it on (stable identity)
    series_date   date,
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL,
    status        text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'held', 'cancelled')),
    -- moved or cancelled by hand: regeneration leaves it alone
    touched       boolean NOT NULL DEFAULT false,
    note          text NOT NULL DEFAULT '',  -- practical, never personal data
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (starts_at < ends_at),
    UNIQUE (agreement_id, series_date)
);
CREATE INDEX visits_team_time_idx ON visits (team_id, starts_at);
CREATE INDEX visits_facility_time_idx ON visits (facility_id, starts_at);

-- Residents on a visit's agenda (from the Monday mail or added by hand).
CREATE TABLE visit_agenda (
    visit_id    uuid NOT NULL REFERENCES visits (id),
    resident_id uuid NOT NULL REFERENCES residents (id),
    team_id     uuid NOT NULL,
    facility_id uuid NOT NULL,
    source      text NOT NULL DEFAULT 'manual' CHECK (source IN ('monday_mail', 'manual')),
    added_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (visit_id, resident_id)
);

CREATE TABLE meetings (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    team_id       uuid NOT NULL REFERENCES organizations (id),
    facility_id   uuid NOT NULL REFERENCES organizations (id),
    agreement_id  uuid REFERENCES agreements (id),
    resident_id   uuid REFERENCES residents (id),     -- network meetings only
    kind          text NOT NULL CHECK (kind IN ('management', 'network', 'theme', 'teaching', 'other')),
    title         text NOT NULL DEFAULT '',
    series_date   date,                               -- generated management meetings
    starts_at     timestamptz NOT NULL,
    ends_at       timestamptz NOT NULL,
    location      text NOT NULL DEFAULT '',
    status        text NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'held', 'cancelled')),
    touched       boolean NOT NULL DEFAULT false,
    minutes       text NOT NULL DEFAULT '',
    decisions     text NOT NULL DEFAULT '',
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (starts_at < ends_at),
    CHECK ((kind = 'network') = (resident_id IS NOT NULL)),
    UNIQUE (agreement_id, kind, series_date)
);
CREATE INDEX meetings_team_time_idx ON meetings (team_id, starts_at);
CREATE INDEX meetings_facility_time_idx ON meetings (facility_id, starts_at);

-- ---- the resident's F-ACT state ----

ALTER TABLE residents
    ADD COLUMN intensity text NOT NULL DEFAULT 'standard' CHECK (intensity IN ('standard', 'intensive')),
    ADD COLUMN safety_risk boolean NOT NULL DEFAULT false,
    ADD COLUMN safety_note text NOT NULL DEFAULT '',
    ADD COLUMN safety_assessed_by uuid REFERENCES users (id),
    ADD COLUMN safety_assessed_at timestamptz,
    ADD COLUMN discharged_at date;

-- Who turned the intensity up or down, when and why.
CREATE TABLE intensity_changes (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    resident_id uuid NOT NULL REFERENCES residents (id),
    team_id     uuid NOT NULL,
    facility_id uuid NOT NULL,
    from_level  text NOT NULL,
    to_level    text NOT NULL CHECK (to_level IN ('standard', 'intensive')),
    reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    changed_by  uuid NOT NULL REFERENCES users (id),
    changed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX intensity_changes_resident_idx ON intensity_changes (resident_id, changed_at DESC);

-- ---- consent (samtykke): append-only; the current state is the latest row per kind ----

CREATE TABLE consents (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    resident_id uuid NOT NULL REFERENCES residents (id),
    team_id     uuid NOT NULL,
    facility_id uuid NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('share_summary_with_facility', 'relatives_may_attend',
                                              'partners_may_attend')),
    granted     boolean NOT NULL,
    scope_note  text NOT NULL DEFAULT '' CHECK (length(scope_note) <= 2000),
    -- partners named in the consent (substance-abuse treatment, job centre, ...)
    partners    text[] NOT NULL DEFAULT '{}',
    valid_until date,
    recorded_by uuid NOT NULL REFERENCES users (id),
    recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX consents_current_idx ON consents (resident_id, kind, recorded_at DESC);

-- Whether a consent of kind is in force for the resident now. SECURITY DEFINER so that
-- policies of other tables can ask without the caller's own consent visibility.
CREATE FUNCTION consent_in_force(p_resident uuid, p_kind text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT coalesce((SELECT c.granted AND (c.valid_until IS NULL OR c.valid_until >= current_date)
                           FROM consents c
                          WHERE c.resident_id = p_resident AND c.kind = p_kind
                          ORDER BY c.recorded_at DESC, c.id DESC LIMIT 1), false)
    $$;
REVOKE ALL ON FUNCTION consent_in_force(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION consent_in_force(uuid, text) TO samspil_app;

-- ---- row-level security ----

ALTER TABLE agreements ENABLE ROW LEVEL SECURITY;
ALTER TABLE agreements FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE ON agreements TO samspil_app;
CREATE POLICY agreements_read ON agreements FOR SELECT TO samspil_app
    USING ((SELECT app_sees(team_id, facility_id)));
-- only managers write, and only for agreements their organisation is party to
CREATE POLICY agreements_write ON agreements FOR INSERT TO samspil_app
    WITH CHECK ((SELECT app_role()) IN ('region_manager', 'facility_manager')
                AND (SELECT app_sees(team_id, facility_id)));
CREATE POLICY agreements_update ON agreements FOR UPDATE TO samspil_app
    USING ((SELECT app_role()) IN ('region_manager', 'facility_manager')
           AND (SELECT app_sees(team_id, facility_id)))
    WITH CHECK ((SELECT app_sees(team_id, facility_id)));
CREATE POLICY agreements_owner ON agreements TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE agreement_signatures ENABLE ROW LEVEL SECURITY;
ALTER TABLE agreement_signatures FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON agreement_signatures TO samspil_app;
CREATE POLICY signatures_read ON agreement_signatures FOR SELECT TO samspil_app
    USING ((SELECT app_sees(team_id, facility_id)));
-- a manager signs for their own side only
CREATE POLICY signatures_sign ON agreement_signatures FOR INSERT TO samspil_app
    WITH CHECK (user_id = (SELECT app_user_id()) AND (
        (side = 'team' AND (SELECT app_role()) = 'region_manager' AND team_id = (SELECT app_org_id()))
     OR (side = 'facility' AND (SELECT app_role()) = 'facility_manager'
         AND facility_id = (SELECT app_org_id()))));
CREATE POLICY signatures_owner ON agreement_signatures TO CURRENT_USER USING (true) WITH CHECK (true);

DO $$
DECLARE
    t text;
BEGIN
    -- tables both organisations of a pair read and write
    FOREACH t IN ARRAY ARRAY['visits', 'visit_agenda', 'meetings', 'intensity_changes'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I FOR ALL TO samspil_app '
                       'USING ((SELECT app_sees(team_id, facility_id))) '
                       'WITH CHECK ((SELECT app_sees(team_id, facility_id)))', t || '_pair', t);
        EXECUTE format('CREATE POLICY %I ON %I TO CURRENT_USER USING (true) WITH CHECK (true)',
                       t || '_owner', t);
    END LOOP;
END
$$;
GRANT SELECT, INSERT, UPDATE ON visits, meetings TO samspil_app;
GRANT SELECT, INSERT, DELETE ON visit_agenda TO samspil_app;
GRANT SELECT, INSERT ON intensity_changes TO samspil_app;

ALTER TABLE consents ENABLE ROW LEVEL SECURITY;
ALTER TABLE consents FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON consents TO samspil_app;  -- append-only: no UPDATE or DELETE
CREATE POLICY consents_pair ON consents FOR ALL TO samspil_app
    USING ((SELECT app_sees(team_id, facility_id)))
    WITH CHECK ((SELECT app_sees(team_id, facility_id)) AND recorded_by = (SELECT app_user_id()));
CREATE POLICY consents_owner ON consents TO CURRENT_USER USING (true) WITH CHECK (true);

-- Child rows copy team_id and facility_id from their resident; a trigger keeps them honest
-- so a policy on the child can never disagree with the resident's.
CREATE FUNCTION copy_resident_scope() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        SELECT team_id, facility_id INTO NEW.team_id, NEW.facility_id
          FROM residents WHERE id = NEW.resident_id;
        IF NEW.team_id IS NULL THEN
            RAISE EXCEPTION 'no such resident' USING ERRCODE = 'SA404', HINT = 'resident_id',
                DETAIL = 'not-found';
        END IF;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER consents_scope BEFORE INSERT ON consents
    FOR EACH ROW EXECUTE FUNCTION copy_resident_scope();
CREATE TRIGGER intensity_changes_scope BEFORE INSERT ON intensity_changes
    FOR EACH ROW EXECUTE FUNCTION copy_resident_scope();
CREATE TRIGGER visit_agenda_scope BEFORE INSERT ON visit_agenda
    FOR EACH ROW EXECUTE FUNCTION copy_resident_scope();
