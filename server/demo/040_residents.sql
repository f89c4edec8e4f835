-- Demo caseload state: consents in every state, a safety risk, intensive periods with
-- their history, and twelve months of conversations (about 15 % no-shows) with short,
-- fictional shared summaries and clinical notes. Runs after 030_agreements.sql: when that
-- file has generated fixed visits, conversations are logged against them; otherwise they
-- fall on every other Wednesday with visit_id NULL.
--
-- Engen (F-ACT Slagelse):
--   Anders      sharing, relatives and named partners consented
--   Birthe      never consented to sharing (the facility sees no summaries)
--   Christian   sharing withdrawn 20 days ago; a safety risk is assessed
--   Dorthe      sharing consent expiring in three weeks; intensive (up, down, up again)
--   Emil        sharing consent expired
--   Fatima      sharing refused; intensive since a month
--   Gustav      relatives' consent withdrawn; an earlier intensive period, now standard
--   Hanne       sharing consented
-- Skoven (F-ACT Holbæk): Kasper intensive; Lone never consented; the others share.

-- ---- consents (recorded before the conversations, whose rules ask for them) ----

INSERT INTO consents (resident_id, team_id, facility_id, kind, granted, scope_note, partners,
                      valid_until, recorded_by, recorded_at)
SELECT c.resident_id::uuid, r.team_id, r.facility_id, c.kind, c.granted, c.scope_note,
       c.partners, c.valid_until, c.recorded_by::uuid, now() - c.days_ago * interval '1 day'
  FROM (VALUES
    ('40000000-0000-4000-8000-000000000001', 'share_summary_with_facility', true,
     'Resuméer må deles med kontaktpersonen og personalet på vagt.', '{}'::text[],
     NULL::date, '30000000-0000-4000-8000-000000000002', 300),
    ('40000000-0000-4000-8000-000000000001', 'relatives_may_attend', true,
     'Hans mor må deltage, når han beder om det.', '{}', NULL,
     '30000000-0000-4000-8000-000000000002', 300),
    ('40000000-0000-4000-8000-000000000001', 'partners_may_attend', true,
     'Kun de navngivne samarbejdspartnere.', '{Misbrugscenter Slagelse,Jobcenter Slagelse}', NULL,
     '30000000-0000-4000-8000-000000000005', 280),
    ('40000000-0000-4000-8000-000000000003', 'share_summary_with_facility', true, '', '{}',
     NULL, '30000000-0000-4000-8000-000000000002', 250),
    ('40000000-0000-4000-8000-000000000003', 'share_summary_with_facility', false,
     'Trukket tilbage af beboeren ved det faste besøg.', '{}', NULL,
     '30000000-0000-4000-8000-000000000002', 20),
    ('40000000-0000-4000-8000-000000000003', 'relatives_may_attend', true, 'Hans søster.',
     '{}', NULL, '30000000-0000-4000-8000-000000000005', 240),
    ('40000000-0000-4000-8000-000000000004', 'share_summary_with_facility', true,
     'Givet for en begrænset periode; skal fornyes.', '{}', current_date + 21,
     '30000000-0000-4000-8000-000000000002', 160),
    ('40000000-0000-4000-8000-000000000005', 'share_summary_with_facility', true, '', '{}',
     current_date - 10, '30000000-0000-4000-8000-000000000005', 380),
    ('40000000-0000-4000-8000-000000000006', 'share_summary_with_facility', false,
     'Ønsker ikke, at resuméer deles for nu.', '{}', NULL,
     '30000000-0000-4000-8000-000000000002', 100),
    ('40000000-0000-4000-8000-000000000007', 'share_summary_with_facility', true, '', '{}',
     NULL, '30000000-0000-4000-8000-000000000002', 330),
    ('40000000-0000-4000-8000-000000000007', 'relatives_may_attend', true, 'Hans bror.',
     '{}', NULL, '30000000-0000-4000-8000-000000000002', 200),
    ('40000000-0000-4000-8000-000000000007', 'relatives_may_attend', false, '', '{}', NULL,
     '30000000-0000-4000-8000-000000000005', 60),
    ('40000000-0000-4000-8000-000000000008', 'share_summary_with_facility', true, '', '{}',
     NULL, '30000000-0000-4000-8000-000000000005', 210),
    ('40000000-0000-4000-8000-000000000011', 'share_summary_with_facility', true, '', '{}',
     NULL, '30000000-0000-4000-8000-000000000003', 300),
    ('40000000-0000-4000-8000-000000000012', 'share_summary_with_facility', true, '', '{}',
     NULL, '30000000-0000-4000-8000-000000000006', 290),
    ('40000000-0000-4000-8000-000000000013', 'share_summary_with_facility', true, '', '{}',
     NULL, '30000000-0000-4000-8000-000000000003', 270),
    ('40000000-0000-4000-8000-000000000013', 'relatives_may_attend', true, 'Hans far.',
     '{}', NULL, '30000000-0000-4000-8000-000000000003', 270),
    ('40000000-0000-4000-8000-000000000015', 'share_summary_with_facility', true, '', '{}',
     NULL, '30000000-0000-4000-8000-000000000006', 120)
  ) AS c(resident_id, kind, granted, scope_note, partners, valid_until, recorded_by, days_ago)
  JOIN residents r ON r.id = c.resident_id::uuid;

