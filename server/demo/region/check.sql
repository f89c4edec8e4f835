-- Checks the data of a Samspil database against every constraint and every rule the triggers
-- enforce, for data loaded with triggers and foreign keys off (generate.sql runs with
-- session_replication_role = replica). Fails (RAISE EXCEPTION) naming each rule broken, and
-- with how many rows; else prints a short summary with the row counts.
--
-- Run after generate.sql in the same transaction (./dev does), or on its own:
--   psql -v ON_ERROR_STOP=1 -f server/demo/region/check.sql
--
-- What "holds" means: every row would pass the trigger (and the policy's WITH CHECK for who
-- wrote it) if it were inserted now, in the order the generator inserts them: the state a
-- trigger consults (a resident's safety risk, a consent in force, an account being active) is
-- taken as it is now. Rules about changes (content frozen once signed, corrections) are checked
-- through what they leave behind (signatures, revisions, frozen Monday entries).
-- Sections:
--   1. every FOREIGN KEY and every CHECK constraint of the schema, read from the catalogue
--      (also NOT VALID ones), so constraints added by later migrations are checked too;
--   2. the trigger rules, table by table (the trigger or function named in each);
--   3. the shape the region data promises (30 teams, 300 facilities, 10 000 residents, ...).

\set ON_ERROR_STOP on
SET work_mem = '256MB';

SET client_min_messages = warning;
DROP TABLE IF EXISTS pg_temp.region_check;
CREATE TEMP TABLE region_check (section text, rule text, bad bigint);

-- ---- 1. foreign keys and CHECK constraints, from the catalogue ----
-- One pass per table: CHECK expressions counted with FILTER, foreign keys as LEFT JOINs to
-- their parents (a foreign key references a unique key, so a join never multiplies rows).
-- MATCH SIMPLE: a row with a NULL in the key is not checked, as PostgreSQL does.
DO $$
DECLARE
    t record;
    c record;
    sel text[];
    names text[];
    joins text;
    found text[];
    q text;
    n integer;
    res bigint[];
BEGIN
    FOR t IN SELECT cl.oid, cl.relname FROM pg_class cl
              WHERE cl.relnamespace = 'public'::regnamespace AND cl.relkind IN ('r', 'p')
                AND NOT cl.relispartition
              ORDER BY cl.relname LOOP
        sel := '{}';
        names := '{}';
        joins := '';
        found := '{}';
        n := 0;
        FOR c IN SELECT co.conname, co.contype, co.conkey, co.confkey, co.confrelid,
                        pg_get_expr(co.conbin, co.conrelid) AS expr
                   FROM pg_constraint co
                  WHERE co.conrelid = t.oid AND co.contype IN ('c', 'f') AND co.conislocal
                  ORDER BY co.conname LOOP
            IF c.contype = 'c' THEN
                sel := sel || format('count(*) FILTER (WHERE (%s) IS FALSE)', c.expr);
                names := names || ('CHECK ' || c.conname);
            ELSE
                n := n + 1;
                joins := joins || format(' LEFT JOIN %s p%s ON %s', c.confrelid::regclass, n,
                    (SELECT string_agg(format('p%s.%I = x.%I', n, pa.attname, ca.attname), ' AND ')
                       FROM unnest(c.conkey, c.confkey) AS k (ck, fk)
                       JOIN pg_attribute ca ON ca.attrelid = t.oid AND ca.attnum = k.ck
                       JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.fk));
                found := found || format('p%s.%I IS NOT NULL AS region_fk_%s', n,
                    (SELECT pa.attname FROM pg_attribute pa
                      WHERE pa.attrelid = c.confrelid AND pa.attnum = c.confkey[1]), n);
                sel := sel || format('count(*) FILTER (WHERE %s AND NOT region_fk_%s)',
                    (SELECT string_agg(format('%I IS NOT NULL', ca.attname), ' AND ')
                       FROM unnest(c.conkey) AS k (ck)
                       JOIN pg_attribute ca ON ca.attrelid = t.oid AND ca.attnum = k.ck), n);
                names := names || ('FOREIGN KEY ' || c.conname);
            END IF;
        END LOOP;
        CONTINUE WHEN cardinality(sel) = 0;
        -- the CHECK expressions name the table's columns unqualified: the joins stay inside
        q := format('SELECT ARRAY[%s]::bigint[] FROM (SELECT x.*%s FROM %s x%s) x',
                    array_to_string(sel, ', '),
                    (SELECT string_agg(', ' || f, '') FROM unnest(found) f),
                    t.oid::regclass, joins);
        EXECUTE q INTO res;
        INSERT INTO region_check
        SELECT 'constraints', t.relname || ': ' || names[i], res[i]
          FROM generate_subscripts(names, 1) i;
    END LOOP;
END
$$;

-- ---- 2. the rules the triggers enforce ----

-- users_role_fits_org (0001): region roles in a team, facility roles in a facility
INSERT INTO region_check
SELECT 'users', 'users_role_fits_org: role fits the kind of organisation', count(*)
  FROM users u JOIN organizations o ON o.id = u.org_id
 WHERE (u.role IN ('region_clinician', 'region_manager') AND o.kind <> 'team')
    OR (u.role IN ('facility_staff', 'facility_manager') AND o.kind <> 'facility');

-- residents_people_fit (0020), and who assessed a safety risk (residents_update)
INSERT INTO region_check
SELECT 'residents', x.rule, x.bad
  FROM (SELECT count(*) FILTER (WHERE r.contact_person_id IS NOT NULL AND (cp.id IS NULL
                   OR cp.org_id <> r.facility_id OR cp.role NOT IN ('facility_staff', 'facility_manager'))) AS cp,
               count(*) FILTER (WHERE r.responsible_clinician_id IS NOT NULL AND (rc.id IS NULL
                   OR rc.org_id <> r.team_id OR rc.role NOT IN ('region_clinician', 'region_manager'))) AS rc,
               count(*) FILTER (WHERE f.id IS NULL OR f.kind <> 'facility'
                                   OR f.serving_team_id IS DISTINCT FROM r.team_id) AS served,
               count(*) FILTER (WHERE r.safety_risk AND (r.safety_assessed_by IS NULL
                                                         OR r.safety_assessed_at IS NULL)) AS safety
          FROM residents r
          LEFT JOIN users cp ON cp.id = r.contact_person_id
          LEFT JOIN users rc ON rc.id = r.responsible_clinician_id
          LEFT JOIN organizations f ON f.id = r.facility_id) s
 CROSS JOIN LATERAL (VALUES
       ('residents_people_fit: contact person is staff of the resident''s facility', s.cp),
       ('residents_people_fit: responsible clinician is of the resident''s team', s.rc),
       ('residents_people_fit: the facility is served by the resident''s team', s.served),
       ('a safety risk names who assessed it and when', s.safety)) AS x (rule, bad);

-- copy_resident_scope (0003 and later): a child row's team and facility are its resident's
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['consents', 'intensity_changes', 'visit_agenda', 'conversations',
                             'conversation_summaries', 'conversation_notes', 'monday_entries',
                             'admissions', 'admission_visits', 'kip_versions', 'kip_reviews',
                             'conversation_revisions', 'conversation_revision_texts'] LOOP
        EXECUTE format('INSERT INTO region_check SELECT %L, %L, count(*) FROM %I c '
                       'JOIN residents r ON r.id = c.resident_id '
                       'WHERE (c.team_id, c.facility_id) IS DISTINCT FROM (r.team_id, r.facility_id)',
                       'scope', 'copy_resident_scope: ' || t || ' carry their resident''s team and facility', t);
    END LOOP;
END
$$;

-- organisations of a pair: every pair row is between a team and a facility it serves
INSERT INTO region_check
SELECT 'pairs', x.t || ': team and facility are a serving pair', x.bad
  FROM (SELECT 'agreements' AS t, count(*) AS bad FROM agreements a
          LEFT JOIN organizations f ON f.id = a.facility_id
         WHERE f.kind IS DISTINCT FROM 'facility' OR f.serving_team_id IS DISTINCT FROM a.team_id
        UNION ALL
        SELECT 'visits', count(*) FROM visits a LEFT JOIN organizations f ON f.id = a.facility_id
         WHERE f.kind IS DISTINCT FROM 'facility' OR f.serving_team_id IS DISTINCT FROM a.team_id
        UNION ALL
        SELECT 'meetings', count(*) FROM meetings a LEFT JOIN organizations f ON f.id = a.facility_id
         WHERE f.kind IS DISTINCT FROM 'facility' OR f.serving_team_id IS DISTINCT FROM a.team_id
        UNION ALL
        SELECT 'monday_mails', count(*) FROM monday_mails a LEFT JOIN organizations f ON f.id = a.facility_id
         WHERE f.kind IS DISTINCT FROM 'facility' OR f.serving_team_id IS DISTINCT FROM a.team_id) x;

-- consents (0003): recorded in their own name by someone of the pair (consents_pair)
INSERT INTO region_check
SELECT 'consents', 'consents_pair: recorded by a user of the resident''s team or facility', count(*)
  FROM consents c LEFT JOIN users u ON u.id = c.recorded_by
 WHERE u.org_id IS NULL OR u.org_id NOT IN (c.team_id, c.facility_id);

-- intensity (0003, residents_intensity_*): turned by the team; the history is a chain from
-- 'standard' and its last step is the level now
INSERT INTO region_check
SELECT 'intensity', x.rule, x.bad
  FROM (SELECT count(*) FILTER (WHERE u.org_id IS DISTINCT FROM i.team_id
                                   OR u.role NOT IN ('region_clinician', 'region_manager')) AS who,
               count(*) FILTER (WHERE i.from_level IS DISTINCT FROM
                                      coalesce(i.prev_level, 'standard')) AS chain
          FROM (SELECT ic.*, lag(ic.to_level) OVER (PARTITION BY ic.resident_id
                                                     ORDER BY ic.changed_at, ic.id) AS prev_level
                  FROM intensity_changes ic) i
          LEFT JOIN users u ON u.id = i.changed_by) s,
       (SELECT count(*) AS bad FROM residents r
          LEFT JOIN LATERAL (SELECT ic.to_level FROM intensity_changes ic
                              WHERE ic.resident_id = r.id
                              ORDER BY ic.changed_at DESC, ic.id DESC LIMIT 1) l ON true
         WHERE r.intensity IS DISTINCT FROM coalesce(l.to_level, 'standard')) lv
 CROSS JOIN LATERAL (VALUES
       ('intensity_changes: changed by a user of the resident''s team', s.who),
       ('intensity_changes: each change starts where the one before ended', s.chain),
       ('intensity_changes: the last change is the resident''s level now', lv.bad)) AS x (rule, bad);

-- agreements (0010): signatures (agreement_signatures_check, signatures_sign), activation
-- with both signatures, renewal chain (agreements_renew, agreement_generate_calendar)
INSERT INTO region_check
SELECT 'agreements', x.rule, x.bad
  FROM (SELECT count(*) FILTER (WHERE (s.team_id, s.facility_id) IS DISTINCT FROM (a.team_id, a.facility_id)) AS scope,
               count(*) FILTER (WHERE a.status = 'draft') AS draft,
               count(*) FILTER (WHERE u.id IS NULL OR u.role <> s.signer_role
                   OR (s.side = 'team' AND (u.role <> 'region_manager' OR u.org_id <> a.team_id))
                   OR (s.side = 'facility' AND (u.role <> 'facility_manager' OR u.org_id <> a.facility_id))) AS signer
          FROM agreement_signatures s JOIN agreements a ON a.id = s.agreement_id
          LEFT JOIN users u ON u.id = s.user_id) s,
       (SELECT count(*) FILTER (WHERE a.status IN ('active', 'expired')
                                  AND (SELECT count(*) FROM agreement_signatures s
                                        WHERE s.agreement_id = a.id) <> 2) AS signed,
               count(*) FILTER (WHERE p.id IS NOT NULL
                                  AND (p.team_id, p.facility_id) IS DISTINCT FROM (a.team_id, a.facility_id)) AS chain_pair,
               count(*) FILTER (WHERE p.id IS NOT NULL AND a.status = 'active'
                                  AND a.valid_from <= current_date AND p.status = 'active') AS chain_expired,
               count(*) FILTER (WHERE cu.id IS NOT NULL AND cu.org_id NOT IN (a.team_id, a.facility_id)) AS creator
          FROM agreements a LEFT JOIN agreements p ON p.id = a.previous_id
          LEFT JOIN users cu ON cu.id = a.created_by) g
 CROSS JOIN LATERAL (VALUES
       ('agreement_signatures_check: a signature carries its agreement''s pair', s.scope),
       ('agreement_signatures_check: only an agreement that left draft is signed', s.draft),
       ('signatures_sign: a manager signs for their own side', s.signer),
       ('an active or expired agreement has both signatures', g.signed),
       ('a renewal is of the same pair', g.chain_pair),
       ('agreement_generate_calendar: a started renewal leaves its predecessor not active', g.chain_expired),
       ('agreements_write: created by a user of the pair', g.creator)) AS x (rule, bad);

-- the calendar an agreement drives (agreement_generate_calendar, 0010): fixed visits on the
-- agreement's series of dates, within its validity, of its pair; untouched ones at its times
INSERT INTO region_check
SELECT 'visits', x.rule, x.bad
  FROM (SELECT count(*) FILTER (WHERE (v.team_id, v.facility_id) IS DISTINCT FROM (a.team_id, a.facility_id)) AS pair,
               count(*) FILTER (WHERE v.kind = 'fixed' AND (v.series_date IS NULL
                   OR v.series_date NOT BETWEEN a.valid_from AND a.valid_to
                   OR (v.series_date - (a.valid_from + (a.presence_weekday
                        - extract(isodow FROM a.valid_from)::int + 7) % 7)) % (7 * a.presence_every_weeks) <> 0)) AS series,
               count(*) FILTER (WHERE v.kind = 'fixed' AND NOT v.touched
                   AND (v.starts_at <> (v.series_date + a.presence_start) AT TIME ZONE 'Europe/Copenhagen'
                        OR v.ends_at <> (v.series_date + a.presence_end) AT TIME ZONE 'Europe/Copenhagen')) AS times
          FROM visits v JOIN agreements a ON a.id = v.agreement_id) s
 CROSS JOIN LATERAL (VALUES
       ('agreement_generate_calendar: a visit of an agreement is of its pair', s.pair),
       ('agreement_generate_calendar: fixed visits fall on the agreement''s series of dates', s.series),
       ('agreement_generate_calendar: untouched fixed visits keep the agreement''s times', s.times)) AS x (rule, bad);

INSERT INTO region_check
SELECT 'meetings', x.rule, x.bad
  FROM (SELECT count(*) FILTER (WHERE a.id IS NOT NULL
                                  AND (m.team_id, m.facility_id) IS DISTINCT FROM (a.team_id, a.facility_id)) AS pair,
               count(*) FILTER (WHERE m.kind = 'management' AND a.id IS NOT NULL AND m.series_date IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM agreement_management_dates(a) d
                                    WHERE d = m.series_date)) AS series,
               count(*) FILTER (WHERE m.kind = 'network' AND (r.id IS NULL
                   OR (r.team_id, r.facility_id) IS DISTINCT FROM (m.team_id, m.facility_id))) AS resident
          FROM meetings m LEFT JOIN agreements a ON a.id = m.agreement_id
          LEFT JOIN residents r ON r.id = m.resident_id) s
 CROSS JOIN LATERAL (VALUES
       ('agreement_generate_calendar: a meeting of an agreement is of its pair', s.pair),
       ('agreement_generate_calendar: management meetings fall on the agreement''s dates', s.series),
       ('a network meeting is about a resident of its pair', s.resident)) AS x (rule, bad);

