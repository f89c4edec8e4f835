-- Monday mail (mandagsmail) and admissions.
--
-- Monday mail: facility staff write one status entry per resident per ISO week
-- (monday_entries); sending the week's mail (monday_mails) makes the entries
-- visible to the team. Until then only the facility sees them.
-- Admissions: admissions of residents (voluntary or forced) and the facility's
-- visits to an admitted resident. Readmission is derived (admission_facts), never typed.
-- Both also offer functions for the caseload: resident_talk_requested() and
-- resident_admitted_now().

-- ---- ISO weeks ('2026-W48') ----

CREATE FUNCTION iso_week_valid(p_week text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT p_week ~ '^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$'
           AND (substr(p_week, 7, 2) <> '53'
                OR extract(week FROM make_date(substr(p_week, 1, 4)::int, 12, 28)) = 53)
    $$;

-- The Monday of an ISO week (the week of 4 January is week 1).
CREATE FUNCTION iso_week_monday(p_week text) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
        SELECT make_date(substr(p_week, 1, 4)::int, 1, 4)
               - (extract(isodow FROM make_date(substr(p_week, 1, 4)::int, 1, 4))::int - 1)
               + (substr(p_week, 7, 2)::int - 1) * 7
    $$;

CREATE FUNCTION iso_week_of(p_day date) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT to_char(p_day, 'IYYY-"W"IW') $$;

-- ---- Monday mail ----

CREATE TABLE monday_mails (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    facility_id   uuid NOT NULL REFERENCES organizations (id),
    team_id       uuid NOT NULL REFERENCES organizations (id),
    iso_week      text NOT NULL CHECK (iso_week_valid(iso_week)),
    sent_at       timestamptz,           -- NULL: not sent (a failed notification leaves it so)
    sent_by       uuid REFERENCES users (id),
    talk_count    integer,               -- residents asking for a talk when it was sent
    visit_id      uuid REFERENCES visits (id), -- the fixed visit the flagged residents went to
    -- the "mail is ready" notification: sent, failed, skipped (no address), not_configured
    notify_status text CHECK (notify_status IN ('sent', 'failed', 'skipped', 'not_configured')),
    notify_error  text CHECK (length(notify_error) <= 500),
    notified_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (facility_id, iso_week),
    CHECK ((sent_at IS NULL) = (sent_by IS NULL))
);
CREATE INDEX monday_mails_team_idx ON monday_mails (team_id, iso_week DESC);

-- When the team first opened a sent mail ("new" until then).
CREATE TABLE monday_mail_opens (
    mail_id     uuid PRIMARY KEY REFERENCES monday_mails (id),
    team_id     uuid NOT NULL,
    facility_id uuid NOT NULL,
    opened_by   uuid NOT NULL REFERENCES users (id),
    opened_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE monday_entries (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    resident_id uuid NOT NULL REFERENCES residents (id),
    team_id     uuid NOT NULL,
    facility_id uuid NOT NULL,
    iso_week    text NOT NULL CHECK (iso_week_valid(iso_week)),
    needs_talk  boolean NOT NULL DEFAULT false,
    priority    text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high')),
    status_text text NOT NULL DEFAULT '' CHECK (length(status_text) <= 2000),
    author_id   uuid NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    version     integer NOT NULL DEFAULT 1,
    UNIQUE (resident_id, iso_week)
);
CREATE INDEX monday_entries_week_idx ON monday_entries (facility_id, iso_week);

CREATE TRIGGER monday_entries_scope BEFORE INSERT OR UPDATE OF resident_id ON monday_entries
    FOR EACH ROW EXECUTE FUNCTION copy_resident_scope();

-- A sent mail is what the team read: its entries no longer change.
CREATE FUNCTION monday_entries_frozen() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM monday_mails m
                    WHERE m.facility_id = NEW.facility_id AND m.iso_week = NEW.iso_week
                      AND m.sent_at IS NOT NULL) THEN
            RAISE EXCEPTION 'The Monday mail of % has been sent; its entries can no longer change.',
                NEW.iso_week USING ERRCODE = 'SA409', DETAIL = 'monday-mail-already-sent';
        END IF;
        RETURN NEW;
    END
    $$;
-- named so it fires after monday_entries_scope (triggers fire in name order)
CREATE TRIGGER monday_entries_zfrozen BEFORE INSERT OR UPDATE ON monday_entries
    FOR EACH ROW EXECUTE FUNCTION monday_entries_frozen();

ALTER TABLE monday_mails ENABLE ROW LEVEL SECURITY;
ALTER TABLE monday_mails FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE ON monday_mails TO samspil_app;
-- the facility writes and reads its mails; the team reads them once sent
CREATE POLICY monday_mails_facility ON monday_mails FOR ALL TO samspil_app
    USING ((SELECT app_is_facility()) AND facility_id = (SELECT app_org_id()))
    WITH CHECK ((SELECT app_is_facility()) AND facility_id = (SELECT app_org_id()));
CREATE POLICY monday_mails_team ON monday_mails FOR SELECT TO samspil_app
    USING ((SELECT app_is_region()) AND team_id = (SELECT app_org_id()) AND sent_at IS NOT NULL);
CREATE POLICY monday_mails_owner ON monday_mails TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE monday_mail_opens ENABLE ROW LEVEL SECURITY;
ALTER TABLE monday_mail_opens FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON monday_mail_opens TO samspil_app;
CREATE POLICY monday_mail_opens_read ON monday_mail_opens FOR SELECT TO samspil_app
    USING ((SELECT app_sees(team_id, facility_id)));
CREATE POLICY monday_mail_opens_team ON monday_mail_opens FOR INSERT TO samspil_app
    WITH CHECK ((SELECT app_is_region()) AND team_id = (SELECT app_org_id())
                AND opened_by = (SELECT app_user_id()));
CREATE POLICY monday_mail_opens_owner ON monday_mail_opens TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE monday_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE monday_entries FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE ON monday_entries TO samspil_app;
CREATE POLICY monday_entries_facility ON monday_entries FOR ALL TO samspil_app
    USING ((SELECT app_is_facility()) AND facility_id = (SELECT app_org_id()))
    WITH CHECK ((SELECT app_is_facility()) AND facility_id = (SELECT app_org_id())
                AND author_id = (SELECT app_user_id()));
-- the team reads a week's entries only once the facility has sent that week's mail
CREATE POLICY monday_entries_team ON monday_entries FOR SELECT TO samspil_app
    USING ((SELECT app_is_region()) AND team_id = (SELECT app_org_id())
           AND EXISTS (SELECT 1 FROM monday_mails m
                        WHERE m.facility_id = monday_entries.facility_id
                          AND m.iso_week = monday_entries.iso_week
                          AND m.sent_at IS NOT NULL));
CREATE POLICY monday_entries_owner ON monday_entries TO CURRENT_USER USING (true) WITH CHECK (true);

-- ---- admissions (indlæggelser) ----

CREATE TABLE admissions (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    resident_id   uuid NOT NULL REFERENCES residents (id),
    team_id       uuid NOT NULL,
    facility_id   uuid NOT NULL,
    admitted_at   timestamptz NOT NULL,
    discharged_at timestamptz,
    ward          text NOT NULL DEFAULT '' CHECK (length(ward) <= 200),
    forced        boolean NOT NULL DEFAULT false,
    recorded_by   uuid NOT NULL REFERENCES users (id),
    discharged_by uuid REFERENCES users (id),
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (discharged_at IS NULL OR discharged_at >= admitted_at)
);
CREATE INDEX admissions_resident_idx ON admissions (resident_id, admitted_at DESC);
CREATE INDEX admissions_facility_idx ON admissions (facility_id, admitted_at);
CREATE INDEX admissions_team_idx ON admissions (team_id, admitted_at);
-- one open admission per resident at a time
CREATE UNIQUE INDEX admissions_one_open_idx ON admissions (resident_id) WHERE discharged_at IS NULL;

CREATE TRIGGER admissions_scope BEFORE INSERT ON admissions
    FOR EACH ROW EXECUTE FUNCTION copy_resident_scope();

CREATE TABLE admission_visits (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    admission_id uuid NOT NULL REFERENCES admissions (id),
    resident_id  uuid NOT NULL REFERENCES residents (id),
    team_id      uuid NOT NULL,
    facility_id  uuid NOT NULL,
    visited_at   timestamptz NOT NULL,
    visited_by   uuid NOT NULL REFERENCES users (id),
    note         text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX admission_visits_admission_idx ON admission_visits (admission_id, visited_at);
CREATE TRIGGER admission_visits_scope BEFORE INSERT ON admission_visits
    FOR EACH ROW EXECUTE FUNCTION copy_resident_scope();

ALTER TABLE admissions ENABLE ROW LEVEL SECURITY;
ALTER TABLE admissions FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT, UPDATE ON admissions TO samspil_app;
CREATE POLICY admissions_pair ON admissions FOR ALL TO samspil_app
    USING ((SELECT app_sees(team_id, facility_id)))
    WITH CHECK ((SELECT app_sees(team_id, facility_id)));
CREATE POLICY admissions_owner ON admissions TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE admission_visits ENABLE ROW LEVEL SECURITY;
ALTER TABLE admission_visits FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON admission_visits TO samspil_app;
CREATE POLICY admission_visits_read ON admission_visits FOR SELECT TO samspil_app
    USING ((SELECT app_sees(team_id, facility_id)));
-- the facility logs its own visits
CREATE POLICY admission_visits_facility ON admission_visits FOR INSERT TO samspil_app
    WITH CHECK ((SELECT app_is_facility()) AND facility_id = (SELECT app_org_id())
                AND visited_by = (SELECT app_user_id()));
CREATE POLICY admission_visits_owner ON admission_visits TO CURRENT_USER USING (true) WITH CHECK (true);

-- Admissions with what is derived from the others: the previous discharge, whether this is
-- a readmission (admitted within 30 days of a discharge) and bed days so far. Under the
-- caller's row-level security.
CREATE VIEW admission_facts WITH (security_invoker = true) AS
SELECT a.*,
       prev.discharged_at AS previous_discharged_at,
       coalesce(prev.discharged_at >= a.admitted_at - interval '30 days', false) AS readmission,
       (coalesce(a.discharged_at, now())::date - a.admitted_at::date) AS bed_days
  FROM admissions a
  LEFT JOIN LATERAL (SELECT max(p.discharged_at) AS discharged_at
                       FROM admissions p
                      WHERE p.resident_id = a.resident_id AND p.id <> a.id
                        AND p.discharged_at <= a.admitted_at) prev ON true;
GRANT SELECT ON admission_facts TO samspil_app;

-- ---- for the caseload ----

-- Whether the resident's entry for the ISO week asks for a talk (as the caller may see it:
-- the team only once the week's mail is sent).
CREATE FUNCTION resident_talk_requested(resident uuid, week text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY INVOKER
    AS $$
        SELECT coalesce((SELECT e.needs_talk FROM monday_entries e
                          WHERE e.resident_id = resident AND e.iso_week = week), false)
    $$;

-- Whether the resident is admitted right now.
CREATE FUNCTION resident_admitted_now(resident uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY INVOKER
    AS $$
        SELECT EXISTS (SELECT 1 FROM admissions a
                        WHERE a.resident_id = resident AND a.admitted_at <= now()
                          AND (a.discharged_at IS NULL OR a.discharged_at > now()))
    $$;
GRANT EXECUTE ON FUNCTION resident_talk_requested(uuid, text), resident_admitted_now(uuid)
    TO samspil_app;
