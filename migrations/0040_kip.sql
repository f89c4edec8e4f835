-- KIP (koordinerende indsatsplan): the coordinated action plan per resident, owned jointly by
-- the team and the facility. Every save is a new row (version n+1); nothing is ever updated
-- or deleted, so every version is kept. KIP reviews record the outcome measures the outcome
-- report shows (treatment contact, housing, work or activity, social network).
-- The structure of goals and participants (jsonb) is validated by server/kip.c.

CREATE TABLE kip_versions (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    resident_id         uuid NOT NULL REFERENCES residents (id),
    team_id             uuid NOT NULL,   -- copied from the resident (copy_resident_scope)
    facility_id         uuid NOT NULL,
    version             integer NOT NULL CHECK (version >= 1),
    -- who coordinates: which of the two organisations, and optionally which person
    coordinator_org_id  uuid NOT NULL REFERENCES organizations (id),
    coordinator_user_id uuid REFERENCES users (id),
    status              text NOT NULL CHECK (status IN ('draft', 'active', 'closed')),
    resident_goal       text NOT NULL DEFAULT '' CHECK (length(resident_goal) <= 4000),
    -- [{title, status, sub_goals: [{title, status, actions}], actions: [{action,
    --   responsible, due_date, status}]}]
    goals               jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(goals) = 'array'),
    -- {necessary: [{role, name, organisation, user_id}], as_needed: [...]}
    participants        jsonb NOT NULL DEFAULT '{"necessary": [], "as_needed": []}'
                            CHECK (jsonb_typeof(participants) = 'object'),
    next_review         date,
    created_by          uuid NOT NULL REFERENCES users (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (resident_id, version),
    -- the coordinator is one of the two partners of the resident
    CHECK (coordinator_org_id IN (team_id, facility_id))
);

CREATE TABLE kip_reviews (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    resident_id          uuid NOT NULL REFERENCES residents (id),
    team_id              uuid NOT NULL,
    facility_id          uuid NOT NULL,
    reviewed_at          date NOT NULL,
    in_treatment_contact boolean NOT NULL,
    stable_housing       boolean NOT NULL,
    work_or_activity     boolean NOT NULL,
    social_network       boolean NOT NULL,
    note                 text NOT NULL DEFAULT '' CHECK (length(note) <= 4000),
    recorded_by          uuid NOT NULL REFERENCES users (id),
    recorded_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kip_reviews_resident_idx ON kip_reviews (resident_id, reviewed_at DESC);
CREATE INDEX kip_reviews_team_idx ON kip_reviews (team_id, reviewed_at);
CREATE INDEX kip_reviews_facility_idx ON kip_reviews (facility_id, reviewed_at);

CREATE TRIGGER kip_versions_scope BEFORE INSERT ON kip_versions
    FOR EACH ROW EXECUTE FUNCTION copy_resident_scope();
CREATE TRIGGER kip_reviews_scope BEFORE INSERT ON kip_reviews
    FOR EACH ROW EXECUTE FUNCTION copy_resident_scope();

-- The coordinator person must belong to the coordinating organisation. Runs after the scope
-- trigger (trigger names sort), as the owner so it can read any account.
CREATE FUNCTION kip_coordinator_check() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        IF NEW.coordinator_org_id IS DISTINCT FROM NEW.team_id
           AND NEW.coordinator_org_id IS DISTINCT FROM NEW.facility_id THEN
            RAISE EXCEPTION 'the coordinator must be the resident''s team or facility'
                USING ERRCODE = 'SA422', HINT = 'coordinator_org_id',
                      DETAIL = 'coordinator-not-a-partner';
        END IF;
        IF NEW.coordinator_user_id IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM users u WHERE u.id = NEW.coordinator_user_id
                  AND u.org_id = NEW.coordinator_org_id AND u.active) THEN
            RAISE EXCEPTION 'the coordinator must be an active member of the coordinating organisation'
                USING ERRCODE = 'SA422', HINT = 'coordinator_user_id',
                      DETAIL = 'coordinator-not-in-organisation';
        END IF;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER kip_versions_ttcoordinator BEFORE INSERT ON kip_versions
    FOR EACH ROW EXECUTE FUNCTION kip_coordinator_check();

-- Append-only for the application: SELECT and INSERT, never UPDATE or DELETE.
ALTER TABLE kip_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE kip_versions FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON kip_versions TO samspil_app;
CREATE POLICY kip_versions_read ON kip_versions FOR SELECT TO samspil_app
    USING ((SELECT app_sees(team_id, facility_id)));
-- either organisation of the pair may add a version, in its own name
CREATE POLICY kip_versions_add ON kip_versions FOR INSERT TO samspil_app
    WITH CHECK ((SELECT app_sees(team_id, facility_id)) AND created_by = (SELECT app_user_id()));
CREATE POLICY kip_versions_owner ON kip_versions TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE kip_reviews ENABLE ROW LEVEL SECURITY;
ALTER TABLE kip_reviews FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON kip_reviews TO samspil_app;
CREATE POLICY kip_reviews_read ON kip_reviews FOR SELECT TO samspil_app
    USING ((SELECT app_sees(team_id, facility_id)));
CREATE POLICY kip_reviews_add ON kip_reviews FOR INSERT TO samspil_app
    WITH CHECK ((SELECT app_sees(team_id, facility_id)) AND recorded_by = (SELECT app_user_id()));
CREATE POLICY kip_reviews_owner ON kip_reviews TO CURRENT_USER USING (true) WITH CHECK (true);
