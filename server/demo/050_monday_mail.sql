-- Demo Monday mails and admissions, relative to current_date.
-- Engen: this week's mail half written (four of eight residents, not sent); the six weeks
-- before sent, on Monday morning except three weeks ago (sent Tuesday afternoon: late), the
-- team has opened all but the last. Skoven: the last two weeks sent.
-- Admissions: Christian Vestergaard forced, then readmitted voluntarily within 30 days;
-- Emil Gregersen forced; Gustav Iversen admitted now with two visits from Engen; Hanne Juhl
-- long ago; Jytte Laursen (Skoven) forced.

-- ---- this week's draft at Engen ----
INSERT INTO monday_entries (resident_id, iso_week, needs_talk, priority, status_text, author_id,
                            team_id, facility_id, updated_at)
SELECT r.id, iso_week_of(current_date), e.talk, e.priority, e.status,
       '30000000-0000-4000-8000-000000000005', r.team_id, r.facility_id, now() - interval '2 hours'
  FROM (VALUES
        ('40000000-0000-4000-8000-000000000001'::uuid, true, 'high',
         'Sover dårligt og har trukket sig fra fællesspisningen. Ønsker at tale med teamet om medicinen.'),
        ('40000000-0000-4000-8000-000000000002'::uuid, false, 'low',
         'Stabil uge. Har været med på tur til stranden.'),
        ('40000000-0000-4000-8000-000000000004'::uuid, true, 'normal',
         'Spørger selv efter en samtale om sin dagligdag og økonomi.'),
        ('40000000-0000-4000-8000-000000000006'::uuid, false, 'normal',
         'Rolig, passer sit arbejde i værkstedet.')) AS e (resident, talk, priority, status)
  JOIN residents r ON r.id = e.resident;

-- ---- earlier weeks: entries first, then the mail that sent them ----
INSERT INTO monday_entries (resident_id, iso_week, needs_talk, priority, status_text, author_id,
                            team_id, facility_id, created_at, updated_at)
SELECT r.id, iso_week_of(current_date - 7 * w), (w + k) % 3 = 0,
       (ARRAY['low', 'normal', 'high'])[1 + (w + k) % 3],
       (ARRAY['Stabil uge uden bemærkninger.', 'Lidt urolig om natten, ellers god.',
              'Ønsker en samtale om sin behandling.'])[1 + (w + k) % 3],
       '30000000-0000-4000-8000-000000000005', r.team_id, r.facility_id,
       (date_trunc('week', current_date - 7 * w)::date + time '08:30') AT TIME ZONE 'Europe/Copenhagen',
       (date_trunc('week', current_date - 7 * w)::date + time '08:45') AT TIME ZONE 'Europe/Copenhagen'
  FROM generate_series(1, 6) AS w
 CROSS JOIN (VALUES (1, '40000000-0000-4000-8000-000000000001'::uuid),
                    (2, '40000000-0000-4000-8000-000000000003'::uuid),
                    (3, '40000000-0000-4000-8000-000000000005'::uuid),
                    (4, '40000000-0000-4000-8000-000000000008'::uuid)) AS e (k, resident)
  JOIN residents r ON r.id = e.resident;

INSERT INTO monday_entries (resident_id, iso_week, needs_talk, priority, status_text, author_id,
                            team_id, facility_id)
SELECT r.id, iso_week_of(current_date - 7 * w), k = 1, 'normal',
       CASE WHEN k = 1 THEN 'Vil gerne tale om at flytte i egen lejlighed.' ELSE 'God uge.' END,
       '30000000-0000-4000-8000-000000000006', r.team_id, r.facility_id
  FROM generate_series(1, 2) AS w
 CROSS JOIN (VALUES (1, '40000000-0000-4000-8000-000000000011'::uuid),
                    (2, '40000000-0000-4000-8000-000000000013'::uuid)) AS e (k, resident)
  JOIN residents r ON r.id = e.resident;

INSERT INTO monday_mails (facility_id, team_id, iso_week, sent_at, sent_by, talk_count,
                          notify_status, notified_at)