-- visit_agenda (0003): the visit is of the resident's pair
INSERT INTO region_check
SELECT 'visits', 'visit_agenda: the visit is of the resident''s team and facility', count(*)
  FROM visit_agenda g JOIN visits v ON v.id = g.visit_id JOIN residents r ON r.id = g.resident_id
 WHERE (v.team_id, v.facility_id) IS DISTINCT FROM (r.team_id, r.facility_id);

-- conversations_check_rules (0020, 0051), conversations_log, conversations_mark_visit_held
-- (0052) and conversations_keep_revision (0051): one pass
INSERT INTO region_check
SELECT 'conversations', x.rule, x.bad
  FROM (SELECT count(*) FILTER (WHERE c.visit_id IS NOT NULL
                   AND (v.team_id, v.facility_id) IS DISTINCT FROM (r.team_id, r.facility_id)) AS visit,
               count(*) FILTER (WHERE c.outcome = 'held' AND r.safety_risk
                   AND NOT c.contact_person_present AND cardinality(c.staff_present_ids) = 0) AS safety,
               count(*) FILTER (WHERE cardinality(c.relatives) > 0
                   AND NOT consent_in_force(c.resident_id, 'relatives_may_attend')) AS relatives,
               count(*) FILTER (WHERE cardinality(c.partners) > 0
                   AND NOT consent_in_force(c.resident_id, 'partners_may_attend')) AS partners,
               count(*) FILTER (WHERE cardinality(c.partners) > 0
                   AND cardinality(consent_partners(c.resident_id)) > 0
                   AND EXISTS (SELECT 1 FROM unnest(c.partners) p
                                WHERE NOT EXISTS (SELECT 1 FROM unnest(consent_partners(c.resident_id)) n
                                                   WHERE lower(btrim(n)) = lower(btrim(p))))) AS named,
               count(*) FILTER (WHERE cb.id IS NULL OR cb.org_id <> c.team_id
                                   OR cb.role <> 'region_clinician') AS logger,
               count(*) FILTER (WHERE v.status = 'planned'
                   AND (v.starts_at AT TIME ZONE 'Europe/Copenhagen')::date
                       <= (now() AT TIME ZONE 'Europe/Copenhagen')::date) AS held,
               count(*) FILTER (WHERE (c.version > 1) <> (c.corrected_at IS NOT NULL)
                                   OR c.corrected_by IS DISTINCT FROM
                                      CASE WHEN c.corrected_at IS NOT NULL THEN c.created_by END) AS corrected
          FROM conversations c JOIN residents r ON r.id = c.resident_id
          LEFT JOIN users cb ON cb.id = c.created_by
          LEFT JOIN visits v ON v.id = c.visit_id) s
 CROSS JOIN LATERAL (VALUES
       ('conversations_check_rules: the visit is of the resident''s team and facility', s.visit),
       ('conversations_check_rules: safety risk: a held conversation has the contact person or named staff', s.safety),
       ('conversations_check_rules: relatives only with the consent in force', s.relatives),
       ('conversations_check_rules: partners only with the consent in force', s.partners),
       ('conversations_check_rules: partners named in the consent, when it names any', s.named),
       ('conversations_log: logged by a clinician of the resident''s team', s.logger),
       ('conversations_mark_visit_held: a visit of today or earlier with a conversation is not planned', s.held),
       ('conversations_keep_revision: corrected (by its author) exactly when past version 1', s.corrected)) AS x (rule, bad);

