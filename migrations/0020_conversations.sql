-- Conversations logged per resident (within a visit or on their own), their shared
-- summary and their clinical note, and the rules the seeds state for who may take part.
--
-- Visibility is decided here, by row-level security, so lists, counts and pages never
-- reveal a hidden row:
--   conversations           both organisations of the pair (when, kind, outcome, who took part)
--   conversation_summaries  region staff of the team; facility staff of the facility only
--                           while consent_in_force(resident, 'share_summary_with_facility')
--   conversation_notes      region staff of the team only (clinical)
--
-- Also: the residents' people must fit the resident (contact person at its facility,
-- responsible clinician in its team, facility served by the team).

CREATE TABLE conversations (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    visit_id               uuid REFERENCES visits (id),
    resident_id            uuid NOT NULL REFERENCES residents (id),
    team_id                uuid NOT NULL,
    facility_id            uuid NOT NULL,
    occurred_at            timestamptz NOT NULL,
    kind                   text NOT NULL
                               CHECK (kind IN ('fixed_visit', 'extra_visit', 'home', 'phone', 'video')),
    outcome                text NOT NULL
                               CHECK (outcome IN ('held', 'no_show', 'cancelled_by_resident',
                                                  'cancelled_by_staff')),
    -- who took part: team users, whether the contact person was there, other named facility
    -- staff who know the resident, relatives and partners (names, as the consent allows)
    clinician_ids          uuid[] NOT NULL DEFAULT '{}',
    contact_person_present boolean NOT NULL DEFAULT false,
    staff_present_ids      uuid[] NOT NULL DEFAULT '{}',
    relatives              text[] NOT NULL DEFAULT '{}' CHECK (cardinality(relatives) <= 20),
    partners               text[] NOT NULL DEFAULT '{}' CHECK (cardinality(partners) <= 20),
    created_by             uuid NOT NULL REFERENCES users (id),
    version                integer NOT NULL DEFAULT 1,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversations_resident_idx ON conversations (resident_id, occurred_at DESC, id DESC);
CREATE INDEX conversations_team_idx ON conversations (team_id, occurred_at);
CREATE INDEX conversations_facility_idx ON conversations (facility_id, occurred_at);
CREATE INDEX conversations_visit_idx ON conversations (visit_id) WHERE visit_id IS NOT NULL;

-- The shared summary: what may be told to the facility, with consent.
CREATE TABLE conversation_summaries (
    conversation_id uuid PRIMARY KEY REFERENCES conversations (id),
    resident_id     uuid NOT NULL REFERENCES residents (id),
    team_id         uuid NOT NULL,
    facility_id     uuid NOT NULL,
    body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    written_by      uuid NOT NULL REFERENCES users (id),
    written_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversation_summaries_resident_idx ON conversation_summaries (resident_id);

-- The clinical note: the team's own record, never shown to the facility.
CREATE TABLE conversation_notes (
    conversation_id uuid PRIMARY KEY REFERENCES conversations (id),
    resident_id     uuid NOT NULL REFERENCES residents (id),
    team_id         uuid NOT NULL,
    facility_id     uuid NOT NULL,
    body            text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    written_by      uuid NOT NULL REFERENCES users (id),
    written_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversation_notes_resident_idx ON conversation_notes (resident_id);

-- The partners a consent in force names (empty when it names none or none is in force).
CREATE FUNCTION consent_partners(p_resident uuid) RETURNS text[]
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT coalesce((SELECT c.partners FROM consents c
                          WHERE c.resident_id = p_resident AND c.kind = 'partners_may_attend'
                          ORDER BY c.recorded_at DESC, c.id DESC LIMIT 1), '{}')
    $$;
REVOKE ALL ON FUNCTION consent_partners(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION consent_partners(uuid) TO samspil_app;

-- The rules of who takes part (DOMAIN.md rules 2 and 3), enforced by the database so no
-- writer can get round them. SA422: HINT names the field, DETAIL the rule.
CREATE FUNCTION conversations_check_rules() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        r residents%ROWTYPE;
        named text[];
        p text;
    BEGIN
        SELECT * INTO r FROM residents WHERE id = NEW.resident_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no such resident' USING ERRCODE = 'SA404', HINT = 'resident_id',
                DETAIL = 'not-found';
        END IF;
        IF NEW.visit_id IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM visits v WHERE v.id = NEW.visit_id
                  AND v.team_id = r.team_id AND v.facility_id = r.facility_id) THEN
            RAISE EXCEPTION 'the visit is not one of the resident''s team and facility'
                USING ERRCODE = 'SA422', HINT = 'visit_id', DETAIL = 'visit-not-of-resident';
        END IF;
        IF EXISTS (SELECT 1 FROM unnest(NEW.clinician_ids) AS x(id)
                    WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = x.id
                                         AND u.org_id = r.team_id
                                         AND u.role IN ('region_clinician', 'region_manager'))) THEN
            RAISE EXCEPTION 'every clinician must belong to the resident''s team'
                USING ERRCODE = 'SA422', HINT = 'clinician_ids', DETAIL = 'clinician-not-of-team';
        END IF;
        IF EXISTS (SELECT 1 FROM unnest(NEW.staff_present_ids) AS x(id)
                    WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = x.id
                                         AND u.org_id = r.facility_id
                                         AND u.role IN ('facility_staff', 'facility_manager'))) THEN
            RAISE EXCEPTION 'every staff member present must work at the resident''s facility'
                USING ERRCODE = 'SA422', HINT = 'staff_present_ids', DETAIL = 'staff-not-of-facility';
        END IF;
        -- rule 2: with a safety risk, the contact person or another named staff member attends
        IF NEW.outcome = 'held' AND r.safety_risk AND NOT NEW.contact_person_present
           AND cardinality(NEW.staff_present_ids) = 0 THEN
            RAISE EXCEPTION 'a safety risk is assessed for this resident: a held conversation '
                            'needs the contact person or another named staff member present'
                USING ERRCODE = 'SA422', HINT = 'contact_person_present',
                      DETAIL = 'safety-risk-requires-staff';
        END IF;
        -- rule 3: relatives and partners only with a consent in force
        IF cardinality(NEW.relatives) > 0
           AND NOT consent_in_force(NEW.resident_id, 'relatives_may_attend') THEN
            RAISE EXCEPTION 'relatives may take part only with the resident''s consent in force'
                USING ERRCODE = 'SA422', HINT = 'relatives', DETAIL = 'relatives-require-consent';
        END IF;
        IF cardinality(NEW.partners) > 0 THEN
            IF NOT consent_in_force(NEW.resident_id, 'partners_may_attend') THEN
                RAISE EXCEPTION 'partners may take part only with the resident''s consent in force'
                    USING ERRCODE = 'SA422', HINT = 'partners', DETAIL = 'partners-require-consent';
            END IF;
            -- a consent that names partners covers those partners only
            named := consent_partners(NEW.resident_id);
            IF cardinality(named) > 0 THEN
                FOREACH p IN ARRAY NEW.partners LOOP
                    IF NOT EXISTS (SELECT 1 FROM unnest(named) n WHERE lower(btrim(n)) = lower(btrim(p))) THEN
                        RAISE EXCEPTION 'a partner is not named in the resident''s consent'
                            USING ERRCODE = 'SA422', HINT = 'partners',
                                  DETAIL = 'partners-require-consent';
                    END IF;
                END LOOP;
            END IF;
        END IF;
        RETURN NEW;
    END
    $$;

-- Triggers fire in name order: the scope is copied first, then the rules are checked.
CREATE TRIGGER conversations_1_scope BEFORE INSERT OR UPDATE OF resident_id ON conversations
    FOR EACH ROW EXECUTE FUNCTION copy_resident_scope();
CREATE TRIGGER conversations_2_rules BEFORE INSERT OR UPDATE ON conversations
    FOR EACH ROW EXECUTE FUNCTION conversations_check_rules();
CREATE TRIGGER conversation_summaries_scope BEFORE INSERT ON conversation_summaries
    FOR EACH ROW EXECUTE FUNCTION copy_resident_scope();
CREATE TRIGGER conversation_notes_scope BEFORE INSERT ON conversation_notes
    FOR EACH ROW EXECUTE FUNCTION copy_resident_scope();

-- A summary or note belongs to the conversation's resident.
CREATE FUNCTION conversation_child_fits() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = NEW.conversation_id
                          AND c.resident_id = NEW.resident_id) THEN
            RAISE EXCEPTION 'the conversation is not the resident''s'
                USING ERRCODE = 'SA422', HINT = 'conversation_id', DETAIL = 'invalid-reference';
        END IF;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER conversation_summaries_fits BEFORE INSERT OR UPDATE ON conversation_summaries
    FOR EACH ROW EXECUTE FUNCTION conversation_child_fits();