-- ---- intensity (F-ACT board) with its history ----

INSERT INTO intensity_changes (resident_id, team_id, facility_id, from_level, to_level, reason,
                               changed_by, changed_at)
SELECT i.resident_id::uuid, r.team_id, r.facility_id, i.from_level, i.to_level, i.reason,
       i.changed_by::uuid, now() - i.days_ago * interval '1 day'
  FROM (VALUES
    ('40000000-0000-4000-8000-000000000004', 'standard', 'intensive',
     'Sover dårligt og er trukket ind i sig selv; ugentlig kontakt i en periode.',
     '30000000-0000-4000-8000-000000000002', 200),
    ('40000000-0000-4000-8000-000000000004', 'intensive', 'standard',
     'Stabil igen i seks uger.', '30000000-0000-4000-8000-000000000004', 150),
    ('40000000-0000-4000-8000-000000000004', 'standard', 'intensive',
     'Tidlige advarselstegn meldt i mandagsmailen.',
     '30000000-0000-4000-8000-000000000002', 12),
    ('40000000-0000-4000-8000-000000000006', 'standard', 'intensive',
     'Er holdt op med at tage medicin; tættere opfølgning aftalt med botilbuddet.',
     '30000000-0000-4000-8000-000000000002', 30),
    ('40000000-0000-4000-8000-000000000007', 'standard', 'intensive',
     'Efter udskrivelse fra afsnittet.', '30000000-0000-4000-8000-000000000002', 240),
    ('40000000-0000-4000-8000-000000000007', 'intensive', 'standard',
     'Faldet godt til igen; tilbage til de faste besøg.', '30000000-0000-4000-8000-000000000004', 190),
    ('40000000-0000-4000-8000-000000000013', 'standard', 'intensive',
     'Konflikter med andre beboere; hyppigere kontakt.',
     '30000000-0000-4000-8000-000000000003', 9)
  ) AS i(resident_id, from_level, to_level, reason, changed_by, days_ago)
  JOIN residents r ON r.id = i.resident_id::uuid;

UPDATE residents SET intensity = 'intensive', updated_at = now()
 WHERE id IN ('40000000-0000-4000-8000-000000000004', '40000000-0000-4000-8000-000000000006',
              '40000000-0000-4000-8000-000000000013');

UPDATE residents
   SET safety_risk = true,
       safety_note = 'Truende adfærd, når han er urolig. Kontaktpersonen deltager i alle møder.',
       safety_assessed_by = '30000000-0000-4000-8000-000000000002',
       safety_assessed_at = now() - interval '45 days', updated_at = now()
 WHERE id = '40000000-0000-4000-8000-000000000003';

-- ---- twelve months of conversations ----

DO $$
DECLARE
    res record;
    slot record;
    h integer;
    outcome text;
    conv uuid;
    clinician uuid;
    summaries text[] := ARRAY[
        'Talte om ugen og søvnen. Aftalt at holde fast i den daglige gåtur.',
        'Stabilt humør. Ønsker hjælp til at kontakte jobcentret.',
        'Talte om bivirkninger af medicinen; ingen ændring for nu.',
        'Urolig denne uge. Aftalt en rolig plan for weekenden.',
        'God samtale om kontakten til familien og planer for sommeren.',
        'Talte om pengebekymringer; kontaktpersonen hjælper med budgettet.'];
    notes text[] := ARRAY[
        'Ingen psykotiske symptomer observeret. Fortsætter nuværende behandling.',
        'Let øget angst. Følges op ved næste faste besøg.',
        'Fortæller om bivirkninger; overvej dosisjustering med psykiateren.',
        'Forstyrret søvn 3-4 nætter om ugen. Hold øje med tidlige advarselstegn.',
        'Stabil. Ingen selvmordstanker oplyst.',
        'Ambivalent over for behandlingen; motiverende samtale holdt.'];