INSERT INTO region_check
SELECT 'conversations', 'conversations_check_rules: every clinician is of the resident''s team', count(*)
  FROM conversations c JOIN residents r ON r.id = c.resident_id
 CROSS JOIN LATERAL unnest(c.clinician_ids) AS x (id)
  LEFT JOIN users u ON u.id = x.id
 WHERE u.id IS NULL OR u.org_id <> r.team_id OR u.role NOT IN ('region_clinician', 'region_manager');
INSERT INTO region_check
SELECT 'conversations', 'conversations_check_rules: every staff member present is of the resident''s facility', count(*)
  FROM conversations c JOIN residents r ON r.id = c.resident_id
 CROSS JOIN LATERAL unnest(c.staff_present_ids) AS x (id)
  LEFT JOIN users u ON u.id = x.id
 WHERE cardinality(c.staff_present_ids) > 0
   AND (u.id IS NULL OR u.org_id <> r.facility_id OR u.role NOT IN ('facility_staff', 'facility_manager'));

-- conversation_child_fits (0020) and the writers (conversation_*_write)
INSERT INTO region_check
SELECT 'conversations', x.rule, x.bad
  FROM (SELECT count(*) FILTER (WHERE c.resident_id IS DISTINCT FROM n.resident_id) AS fits,
               count(*) FILTER (WHERE w.id IS NULL OR w.org_id <> n.team_id
                                   OR w.role <> 'region_clinician') AS writer
          FROM conversation_notes n LEFT JOIN conversations c ON c.id = n.conversation_id
          LEFT JOIN users w ON w.id = n.written_by) s,
       (SELECT count(*) FILTER (WHERE c.resident_id IS DISTINCT FROM n.resident_id) AS fits,
               count(*) FILTER (WHERE w.id IS NULL OR w.org_id <> n.team_id
                                   OR w.role <> 'region_clinician') AS writer
          FROM conversation_summaries n LEFT JOIN conversations c ON c.id = n.conversation_id
          LEFT JOIN users w ON w.id = n.written_by) m
 CROSS JOIN LATERAL (VALUES
       ('conversation_child_fits: a clinical note is of its conversation''s resident', s.fits),
       ('conversation_notes_write: written by a clinician of the team', s.writer),
       ('conversation_child_fits: a shared summary is of its conversation''s resident', m.fits),
       ('conversation_summaries_write: written by a clinician of the team', m.writer)) AS x (rule, bad);