CREATE TRIGGER conversation_notes_fits BEFORE INSERT OR UPDATE ON conversation_notes
    FOR EACH ROW EXECUTE FUNCTION conversation_child_fits();

-- ---- row-level security ----

ALTER TABLE conversations ENABLE ROW LEVEL SECURITY;
ALTER TABLE conversations FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON conversations TO samspil_app;
CREATE POLICY conversations_read ON conversations FOR SELECT TO samspil_app
    USING ((SELECT app_sees(team_id, facility_id)));
-- logged by the team's clinicians, in their own name
CREATE POLICY conversations_log ON conversations FOR INSERT TO samspil_app
    WITH CHECK ((SELECT app_role()) = 'region_clinician' AND team_id = (SELECT app_org_id())
                AND created_by = (SELECT app_user_id()));
CREATE POLICY conversations_owner ON conversations TO CURRENT_USER USING (true) WITH CHECK (true);

ALTER TABLE conversation_summaries ENABLE ROW LEVEL SECURITY;
ALTER TABLE conversation_summaries FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON conversation_summaries TO samspil_app;
CREATE POLICY conversation_summaries_region ON conversation_summaries FOR SELECT TO samspil_app
    USING ((SELECT app_is_region()) AND team_id = (SELECT app_org_id()));