SELECT m.facility_id, m.team_id, iso_week_of(current_date - 7 * w), s.at, m.sender,
       (SELECT count(*) FROM monday_entries e
         WHERE e.facility_id = m.facility_id AND e.needs_talk
           AND e.iso_week = iso_week_of(current_date - 7 * w)),
       'sent', s.at
  FROM (VALUES ('20000000-0000-4000-8000-000000000001'::uuid,
                '10000000-0000-4000-8000-000000000001'::uuid,
                '30000000-0000-4000-8000-000000000005'::uuid, 6),
               ('20000000-0000-4000-8000-000000000002'::uuid,
                '10000000-0000-4000-8000-000000000002'::uuid,
                '30000000-0000-4000-8000-000000000006'::uuid, 2))
       AS m (facility_id, team_id, sender, weeks)
 CROSS JOIN LATERAL generate_series(1, m.weeks) AS w
 CROSS JOIN LATERAL (SELECT CASE WHEN w = 3 THEN
                                (date_trunc('week', current_date - 7 * w)::date + 1 + time '14:20')
                            ELSE (date_trunc('week', current_date - 7 * w)::date + time '09:05')
                            END AT TIME ZONE 'Europe/Copenhagen' AS at) AS s;

INSERT INTO monday_mail_opens (mail_id, team_id, facility_id, opened_by, opened_at)
SELECT m.id, m.team_id, m.facility_id, '30000000-0000-4000-8000-000000000002',
       m.sent_at + interval '3 hours'
  FROM monday_mails m
 WHERE m.facility_id = '20000000-0000-4000-8000-000000000001' AND m.sent_at IS NOT NULL
   AND m.iso_week <> iso_week_of(current_date - 7);

-- ---- admissions ----
INSERT INTO admissions (id, resident_id, team_id, facility_id, admitted_at, discharged_at, ward,
                        forced, recorded_by, discharged_by)
SELECT a.id, a.resident, r.team_id, r.facility_id,
       (current_date - a.in_days + a.at_time) AT TIME ZONE 'Europe/Copenhagen',
       CASE WHEN a.out_days IS NOT NULL THEN
            (current_date - a.out_days + time '11:00') AT TIME ZONE 'Europe/Copenhagen' END,
       a.ward, a.forced, a.recorder,
       CASE WHEN a.out_days IS NOT NULL THEN a.recorder END
  FROM (VALUES
        ('50000000-0000-4000-8000-000000000001'::uuid, '40000000-0000-4000-8000-000000000003'::uuid,
         121, 101, time '22:40', 'Psykiatrisk afsnit S2, Slagelse', true,
         '30000000-0000-4000-8000-000000000005'::uuid),
        ('50000000-0000-4000-8000-000000000002'::uuid, '40000000-0000-4000-8000-000000000003'::uuid,
         83, 69, time '16:15', 'Psykiatrisk afsnit S2, Slagelse', false,
         '30000000-0000-4000-8000-000000000002'::uuid),
        ('50000000-0000-4000-8000-000000000003'::uuid, '40000000-0000-4000-8000-000000000005'::uuid,
         40, 29, time '02:10', 'Psykiatrisk akutmodtagelse, Roskilde', true,
         '30000000-0000-4000-8000-000000000005'::uuid),
        ('50000000-0000-4000-8000-000000000004'::uuid, '40000000-0000-4000-8000-000000000007'::uuid,
         5, NULL, time '19:30', 'Psykiatrisk afsnit S1, Slagelse', false,
         '30000000-0000-4000-8000-000000000002'::uuid),
        ('50000000-0000-4000-8000-000000000005'::uuid, '40000000-0000-4000-8000-000000000008'::uuid,
         210, 196, time '10:00', 'Psykiatrisk afsnit S1, Slagelse', false,
         '30000000-0000-4000-8000-000000000002'::uuid),
        ('50000000-0000-4000-8000-000000000006'::uuid, '40000000-0000-4000-8000-000000000012'::uuid,
         62, 47, time '23:50', 'Psykiatrisk afsnit, Holbæk', true,
         '30000000-0000-4000-8000-000000000006'::uuid))
       AS a (id, resident, in_days, out_days, at_time, ward, forced, recorder)
  JOIN residents r ON r.id = a.resident;

INSERT INTO admission_visits (admission_id, resident_id, team_id, facility_id, visited_at,
                              visited_by, note)
SELECT a.id, a.resident_id, a.team_id, a.facility_id,
       (current_date - v.days_ago + time '14:00') AT TIME ZONE 'Europe/Copenhagen',
       '30000000-0000-4000-8000-000000000005', v.note
  FROM admissions a
 CROSS JOIN (VALUES (3, 'Besøg med rent tøj og post hjemmefra.'),
                    (1, 'Kort besøg; aftalt udskrivningsmøde med afsnittet.')) AS v (days_ago, note)
 WHERE a.id = '50000000-0000-4000-8000-000000000004';