-- conversations_keep_revision (0051): version v has its earlier versions 1..v-1 kept, the last
-- one replaced by the correction; each with its texts; all of the conversation's scope
INSERT INTO region_check
SELECT 'conversations', x.rule, x.bad
  FROM (SELECT count(*) FILTER (WHERE coalesce(k.n, 0) <> c.version - 1 OR coalesce(k.top, 0) <> c.version - 1) AS versions,
               count(*) FILTER (WHERE c.version > 1 AND (k.replaced_at IS DISTINCT FROM c.corrected_at
                                   OR k.replaced_by IS DISTINCT FROM c.corrected_by
                                   OR k.reason IS DISTINCT FROM c.correction_reason)) AS last
          FROM conversations c
          LEFT JOIN LATERAL (SELECT count(*) AS n, max(rv.version) AS top,
                                    (array_agg(rv.replaced_at ORDER BY rv.version DESC))[1] AS replaced_at,
                                    (array_agg(rv.replaced_by ORDER BY rv.version DESC))[1] AS replaced_by,
                                    (array_agg(rv.reason ORDER BY rv.version DESC))[1] AS reason
                               FROM conversation_revisions rv WHERE rv.conversation_id = c.id) k
                 ON c.version > 1
         WHERE c.version > 1 OR EXISTS (SELECT 1 FROM conversation_revisions rv
                                         WHERE rv.conversation_id = c.id)) s,
       (SELECT count(*) FILTER (WHERE t.conversation_id IS NULL) AS texts,
               count(*) FILTER (WHERE (rv.resident_id, rv.team_id, rv.facility_id)
                                      IS DISTINCT FROM (c.resident_id, c.team_id, c.facility_id)) AS scope,
               count(*) FILTER (WHERE t.conversation_id IS NOT NULL AND (t.resident_id, t.team_id, t.facility_id)
                                      IS DISTINCT FROM (c.resident_id, c.team_id, c.facility_id)) AS tscope
          FROM conversation_revisions rv JOIN conversations c ON c.id = rv.conversation_id
          LEFT JOIN conversation_revision_texts t ON t.conversation_id = rv.conversation_id
                                                 AND t.version = rv.version) r,
       (SELECT count(*) AS bad FROM conversation_revision_texts t
         WHERE NOT EXISTS (SELECT 1 FROM conversation_revisions rv
                            WHERE rv.conversation_id = t.conversation_id AND rv.version = t.version)) o
 CROSS JOIN LATERAL (VALUES
       ('conversations_keep_revision: a conversation at version v keeps versions 1..v-1', s.versions),
       ('conversations_keep_revision: the last kept version names the correction (when, who, why)', s.last),
       ('conversations_keep_revision: every kept version has its summary and note kept', r.texts),
       ('conversations_keep_revision: kept texts without a kept version', o.bad),
       ('conversations_keep_revision: kept versions carry the conversation''s resident and pair', r.scope + r.tscope)) AS x (rule, bad);

