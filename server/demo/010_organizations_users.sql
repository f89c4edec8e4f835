-- Demo organisations and users. Loaded by ./dev into an empty database only,
-- never by migrations. Every demo password is "demo-password"; its Argon2id hash
-- is passed in by ./dev as the psql variable demo_password_hash.

INSERT INTO organizations (id, kind, name, address, authority, serving_team_id) VALUES
    ('10000000-0000-4000-8000-000000000001', 'team', 'F-ACT Slagelse',
     'Fælledvej 11, 4200 Slagelse', 'Region Sjælland', NULL),
    ('10000000-0000-4000-8000-000000000002', 'team', 'F-ACT Holbæk',
     'Smedelundsgade 60, 4300 Holbæk', 'Region Sjælland', NULL),
    ('10000000-0000-4000-8000-000000000099', 'operations', 'Samspil drift',
     'Alléen 15, 4180 Sorø', 'Region Sjælland', NULL);
INSERT INTO organizations (id, kind, name, address, authority, serving_team_id) VALUES
    ('20000000-0000-4000-8000-000000000001', 'facility', 'Botilbuddet Engen',
     'Engvej 4, 4200 Slagelse', 'Slagelse Kommune', '10000000-0000-4000-8000-000000000001'),
    ('20000000-0000-4000-8000-000000000002', 'facility', 'Bofællesskabet Skoven',
     'Skovbrynet 21, 4300 Holbæk', 'Holbæk Kommune', '10000000-0000-4000-8000-000000000002');

INSERT INTO users (id, email, name, role, org_id, password_hash) VALUES
    ('30000000-0000-4000-8000-000000000001', 'admin@samspil.demo', 'Ada Administrator',
     'admin', '10000000-0000-4000-8000-000000000099', :'demo_password_hash'),
    ('30000000-0000-4000-8000-000000000002', 'clinician@slagelse.demo', 'Camilla Kristensen',
     'region_clinician', '10000000-0000-4000-8000-000000000001', :'demo_password_hash'),
    ('30000000-0000-4000-8000-000000000003', 'clinician@holbaek.demo', 'Henrik Lund',
     'region_clinician', '10000000-0000-4000-8000-000000000002', :'demo_password_hash'),
    ('30000000-0000-4000-8000-000000000004', 'manager@slagelse.demo', 'Mette Sørensen',
     'region_manager', '10000000-0000-4000-8000-000000000001', :'demo_password_hash'),
    ('30000000-0000-4000-8000-000000000005', 'staff@engen.demo', 'Sofie Andersen',
     'facility_staff', '20000000-0000-4000-8000-000000000001', :'demo_password_hash'),
    ('30000000-0000-4000-8000-000000000006', 'staff@skoven.demo', 'Jonas Madsen',
     'facility_staff', '20000000-0000-4000-8000-000000000002', :'demo_password_hash'),
    ('30000000-0000-4000-8000-000000000007', 'manager@engen.demo', 'Lise Holm',
     'facility_manager', '20000000-0000-4000-8000-000000000001', :'demo_password_hash');
