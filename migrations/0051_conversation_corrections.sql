-- Corrections of a logged conversation, by the clinician who logged it.
--
-- A record is corrected, never rewritten: before a conversation changes, a trigger copies
-- what it was (its facts, and its summary and note as they stood) into revision tables,
-- with who corrected it, when and why. A summary or note can change only within such a
-- correction (a trigger checks the conversation was corrected in the same transaction).
-- The app role can only read the revision tables (no INSERT, UPDATE or DELETE grant), so
-- the history is append-only by construction.
--
-- Who reads what of the history:
--   conversation_revisions       both organisations of the pair (as conversations)
--   conversation_revision_texts  the team only: the earlier summary and note. A summary
--                                withdrawn from the facility (shared by mistake) must not
--                                stay readable there, and notes are the team's alone.

ALTER TABLE conversations
    ADD COLUMN corrected_at      timestamptz,
    ADD COLUMN corrected_by      uuid REFERENCES users (id),
    ADD COLUMN correction_reason text CHECK (length(correction_reason) BETWEEN 1 AND 500),
    ADD CHECK ((corrected_at IS NULL) = (corrected_by IS NULL)
               AND (corrected_at IS NULL) = (correction_reason IS NULL));

CREATE TABLE conversation_revisions (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id        uuid NOT NULL REFERENCES conversations (id),
    resident_id            uuid NOT NULL,
    team_id                uuid NOT NULL,
    facility_id            uuid NOT NULL,
    version                integer NOT NULL,   -- the version this state was
    occurred_at            timestamptz NOT NULL,
    kind                   text NOT NULL,
    outcome                text NOT NULL,
    clinician_ids          uuid[] NOT NULL,
    contact_person_present boolean NOT NULL,
    staff_present_ids      uuid[] NOT NULL,
    relatives              text[] NOT NULL,
    partners               text[] NOT NULL,
    replaced_at            timestamptz NOT NULL,
    replaced_by            uuid NOT NULL REFERENCES users (id),
    reason                 text NOT NULL,
    UNIQUE (conversation_id, version)
);

CREATE TABLE conversation_revision_texts (
    conversation_id uuid NOT NULL REFERENCES conversations (id),
    version         integer NOT NULL,
    resident_id     uuid NOT NULL,
    team_id         uuid NOT NULL,
    facility_id     uuid NOT NULL,
    summary         text,      -- NULL: there was none
    clinical_note   text,
    PRIMARY KEY (conversation_id, version)
);

-- The conversation as it was, before a correction.
CREATE FUNCTION conversations_keep_revision() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        IF NEW.corrected_at IS NULL OR NEW.correction_reason IS NULL
           OR NEW.version <> OLD.version + 1 THEN
            RAISE EXCEPTION 'a correction names who, when and why, and takes the next version'
                USING ERRCODE = 'SA422', HINT = 'reason', DETAIL = 'correction-reason-required';
        END IF;
        INSERT INTO conversation_revisions (conversation_id, resident_id, team_id, facility_id,
            version, occurred_at, kind, outcome, clinician_ids, contact_person_present,
            staff_present_ids, relatives, partners, replaced_at, replaced_by, reason)
        VALUES (OLD.id, OLD.resident_id, OLD.team_id, OLD.facility_id, OLD.version,
            OLD.occurred_at, OLD.kind, OLD.outcome, OLD.clinician_ids,
            OLD.contact_person_present, OLD.staff_present_ids, OLD.relatives, OLD.partners,
            NEW.corrected_at, NEW.corrected_by, NEW.correction_reason);
        INSERT INTO conversation_revision_texts (conversation_id, version, resident_id, team_id,
            facility_id, summary, clinical_note)
        VALUES (OLD.id, OLD.version, OLD.resident_id, OLD.team_id, OLD.facility_id,
            (SELECT s.body FROM conversation_summaries s WHERE s.conversation_id = OLD.id),
            (SELECT n.body FROM conversation_notes n WHERE n.conversation_id = OLD.id));
        RETURN NEW;
    END
    $$;
CREATE TRIGGER conversations_3_revision BEFORE UPDATE ON conversations
    FOR EACH ROW EXECUTE FUNCTION conversations_keep_revision();