-- Monday mail (0030): entries frozen once the week's mail is sent (monday_entries_frozen),
-- written by the facility (monday_entries_facility); the mail's bookkeeping
INSERT INTO region_check
SELECT 'monday mail', x.rule, x.bad
  FROM (SELECT count(*) FILTER (WHERE m.sent_at IS NOT NULL AND e.updated_at > m.sent_at
                                  -- (the demo writes Skoven's earlier weeks with default
                                  -- timestamps before their mail, which the trigger allows)
                                  AND e.resident_id::text NOT LIKE '_0000000-0000-4000-8000-%') AS frozen,
               count(*) FILTER (WHERE a.id IS NULL OR a.org_id <> e.facility_id
                                   OR a.role NOT IN ('facility_staff', 'facility_manager')) AS author
          FROM monday_entries e LEFT JOIN users a ON a.id = e.author_id
          LEFT JOIN monday_mails m ON m.facility_id = e.facility_id AND m.iso_week = e.iso_week) s,
       (SELECT count(*) FILTER (WHERE m.sent_at IS NOT NULL AND (s.id IS NULL OR s.org_id <> m.facility_id
                                   OR s.role NOT IN ('facility_staff', 'facility_manager'))) AS sender,
               count(*) FILTER (WHERE m.sent_at IS NOT NULL
                                  AND m.talk_count IS DISTINCT FROM coalesce(t.talk, 0)) AS talk,
               count(*) FILTER (WHERE m.visit_id IS NOT NULL
                   AND (v.team_id, v.facility_id) IS DISTINCT FROM (m.team_id, m.facility_id)) AS visit
          FROM monday_mails m LEFT JOIN users s ON s.id = m.sent_by
          LEFT JOIN visits v ON v.id = m.visit_id
          LEFT JOIN (SELECT facility_id, iso_week, count(*) FILTER (WHERE needs_talk) AS talk
                       FROM monday_entries GROUP BY facility_id, iso_week) t
                 ON t.facility_id = m.facility_id AND t.iso_week = m.iso_week) m,
       (SELECT count(*) FILTER (WHERE (o.team_id, o.facility_id) IS DISTINCT FROM (m.team_id, m.facility_id)) AS scope,
               count(*) FILTER (WHERE m.sent_at IS NULL OR o.opened_at < m.sent_at) AS sent,
               count(*) FILTER (WHERE u.id IS NULL OR u.org_id <> o.team_id
                                   OR u.role NOT IN ('region_clinician', 'region_manager')) AS opener
          FROM monday_mail_opens o JOIN monday_mails m ON m.id = o.mail_id
          LEFT JOIN users u ON u.id = o.opened_by) o
 CROSS JOIN LATERAL (VALUES
       ('monday_entries_frozen: no entry changed after its week''s mail was sent', s.frozen),
       ('monday_entries_facility: written by staff of the resident''s facility', s.author),
       ('monday_mails: sent by staff of the facility', m.sender),
       ('monday_mails: talk_count is the entries asking for a talk', m.talk),
       ('monday_mails: the visit is of the mail''s pair', m.visit),
       ('monday_mail_opens: carries its mail''s pair', o.scope),
       ('monday_mail_opens: opened after the mail was sent', o.sent),
       ('monday_mail_opens_team: opened by the team', o.opener)) AS x (rule, bad);

