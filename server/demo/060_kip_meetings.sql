-- Demo KIPs, KIP reviews, network meetings and the shared annual wheel (theme meetings and
-- teaching) of Botilbuddet Engen and F-ACT Slagelse, relative to current_date.

-- Anders Bjerregaard: a KIP started by the team and revised by the facility.
INSERT INTO kip_versions (id, resident_id, team_id, facility_id, version, coordinator_org_id,
                          coordinator_user_id, status, resident_goal, goals, participants,
                          next_review, created_by, created_at) VALUES
    ('60000000-0000-4000-8000-000000000001', '40000000-0000-4000-8000-000000000001',
     '10000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000001', 1,
     '10000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000002', 'draft',
     'Have et arbejde igen og se min søster oftere.',
     '[{"title": "Fast døgnrytme", "status": "open", "sub_goals": [], "actions": [
         {"action": "Morgentur tre dage om ugen", "responsible": "Kontaktperson",
          "responsible_side": "municipality", "due_date": null, "status": "open"}]}]',
     '{"necessary": [{"role": "resident"}, {"role": "outpatient_psychiatry", "organisation": "F-ACT Slagelse"}],
       "as_needed": []}',
     current_date + 30, '30000000-0000-4000-8000-000000000002', now() - interval '120 days'),
    ('60000000-0000-4000-8000-000000000002', '40000000-0000-4000-8000-000000000001',
     '10000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000001', 2,
     '20000000-0000-4000-8000-000000000001', '30000000-0000-4000-8000-000000000005', 'active',
     'Have et arbejde igen og se min søster oftere.',
     '[{"title": "Fast døgnrytme", "status": "open",
        "sub_goals": [{"title": "Oppe før kl. 10 på hverdage", "status": "open", "actions": [
            {"action": "Vækkeur og morgenmad sammen", "responsible": "Kontaktperson",
             "responsible_side": "municipality", "due_date": null, "status": "in_progress"}]}],
        "actions": [
         {"action": "Morgentur tre dage om ugen", "responsible": "Kontaktperson",
          "responsible_side": "municipality", "due_date": null, "status": "in_progress"}]},
       {"title": "Arbejde eller aktivitet", "status": "open", "sub_goals": [], "actions": [
         {"action": "Møde med jobcentret om en mentor", "responsible": "Sofie Andersen",
          "responsible_side": "municipality", "due_date": "2099-01-01", "status": "open"},
         {"action": "Gennemgang af medicinen før opstart", "responsible": "Camilla Kristensen",
          "responsible_side": "region", "due_date": null, "status": "done"}]}]',
     '{"necessary": [{"role": "resident"}, {"role": "relative", "name": "Søster"},
                     {"role": "outpatient_psychiatry", "organisation": "F-ACT Slagelse"},
                     {"role": "general_practitioner", "organisation": "Lægehuset Slagelse"}],
       "as_needed": [{"role": "job_centre", "organisation": "Jobcenter Slagelse"},
                     {"role": "mentor"}]}',
     current_date + 60, '30000000-0000-4000-8000-000000000005', now() - interval '30 days');

-- Birthe Damgaard: a plan coordinated by the team.
INSERT INTO kip_versions (resident_id, team_id, facility_id, version, coordinator_org_id,
                          status, resident_goal, goals, participants, next_review, created_by,
                          created_at) VALUES
    ('40000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000001',
     '20000000-0000-4000-8000-000000000001', 1, '10000000-0000-4000-8000-000000000001',
     'active', 'Færre indlæggelser.',
     '[{"title": "Plan for tidlige tegn", "status": "open", "sub_goals": [], "actions": [
         {"action": "Skriv planen for tidlige tegn sammen", "responsible": "F-ACT",
          "responsible_side": "region", "due_date": null, "status": "open"}]}]',
     '{"necessary": [{"role": "resident"}, {"role": "substance_treatment"}], "as_needed": [{"role": "psp"}]}',
     current_date + 14, '30000000-0000-4000-8000-000000000002', now() - interval '200 days');