-- A summary or note changes or goes only as part of a correction made in this transaction
-- (after the revision above kept what it was).
CREATE FUNCTION conversation_text_in_correction() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = OLD.conversation_id
                          AND c.corrected_at = now()) THEN
            RAISE EXCEPTION 'a summary or note is changed only by correcting the conversation'
                USING ERRCODE = 'SA409', DETAIL = 'correction-required';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER conversation_summaries_in_correction BEFORE UPDATE OR DELETE
    ON conversation_summaries FOR EACH ROW EXECUTE FUNCTION conversation_text_in_correction();
CREATE TRIGGER conversation_notes_in_correction BEFORE UPDATE OR DELETE
    ON conversation_notes FOR EACH ROW EXECUTE FUNCTION conversation_text_in_correction();

-- On a correction, a rule is checked again only where its inputs changed: a relative who
-- took part under a consent since withdrawn stays in the record, but nobody can be added
-- without a consent in force now.
CREATE OR REPLACE FUNCTION conversations_check_rules() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        r residents%ROWTYPE;
        named text[];
        p text;
        ins boolean := TG_OP = 'INSERT';
    BEGIN
        SELECT * INTO r FROM residents WHERE id = NEW.resident_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no such resident' USING ERRCODE = 'SA404', HINT = 'resident_id',
                DETAIL = 'not-found';
        END IF;
        IF NEW.visit_id IS NOT NULL AND (ins OR NEW.visit_id IS DISTINCT FROM OLD.visit_id)
           AND NOT EXISTS (
               SELECT 1 FROM visits v WHERE v.id = NEW.visit_id
                  AND v.team_id = r.team_id AND v.facility_id = r.facility_id) THEN
            RAISE EXCEPTION 'the visit is not one of the resident''s team and facility'
                USING ERRCODE = 'SA422', HINT = 'visit_id', DETAIL = 'visit-not-of-resident';
        END IF;
        IF (ins OR NEW.clinician_ids IS DISTINCT FROM OLD.clinician_ids)
           AND EXISTS (SELECT 1 FROM unnest(NEW.clinician_ids) AS x(id)
                    WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = x.id
                                         AND u.org_id = r.team_id
                                         AND u.role IN ('region_clinician', 'region_manager'))) THEN
            RAISE EXCEPTION 'every clinician must belong to the resident''s team'
                USING ERRCODE = 'SA422', HINT = 'clinician_ids', DETAIL = 'clinician-not-of-team';
        END IF;
        IF (ins OR NEW.staff_present_ids IS DISTINCT FROM OLD.staff_present_ids)
           AND EXISTS (SELECT 1 FROM unnest(NEW.staff_present_ids) AS x(id)
                    WHERE (ins OR NOT x.id = ANY (OLD.staff_present_ids))
                      AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = x.id
                                         AND u.org_id = r.facility_id
                                         AND u.role IN ('facility_staff', 'facility_manager'))) THEN
            RAISE EXCEPTION 'every staff member present must work at the resident''s facility'
                USING ERRCODE = 'SA422', HINT = 'staff_present_ids', DETAIL = 'staff-not-of-facility';
        END IF;
        -- rule 2: with a safety risk, the contact person or another named staff member attends
        IF (ins OR NEW.outcome IS DISTINCT FROM OLD.outcome
               OR NEW.contact_person_present IS DISTINCT FROM OLD.contact_person_present
               OR NEW.staff_present_ids IS DISTINCT FROM OLD.staff_present_ids)
           AND NEW.outcome = 'held' AND r.safety_risk AND NOT NEW.contact_person_present
           AND cardinality(NEW.staff_present_ids) = 0 THEN
            RAISE EXCEPTION 'a safety risk is assessed for this resident: a held conversation '
                            'needs the contact person or another named staff member present'
                USING ERRCODE = 'SA422', HINT = 'contact_person_present',
                      DETAIL = 'safety-risk-requires-staff';
        END IF;
        -- rule 3: relatives and partners only with a consent in force (new names only, on a
        -- correction)
        IF EXISTS (SELECT 1 FROM unnest(NEW.relatives) x
                    WHERE ins OR NOT x = ANY (OLD.relatives))
           AND NOT consent_in_force(NEW.resident_id, 'relatives_may_attend') THEN
            RAISE EXCEPTION 'relatives may take part only with the resident''s consent in force'
                USING ERRCODE = 'SA422', HINT = 'relatives', DETAIL = 'relatives-require-consent';
        END IF;
        IF EXISTS (SELECT 1 FROM unnest(NEW.partners) x WHERE ins OR NOT x = ANY (OLD.partners)) THEN
            IF NOT consent_in_force(NEW.resident_id, 'partners_may_attend') THEN
                RAISE EXCEPTION 'partners may take part only with the resident''s consent in force'
                    USING ERRCODE = 'SA422', HINT = 'partners', DETAIL = 'partners-require-consent';
            END IF;
            -- a consent that names partners covers those partners only
            named := consent_partners(NEW.resident_id);
            IF cardinality(named) > 0 THEN
                FOREACH p IN ARRAY NEW.partners LOOP
                    CONTINUE WHEN NOT ins AND p = ANY (OLD.partners);
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