-- admissions (0030): one open at a time, by the pair; the facility's visits while admitted
INSERT INTO region_check
SELECT 'admissions', x.rule, x.bad
  FROM (SELECT count(*) FILTER (WHERE rb.id IS NULL OR rb.org_id NOT IN (a.team_id, a.facility_id)) AS recorder,
               count(*) FILTER (WHERE (a.discharged_at IS NULL) <> (a.discharged_by IS NULL)
                                   OR (db.id IS NOT NULL AND db.org_id NOT IN (a.team_id, a.facility_id))) AS discharger,
               count(*) FILTER (WHERE a.admitted_at < a.prev_end) AS overlap
          FROM (SELECT ad.*, max(coalesce(ad.discharged_at, 'infinity')) OVER (
                         PARTITION BY ad.resident_id ORDER BY ad.admitted_at, ad.id
                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
                  FROM admissions ad) a
          LEFT JOIN users rb ON rb.id = a.recorded_by
          LEFT JOIN users db ON db.id = a.discharged_by) s,
       (SELECT count(*) AS bad FROM (SELECT resident_id FROM admissions WHERE discharged_at IS NULL
                                      GROUP BY resident_id HAVING count(*) > 1) o) o,
       (SELECT count(*) FILTER (WHERE a.resident_id IS DISTINCT FROM v.resident_id) AS same,
               count(*) FILTER (WHERE u.id IS NULL OR u.org_id <> v.facility_id
                                   OR u.role NOT IN ('facility_staff', 'facility_manager')) AS visitor,
               count(*) FILTER (WHERE v.visited_at < a.admitted_at
                                   OR v.visited_at > coalesce(a.discharged_at, now())) AS during
          FROM admission_visits v JOIN admissions a ON a.id = v.admission_id
          LEFT JOIN users u ON u.id = v.visited_by) v
 CROSS JOIN LATERAL (VALUES
       ('admissions_one_open_idx: at most one open admission per resident', o.bad),
       ('admissions: a resident''s admissions do not overlap', s.overlap),
       ('admissions_pair: recorded by a user of the pair', s.recorder),
       ('admissions: discharged by a user of the pair exactly when discharged', s.discharger),
       ('admission_visits: of the admission''s resident', v.same),
       ('admission_visits_facility: visited by staff of the facility', v.visitor),
       ('admission_visits: visited while admitted', v.during)) AS x (rule, bad);

-- KIP (0040): kip_coordinator_check; versions 1..n in order; written by the pair
INSERT INTO region_check
SELECT 'kip', x.rule, x.bad
  FROM (SELECT count(*) FILTER (WHERE k.coordinator_user_id IS NOT NULL AND (cu.id IS NULL
                   OR cu.org_id <> k.coordinator_org_id OR NOT cu.active)) AS coordinator,
               count(*) FILTER (WHERE w.id IS NULL OR w.org_id NOT IN (k.team_id, k.facility_id)) AS writer,
               count(*) FILTER (WHERE k.version <> k.nth OR k.created_at < k.prev_at) AS versions
          FROM (SELECT kv.*, row_number() OVER w AS nth, lag(kv.created_at) OVER w AS prev_at
                  FROM kip_versions kv WINDOW w AS (PARTITION BY kv.resident_id ORDER BY kv.version)) k
          LEFT JOIN users cu ON cu.id = k.coordinator_user_id
          LEFT JOIN users w ON w.id = k.created_by) s,
       (SELECT count(*) AS bad FROM kip_reviews v LEFT JOIN users u ON u.id = v.recorded_by
         WHERE u.id IS NULL OR u.org_id NOT IN (v.team_id, v.facility_id)) rv
 CROSS JOIN LATERAL (VALUES
       ('kip_coordinator_check: the coordinator is an active member of the coordinating organisation', s.coordinator),
       ('kip_versions_add: each version added by a user of the pair', s.writer),
       ('kip_versions: versions 1..n, each saved after the one before', s.versions),
       ('kip_reviews_add: recorded by a user of the pair', rv.bad)) AS x (rule, bad);

-- meeting participants (0041, 0050): meeting_participants_check, network_meeting_complete
INSERT INTO region_check
SELECT 'meetings', x.rule, x.bad
  FROM (SELECT count(*) FILTER (WHERE (p.team_id, p.facility_id) IS DISTINCT FROM (m.team_id, m.facility_id)) AS scope,
               count(*) FILTER (WHERE p.kind <> 'staff' AND m.kind <> 'network') AS joint,
               count(*) FILTER (WHERE p.user_id IS NOT NULL AND (u.id IS NULL OR NOT u.active OR u.role = 'admin'
                                   OR u.org_id NOT IN (m.team_id, m.facility_id))) AS member,
               count(*) FILTER (WHERE p.user_id IS NOT NULL AND u.id IS NOT NULL AND (p.kind <> 'staff'
                                   OR p.side <> CASE WHEN u.org_id = m.team_id THEN 'region' ELSE 'municipality' END)) AS side,
               count(*) FILTER (WHERE p.kind = 'relative'
                                  AND NOT consent_in_force(m.resident_id, 'relatives_may_attend')) AS relatives,
               count(*) FILTER (WHERE p.kind = 'partner'
                                  AND NOT consent_in_force(m.resident_id, 'partners_may_attend')) AS partners,
               count(*) FILTER (WHERE ab.id IS NULL OR ab.org_id NOT IN (m.team_id, m.facility_id)
                                   OR (p.removed_by IS NOT NULL AND (rb.id IS NULL
                                       OR rb.org_id NOT IN (m.team_id, m.facility_id)))) AS writers
          FROM meeting_participants p JOIN meetings m ON m.id = p.meeting_id
          LEFT JOIN users u ON u.id = p.user_id
          LEFT JOIN users ab ON ab.id = p.added_by
          LEFT JOIN users rb ON rb.id = p.removed_by) s,
       (SELECT count(*) AS bad FROM (SELECT meeting_id, user_id FROM meeting_participants
                                      WHERE removed_at IS NULL AND user_id IS NOT NULL
                                      GROUP BY meeting_id, user_id HAVING count(*) > 1
                                     UNION ALL
                                     SELECT meeting_id, NULL FROM meeting_participants
                                      WHERE removed_at IS NULL AND kind = 'resident'
                                      GROUP BY meeting_id HAVING count(*) > 1) d) d,
       (SELECT count(*) FILTER (WHERE NOT coalesce(c.municipality AND c.region AND c.resident, false)) AS composition,
               count(*) FILTER (WHERE r.safety_risk AND NOT coalesce(c.facility_staff, false)) AS safety
          FROM meetings m JOIN residents r ON r.id = m.resident_id
          LEFT JOIN LATERAL (SELECT bool_or(p.side = 'municipality') AS municipality,
                                    bool_or(p.side = 'region') AS region,
                                    bool_or(p.kind = 'resident') AS resident,
                                    bool_or(u.org_id = m.facility_id
                                            AND u.role IN ('facility_staff', 'facility_manager')) AS facility_staff
                               FROM meeting_participants p LEFT JOIN users u ON u.id = p.user_id
                              WHERE p.meeting_id = m.id AND p.removed_at IS NULL) c ON true
         WHERE m.kind = 'network') n
 CROSS JOIN LATERAL (VALUES
       ('meeting_participants_check: carry their meeting''s pair', s.scope),
       ('meeting_participants_check: joint events have staff only', s.joint),
       ('meeting_participants_check: a named participant is an active member of the pair', s.member),
       ('meeting_participants_check: a member takes part as staff on their own side', s.side),
       ('meeting_participants_check: the same person or the resident listed once', d.bad),
       ('meeting_participants_check: relatives only with the consent in force', s.relatives),
       ('meeting_participants_check: partners only with the consent in force', s.partners),
       ('meeting_participants_add/remove: added and removed by users of the pair', s.writers),
       ('network_meeting_complete: municipality, region and the resident take part', n.composition),
       ('network_meeting_complete: safety risk: staff of the facility take part', n.safety)) AS x (rule, bad);

-- calendar feeds (0010): of their agreement's pair, made by a user of it
INSERT INTO region_check
SELECT 'agreements', 'calendar_feeds: carry their agreement''s pair, made by a user of it', count(*)
  FROM calendar_feeds c JOIN agreements a ON a.id = c.agreement_id
  LEFT JOIN users u ON u.id = c.created_by
 WHERE (c.team_id, c.facility_id) IS DISTINCT FROM (a.team_id, a.facility_id)
    OR u.id IS NULL OR u.org_id NOT IN (a.team_id, a.facility_id);

-- audit_log (0002): the actor's name and identity as audit_log_actor_name and app_begin set
-- them; a resident's team and facility as audit_write looks them up
INSERT INTO region_check
SELECT 'audit', x.rule, x.bad
  FROM (SELECT count(*) FILTER (WHERE a.user_id IS NOT NULL AND a.user_name IS DISTINCT FROM u.name) AS name,
               count(*) FILTER (WHERE a.user_id IS NOT NULL AND (u.id IS NULL
                                   OR a.user_role IS DISTINCT FROM u.role OR a.org_id IS DISTINCT FROM u.org_id)) AS who,
               count(*) FILTER (WHERE a.resident_id IS NOT NULL
                   AND (r.id IS NULL OR (a.team_id, a.facility_id) IS DISTINCT FROM (r.team_id, r.facility_id))) AS scope
          FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
          LEFT JOIN residents r ON r.id = a.resident_id) s
 CROSS JOIN LATERAL (VALUES
       ('audit_log_actor_name: user_name is the actor''s name', s.name),
       ('app_begin: the actor''s role and organisation are the account''s', s.who),
       ('audit_write: a resident''s row carries the resident''s team and facility', s.scope)) AS x (rule, bad);
-- migration 0060: the caseload facts kept on the resident by triggers
INSERT INTO region_check
SELECT 'residents', 'residents_facts_changed / monday_mails_share_talks: kept facts match the rows', count(*)
  FROM residents r JOIN resident_facts_now f ON f.resident_id = r.id
 WHERE (r.last_held_at, r.admission_from, r.admission_until, r.talk_shared_week,
        r.latest_summary_id)
       IS DISTINCT FROM (f.last_held_at, f.admission_from, f.admission_until, f.talk_shared_week,
                         f.latest_summary_id);
-- migration 0069: the names kept on the resident
INSERT INTO region_check
SELECT 'residents', 'residents_names: kept names match the people and organisations', count(*)
  FROM residents r JOIN resident_names_now n ON n.resident_id = r.id
 WHERE (r.contact_person_name, r.clinician_name, r.safety_assessor_name, r.facility_name,
        r.team_name)
       IS DISTINCT FROM (n.contact_person_name, n.clinician_name, n.safety_assessor_name,
                         n.facility_name, n.team_name);
-- migration 0073: the previous discharges kept on the admission
INSERT INTO region_check
SELECT 'admissions', 'admissions_prev: kept previous discharges match the rows', count(*)
  FROM admissions a JOIN admission_prev_now n ON n.admission_id = a.id
 WHERE (a.prev_discharged_team, a.prev_discharged_facility)
       IS DISTINCT FROM (n.prev_discharged_team, n.prev_discharged_facility);
-- migration 0064: the KIP status facts kept on the resident by a trigger
INSERT INTO region_check
SELECT 'residents', 'kip_versions_resident_kip: kept KIP facts match the newest version', count(*)
  FROM residents r JOIN resident_kip_now f ON f.resident_id = r.id
 WHERE (r.kip_active, r.kip_next_review) IS DISTINCT FROM (f.kip_active, f.kip_next_review);
-- (migration 0060: a row names one resident in resident_id, or several in resident_ids)
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'audit_log'::regclass
                  AND attname = 'resident_ids' AND NOT attisdropped) THEN
        EXECUTE $q$INSERT INTO region_check
                   SELECT 'audit', 'audit rows: one resident in resident_id or several in resident_ids, not both', count(*)
                     FROM audit_log WHERE resident_id IS NOT NULL AND resident_ids IS NOT NULL$q$;
    END IF;