-- KIP reviews over the year: the outcome report's measures.
INSERT INTO kip_reviews (resident_id, team_id, facility_id, reviewed_at, in_treatment_contact,
                         stable_housing, work_or_activity, social_network, note, recorded_by) VALUES
    ('40000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001',
     '20000000-0000-4000-8000-000000000001', current_date - 110, true, true, false, false,
     'Første opfølgning.', '30000000-0000-4000-8000-000000000002'),
    ('40000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001',
     '20000000-0000-4000-8000-000000000001', current_date - 20, true, true, true, false,
     'Er startet på værkstedet to dage om ugen.', '30000000-0000-4000-8000-000000000005'),
    ('40000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000001',
     '20000000-0000-4000-8000-000000000001', current_date - 190, false, true, false, true,
     '', '30000000-0000-4000-8000-000000000002'),
    ('40000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000001',
     '20000000-0000-4000-8000-000000000001', current_date - 40, true, true, false, true,
     '', '30000000-0000-4000-8000-000000000002');

-- The annual wheel: theme meetings and teaching of the pair, with minutes once held.
INSERT INTO meetings (team_id, facility_id, kind, title, starts_at, ends_at, location, status,
                      minutes, decisions)
SELECT '10000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000001',
       e.kind, e.title,
       (date_trunc('month', current_date) + e.month_offset * interval '1 month' + interval '13 days 13 hours'),
       (date_trunc('month', current_date) + e.month_offset * interval '1 month' + interval '13 days 15 hours'),
       'Botilbuddet Engen, fælleslokalet',
       CASE WHEN e.month_offset < 0 THEN 'held' ELSE 'planned' END,
       CASE WHEN e.month_offset < 0 THEN 'Oplæg og drøftelse; spørgsmål samlet til næste gang.' ELSE '' END,
       CASE WHEN e.month_offset < 0 THEN 'Slides delt med alle medarbejdere.' ELSE '' END
  FROM (VALUES ('theme', 'Tema: tidlige tegn på tilbagefald', -9),
               ('teaching', 'Undervisning: antipsykotisk medicin og bivirkninger', -7),
               ('theme', 'Tema: rusmidler og psykose', -5),
               ('teaching', 'Undervisning: deeskalering', -3),
               ('theme', 'Tema: pårørende som ressource', -1),
               ('teaching', 'Undervisning: KIP i praksis', 1),
               ('theme', 'Tema: året der gik', 2),
               ('other', 'Fælles sommerfrokost', 6)) AS e(kind, title, month_offset);

-- A network meeting about Anders (resident data: visible to the pair only).
INSERT INTO meetings (id, team_id, facility_id, resident_id, kind, title, starts_at, ends_at,
                      location, status, minutes, decisions) VALUES
    ('61000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000001',
     '20000000-0000-4000-8000-000000000001', '40000000-0000-4000-8000-000000000001', 'network',
     'Netværksmøde', date_trunc('day', now()) - interval '45 days' + interval '10 hours',
     date_trunc('day', now()) - interval '45 days' + interval '11 hours', 'Engen', 'held',
     'Gennemgik KIP; beboeren ønsker en mentor.', 'Botilbuddet kontakter jobcentret.'),
    ('61000000-0000-4000-8000-000000000002', '10000000-0000-4000-8000-000000000001',
     '20000000-0000-4000-8000-000000000001', '40000000-0000-4000-8000-000000000001', 'network',
     'Netværksmøde', date_trunc('day', now()) + interval '20 days' + interval '10 hours',
     date_trunc('day', now()) + interval '20 days' + interval '11 hours', 'Engen', 'planned',
     '', '');

-- Who took part in the network meetings: the resident, the contact person (municipality)
-- and the clinician (region).
INSERT INTO meeting_participants (meeting_id, team_id, facility_id, user_id, external_name,
                                  kind, side, role, added_by)
SELECT m.id, m.team_id, m.facility_id, p.user_id, p.external_name, p.kind, p.side, p.role,
       '30000000-0000-4000-8000-000000000005'
  FROM meetings m,
       (VALUES (NULL::uuid, NULL::text, 'resident', 'resident', ''),
               ('30000000-0000-4000-8000-000000000005'::uuid, NULL, 'staff', 'municipality', 'Kontaktperson'),
               ('30000000-0000-4000-8000-000000000002'::uuid, NULL, 'staff', 'region', 'Behandlingsansvarlig'))
           AS p(user_id, external_name, kind, side, role)
 WHERE m.id IN ('61000000-0000-4000-8000-000000000001', '61000000-0000-4000-8000-000000000002');