BEGIN
    FOR res IN SELECT r.id, r.team_id, r.facility_id, r.contact_person_id, r.safety_risk,
                      r.intensity, consent_in_force(r.id, 'relatives_may_attend') AS rel,
                      consent_in_force(r.id, 'partners_may_attend') AS par
                 FROM residents r ORDER BY r.name LOOP
        SELECT u.id INTO clinician FROM users u
         WHERE u.org_id = res.team_id AND u.role = 'region_clinician' ORDER BY u.id LIMIT 1;
        CONTINUE WHEN clinician IS NULL;
        FOR slot IN
            -- the facility's fixed visits of the last year, if the agreement made them ...
            SELECT v.id AS visit_id, v.starts_at AS at, 'fixed_visit' AS kind
              FROM visits v
             WHERE v.team_id = res.team_id AND v.facility_id = res.facility_id
               AND v.kind = 'fixed' AND v.status <> 'cancelled'
               AND v.starts_at < now() AND v.starts_at > now() - interval '12 months'
            UNION ALL
            -- ... else every other Wednesday at 9:30 (local time)
            SELECT NULL, ((date_trunc('week', current_date)::date + 2 - 14 * k)
                          + time '09:30') AT TIME ZONE 'Europe/Copenhagen', 'fixed_visit'
              FROM generate_series(1, 26) k
             WHERE NOT EXISTS (SELECT 1 FROM visits v
                                WHERE v.team_id = res.team_id
                                  AND v.facility_id = res.facility_id AND v.kind = 'fixed'
                                  AND v.starts_at < now()
                                  AND v.starts_at > now() - interval '12 months')
            UNION ALL
            -- extra contacts in a current intensive period
            SELECT NULL, now() - k * interval '4 days' - interval '3 hours',
                   CASE WHEN k % 2 = 0 THEN 'phone' ELSE 'home' END
              FROM generate_series(1, 3) k WHERE res.intensity = 'intensive'
            ORDER BY 2
        LOOP
            h := abs(hashtext(res.id::text || slot.at::text)) % 100;
            -- not everyone is seen at every fixed visit
            CONTINUE WHEN slot.kind = 'fixed_visit' AND h >= 70;
            outcome := CASE WHEN h < 10 THEN 'no_show'
                            WHEN h < 13 THEN 'cancelled_by_resident'
                            WHEN h < 15 THEN 'cancelled_by_staff'
                            ELSE 'held' END;
            INSERT INTO conversations (visit_id, resident_id, team_id, facility_id, occurred_at,
                                       kind, outcome, clinician_ids, contact_person_present,
                                       staff_present_ids, relatives, partners, created_by,
                                       created_at, updated_at)
            VALUES (slot.visit_id, res.id, res.team_id, res.facility_id,
                    slot.at + (h % 6) * interval '20 minutes', slot.kind, outcome,
                    ARRAY[clinician],
                    res.contact_person_id IS NOT NULL AND (res.safety_risk OR h % 3 <> 0),
                    CASE WHEN res.safety_risk AND res.contact_person_id IS NULL
                         THEN ARRAY(SELECT u.id FROM users u WHERE u.org_id = res.facility_id
                                       AND u.role = 'facility_staff' ORDER BY u.id LIMIT 1)
                         ELSE '{}'::uuid[] END,
                    CASE WHEN outcome = 'held' AND res.rel AND h % 5 = 0
                         THEN ARRAY['Grethe (mor)'] ELSE '{}'::text[] END,
                    CASE WHEN outcome = 'held' AND res.par AND h % 7 = 1
                         THEN ARRAY['Misbrugscenter Slagelse'] ELSE '{}'::text[] END,
                    clinician, slot.at, slot.at)
            RETURNING id INTO conv;
            IF outcome = 'held' THEN
                INSERT INTO conversation_summaries (conversation_id, resident_id, team_id,
                                                    facility_id, body, written_by, written_at)
                VALUES (conv, res.id, res.team_id, res.facility_id,
                        summaries[1 + h % array_length(summaries, 1)], clinician, slot.at);
                INSERT INTO conversation_notes (conversation_id, resident_id, team_id,
                                                facility_id, body, written_by, written_at)
                VALUES (conv, res.id, res.team_id, res.facility_id,
                        notes[1 + (h / 7) % array_length(notes, 1)], clinician, slot.at);
            END IF;
        END LOOP;
    END LOOP;
END
$$;