-- the facility reads a summary only while the resident's consent to share it is in force:
-- a withdrawal hides every summary at once, in lists and counts alike
CREATE POLICY conversation_summaries_facility ON conversation_summaries FOR SELECT TO samspil_app
    USING ((SELECT app_is_facility()) AND facility_id = (SELECT app_org_id())
           AND consent_in_force(resident_id, 'share_summary_with_facility'));
CREATE POLICY conversation_summaries_write ON conversation_summaries FOR INSERT TO samspil_app
    WITH CHECK ((SELECT app_role()) = 'region_clinician' AND team_id = (SELECT app_org_id())
                AND written_by = (SELECT app_user_id()));
CREATE POLICY conversation_summaries_owner ON conversation_summaries TO CURRENT_USER
    USING (true) WITH CHECK (true);

ALTER TABLE conversation_notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE conversation_notes FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON conversation_notes TO samspil_app;
CREATE POLICY conversation_notes_region ON conversation_notes FOR SELECT TO samspil_app
    USING ((SELECT app_is_region()) AND team_id = (SELECT app_org_id()));
CREATE POLICY conversation_notes_write ON conversation_notes FOR INSERT TO samspil_app
    WITH CHECK ((SELECT app_role()) = 'region_clinician' AND team_id = (SELECT app_org_id())
                AND written_by = (SELECT app_user_id()));
CREATE POLICY conversation_notes_owner ON conversation_notes TO CURRENT_USER
    USING (true) WITH CHECK (true);

-- ---- the resident's people fit the resident ----

CREATE FUNCTION residents_people_fit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        IF NEW.contact_person_id IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM users u WHERE u.id = NEW.contact_person_id
                  AND u.org_id = NEW.facility_id
                  AND u.role IN ('facility_staff', 'facility_manager')) THEN
            RAISE EXCEPTION 'the contact person must be a user of the resident''s facility'
                USING ERRCODE = 'SA422', HINT = 'contact_person_id',
                      DETAIL = 'contact-person-not-of-facility';
        END IF;
        IF NEW.responsible_clinician_id IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM users u WHERE u.id = NEW.responsible_clinician_id
                  AND u.org_id = NEW.team_id
                  AND u.role IN ('region_clinician', 'region_manager')) THEN
            RAISE EXCEPTION 'the responsible clinician must be a user of the resident''s team'
                USING ERRCODE = 'SA422', HINT = 'responsible_clinician_id',
                      DETAIL = 'clinician-not-of-team';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM organizations f WHERE f.id = NEW.facility_id
                          AND f.kind = 'facility' AND f.serving_team_id = NEW.team_id) THEN
            RAISE EXCEPTION 'the facility is not served by the team'
                USING ERRCODE = 'SA422', HINT = 'facility_id', DETAIL = 'facility-not-of-team';
        END IF;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER residents_people_fit BEFORE INSERT OR UPDATE OF contact_person_id,
    responsible_clinician_id, team_id, facility_id ON residents
    FOR EACH ROW EXECUTE FUNCTION residents_people_fit();
