-- Demo agreements: one active agreement for each facility and the team serving it, signed
-- by both managers, running from about twelve months ago to seven weeks from now (so the
-- 60-day expiry reminder shows), with its year of fixed-presence visits (most past ones
-- held, a few cancelled) and its management meetings (Skoven's last one never held, so the
-- overdue reminder shows). Everything is relative to current_date.

-- The managers of F-ACT Holbæk and Bofællesskabet Skoven, who sign their agreement (kept if
-- another demo file already made them).
INSERT INTO users (id, email, name, role, org_id, password_hash) VALUES
    ('30000000-0000-4000-8000-000000000301', 'manager@holbaek.demo', 'Niels Bach',
     'region_manager', '10000000-0000-4000-8000-000000000002', :'demo_password_hash'),
    ('30000000-0000-4000-8000-000000000302', 'manager@skoven.demo', 'Hanne Friis',
     'facility_manager', '20000000-0000-4000-8000-000000000002', :'demo_password_hash')
ON CONFLICT DO NOTHING;

INSERT INTO agreements (id, team_id, facility_id, status, purpose, team_tasks, facility_tasks,
                        target_group, presence_every_weeks, presence_weekday, presence_start,
                        presence_end, contact_email, contact_phone, contact_video,
                        joins_morning_meetings, monday_mail_agreed, monday_mail_deadline,
                        monday_mail_notify_email, management_every_months, data_protection,
                        team_contact_user_id, facility_contact_user_id, valid_from, valid_to,
                        local_additions, created_by, created_at, updated_at, version)
VALUES
    ('a0000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001',
     '20000000-0000-4000-8000-000000000001', 'awaiting_signatures',
     'Beboerne på Engen skal opleve én sammenhængende indsats, hvor behandling og botilbud trækker i samme retning. Vi vil sammen forebygge indlæggelser, genindlæggelser og tvang.',
     'Teamet kommer fast hver anden onsdag formiddag, tager samtaler med de beboere, botilbuddet har meldt behov for, og øger kontakten i perioder med forværring.',
     'Engen sender mandagsmail inden kl. 12 om beboere med behov for samtale, kontaktpersonen deltager i samtalerne, og personalet besøger beboere under indlæggelse.',
     'Beboere på Engen med svær psykisk lidelse, som er tilknyttet F-ACT Slagelse.',
     2, 3, '09:00', '12:00', 'fact.slagelse@regionsjaelland.demo', '+45 58 55 00 00',
     'Teams-link i kalenderinvitationen', true, true, '12:00', 'fact.slagelse@regionsjaelland.demo',
     6,
     'Oplysninger deles kun med beboerens samtykke eller hvor loven giver adgang. Følsomme oplysninger sendes aldrig med almindelig e-mail.',
     '30000000-0000-4000-8000-000000000004', '30000000-0000-4000-8000-000000000005',
     current_date - 365, current_date + 50,
     'Teamet deltager i Engens morgenmøde den første onsdag i måneden.',
     '30000000-0000-4000-8000-000000000004', now() - interval '380 days',
     now() - interval '366 days', 3),
    ('a0000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000002',
     '20000000-0000-4000-8000-000000000002', 'awaiting_signatures',
     'Samarbejdet skal give beboerne på Skoven stabil behandling tæt på hjemmet og færre akutte indlæggelser.',
     'Teamet er fast til stede hver anden tirsdag eftermiddag og kan komme oftere, når en beboer er i en intensiv periode.',
     'Skoven melder status hver mandag, deltager i samtaler og holder kontakt med beboere, der er indlagt.',
     'Beboere på Skoven i behandling hos F-ACT Holbæk.',
     2, 2, '13:00', '15:00', 'fact.holbaek@regionsjaelland.demo', '+45 59 48 00 00', '',
     false, true, '12:00', 'fact.holbaek@regionsjaelland.demo', 6,
     'Parterne overholder tavshedspligten og deler kun det, beboeren har givet samtykke til.',
     NULL, '30000000-0000-4000-8000-000000000006',
     current_date - 360, current_date + 55, '',
     '30000000-0000-4000-8000-000000000003', now() - interval '375 days',
     now() - interval '361 days', 3);

INSERT INTO agreement_signatures (agreement_id, side, team_id, facility_id, user_id,
                                  signer_name, signer_role, signed_at)
SELECT a.id, s.side, a.team_id, a.facility_id, u.id, u.name, u.role,
       a.valid_from - s.days_before
  FROM agreements a
  CROSS JOIN (VALUES ('team', 'region_manager', 16), ('facility', 'facility_manager', 14))
             AS s (side, role, days_before)
  JOIN LATERAL (SELECT id, name, role FROM users
                 WHERE role = s.role
                   AND org_id = CASE s.side WHEN 'team' THEN a.team_id ELSE a.facility_id END
                 ORDER BY id LIMIT 1) u ON true
 WHERE a.id IN ('a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000002');

-- Both have signed: active (signatures are only accepted while awaiting them).
UPDATE agreements SET status = 'active'
 WHERE id IN ('a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000002');

-- The fixed presence: past occurrences mostly held, every seventh cancelled by hand.
INSERT INTO visits (team_id, facility_id, agreement_id, kind, series_date, starts_at, ends_at,
                    status, touched, note, version)
SELECT a.team_id, a.facility_id, a.id, 'fixed', d,
       (d + a.presence_start) AT TIME ZONE 'Europe/Copenhagen',
       (d + a.presence_end) AT TIME ZONE 'Europe/Copenhagen',
       CASE WHEN d >= current_date THEN 'planned'
            WHEN row_number() OVER w % 7 = 3 THEN 'cancelled' ELSE 'held' END,
       d < current_date AND row_number() OVER w % 7 = 3,
       CASE WHEN d < current_date AND row_number() OVER w % 7 = 3
            THEN 'Aflyst: sygdom i teamet' ELSE '' END,
       CASE WHEN d < current_date THEN 2 ELSE 1 END
  FROM agreements a, agreement_presence_dates(a) d
 WHERE a.id IN ('a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000002')
WINDOW w AS (PARTITION BY a.id ORDER BY d);

-- One extra visit at Engen in an intensive period, three weeks ago.
INSERT INTO visits (team_id, facility_id, agreement_id, kind, starts_at, ends_at, status, version)
VALUES ('10000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000001',
        'a0000000-0000-4000-8000-000000000001', 'extra',
        (current_date - 20 + time '14:00') AT TIME ZONE 'Europe/Copenhagen',
        (current_date - 20 + time '15:00') AT TIME ZONE 'Europe/Copenhagen', 'held', 2);

-- Management meetings every six months; Skoven's latest past one was never held.
INSERT INTO meetings (team_id, facility_id, agreement_id, kind, title, series_date, starts_at,
                      ends_at, location, status, version)
SELECT a.team_id, a.facility_id, a.id, 'management', 'Ledelsessamarbejdsmøde', d,
       (d + time '13:00') AT TIME ZONE 'Europe/Copenhagen',
       (d + time '14:30') AT TIME ZONE 'Europe/Copenhagen',
       'Mødelokalet på botilbuddet',
       CASE WHEN d >= current_date THEN 'planned'
            WHEN a.id = 'a0000000-0000-4000-8000-000000000002'
                 AND d > current_date - 200 THEN 'planned'
            ELSE 'held' END,
       CASE WHEN d < current_date THEN 2 ELSE 1 END
  FROM agreements a, agreement_management_dates(a) d
 WHERE a.id IN ('a0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000002');