END
$$;

-- ---- 3. the shape of the region data ----
INSERT INTO region_check
SELECT 'shape', x.rule, CASE WHEN x.ok THEN 0 ELSE 1 END
  FROM (VALUES
    ('30 teams', (SELECT count(*) FROM organizations WHERE kind = 'team') = 30),
    ('300 facilities', (SELECT count(*) FROM organizations WHERE kind = 'facility') = 300),
    ('10 000 residents', (SELECT count(*) FROM residents) = 10000),
    ('F-ACT Slagelse: 300 residents over 10 facilities',
     (SELECT count(*) = 300 AND count(DISTINCT facility_id) = 10 FROM residents
       WHERE team_id = '10000000-0000-4000-8000-000000000001')),
    ('Botilbuddet Engen: 60 residents',
     (SELECT count(*) FROM residents WHERE facility_id = '20000000-0000-4000-8000-000000000001') = 60),
    ('the demo log-ins belong to the demo organisations',
     (SELECT count(*) FROM users u JOIN (VALUES
          ('clinician@slagelse.demo', '10000000-0000-4000-8000-000000000001'::uuid, 'region_clinician'),
          ('manager@slagelse.demo', '10000000-0000-4000-8000-000000000001', 'region_manager'),
          ('staff@engen.demo', '20000000-0000-4000-8000-000000000001', 'facility_staff'),
          ('manager@engen.demo', '20000000-0000-4000-8000-000000000001', 'facility_manager'))
          AS d (email, org, role) ON d.email = u.email AND d.org = u.org_id AND d.role = u.role
       WHERE u.active AND u.password_hash IS NOT NULL) = 4),
    ('about 1 800 users', (SELECT count(*) BETWEEN 1700 AND 1900 FROM users)),
    ('2 000 000 conversations or more', (SELECT count(*) >= 2000000 FROM conversations)),
    ('open admissions: 500', (SELECT count(*) FROM admissions WHERE discharged_at IS NULL) = 500),
    ('planned visits in the coming weeks',
     (SELECT count(*) > 0 FROM visits WHERE status = 'planned' AND starts_at > now()
                                        AND starts_at < now() + interval '8 weeks')),
    ('Monday entries of this ISO week',
     (SELECT count(*) > 0 FROM monday_entries WHERE iso_week = iso_week_of(current_date)))
  ) AS x (rule, ok);