-- ---- who may correct: the clinician who logged the conversation, in their own team ----

GRANT UPDATE (occurred_at, kind, outcome, contact_person_present, staff_present_ids,
              relatives, partners, version, updated_at, corrected_at, corrected_by,
              correction_reason)
    ON conversations TO samspil_app;
CREATE POLICY conversations_correct ON conversations FOR UPDATE TO samspil_app
    USING ((SELECT app_role()) = 'region_clinician' AND team_id = (SELECT app_org_id())
           AND created_by = (SELECT app_user_id()))
    WITH CHECK ((SELECT app_role()) = 'region_clinician' AND team_id = (SELECT app_org_id())
                AND created_by = (SELECT app_user_id())
                AND corrected_by = (SELECT app_user_id()));

GRANT UPDATE (body, written_by, written_at), DELETE ON conversation_summaries TO samspil_app;
GRANT UPDATE (body, written_by, written_at), DELETE ON conversation_notes TO samspil_app;
-- (the author of the conversation; an UPDATE or DELETE also needs the row visible, which the
-- existing region SELECT policies give the team)
CREATE POLICY conversation_summaries_correct ON conversation_summaries FOR UPDATE TO samspil_app
    USING ((SELECT app_role()) = 'region_clinician' AND team_id = (SELECT app_org_id())
           AND EXISTS (SELECT 1 FROM conversations c WHERE c.id = conversation_id
                          AND c.created_by = (SELECT app_user_id())))
    WITH CHECK (written_by = (SELECT app_user_id()));
CREATE POLICY conversation_summaries_remove ON conversation_summaries FOR DELETE TO samspil_app
    USING ((SELECT app_role()) = 'region_clinician' AND team_id = (SELECT app_org_id())
           AND EXISTS (SELECT 1 FROM conversations c WHERE c.id = conversation_id
                          AND c.created_by = (SELECT app_user_id())));
CREATE POLICY conversation_notes_correct ON conversation_notes FOR UPDATE TO samspil_app
    USING ((SELECT app_role()) = 'region_clinician' AND team_id = (SELECT app_org_id())
           AND EXISTS (SELECT 1 FROM conversations c WHERE c.id = conversation_id
                          AND c.created_by = (SELECT app_user_id())))
    WITH CHECK (written_by = (SELECT app_user_id()));
CREATE POLICY conversation_notes_remove ON conversation_notes FOR DELETE TO samspil_app
    USING ((SELECT app_role()) = 'region_clinician' AND team_id = (SELECT app_org_id())
           AND EXISTS (SELECT 1 FROM conversations c WHERE c.id = conversation_id
                          AND c.created_by = (SELECT app_user_id())));

-- ---- reading the history ----

ALTER TABLE conversation_revisions ENABLE ROW LEVEL SECURITY;
ALTER TABLE conversation_revisions FORCE ROW LEVEL SECURITY;
GRANT SELECT ON conversation_revisions TO samspil_app;
CREATE POLICY conversation_revisions_read ON conversation_revisions FOR SELECT TO samspil_app
    USING ((SELECT app_sees(team_id, facility_id)));
CREATE POLICY conversation_revisions_owner ON conversation_revisions TO CURRENT_USER
    USING (true) WITH CHECK (true);

ALTER TABLE conversation_revision_texts ENABLE ROW LEVEL SECURITY;
ALTER TABLE conversation_revision_texts FORCE ROW LEVEL SECURITY;
GRANT SELECT ON conversation_revision_texts TO samspil_app;
CREATE POLICY conversation_revision_texts_team ON conversation_revision_texts
    FOR SELECT TO samspil_app
    USING ((SELECT app_is_region()) AND team_id = (SELECT app_org_id()));
CREATE POLICY conversation_revision_texts_owner ON conversation_revision_texts
    TO CURRENT_USER USING (true) WITH CHECK (true);