-- ---- verdict ----
DO $$
DECLARE
    failed text;
BEGIN
    SELECT string_agg(format('  %s | %s: %s', section, rule, bad), E'\n' ORDER BY section, rule)
      INTO failed FROM region_check WHERE bad <> 0 OR bad IS NULL;
    IF failed IS NOT NULL THEN
        RAISE EXCEPTION E'region check FAILED (rule: rows breaking it):\n%', failed;
    END IF;
END
$$;

SELECT format('region check OK: %s constraints (FOREIGN KEY and CHECK), %s trigger rules, %s shape checks',
              count(*) FILTER (WHERE section = 'constraints'),
              count(*) FILTER (WHERE section NOT IN ('constraints', 'shape')),
              count(*) FILTER (WHERE section = 'shape')) AS t
  FROM region_check \gset
\echo :t
-- exact row counts (and sizes, partitions included) of every table
SET client_min_messages = warning;
DROP TABLE IF EXISTS pg_temp.region_counts;
CREATE TEMP TABLE region_counts ("table" text, "rows" bigint, bytes bigint);
DO $$
DECLARE
    t record;
    n bigint;
BEGIN
    FOR t IN SELECT c.oid, c.relname FROM pg_class c
              WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
                AND NOT c.relispartition AND c.relname <> 'schema_migrations' LOOP
        EXECUTE format('SELECT count(*) FROM %s', t.oid::regclass) INTO n;
        INSERT INTO region_counts
        SELECT t.relname, n, coalesce((SELECT sum(pg_total_relation_size(p.relid))
                                          FROM pg_partition_tree(t.oid) p), pg_total_relation_size(t.oid));
    END LOOP;
END
$$;
\pset footer off
SELECT "table", to_char("rows", 'FM9G999G999') AS "rows", pg_size_pretty(bytes) AS "size"
  FROM region_counts ORDER BY bytes DESC, "table";
\pset footer on
SELECT format('tables and indexes: %s', pg_size_pretty(sum(bytes))) AS t FROM region_counts \gset
\echo :t
DROP TABLE region_counts;
DROP TABLE region_check;
