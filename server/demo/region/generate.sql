-- Region-scale data for Samspil: 30 F-ACT teams, 300 facilities, 10 000 residents and five
-- years of their collaboration (about 3 GB), in Samspil's own schema, relative to now().
--
-- Run by `./dev run --scale region` and `./dev bench --scale region` after the migrations and
-- the demo data (server/demo/*.sql), as the owner (a superuser), in ONE transaction together
-- with check.sql:
--   psql -v ON_ERROR_STOP=1 --single-transaction -v demo_password_hash=... \
--        -f server/demo/region/generate.sql -f server/demo/region/check.sql
-- followed by VACUUM (ANALYZE). One transaction: all of it or none, and now() is one instant
-- for every row. demo_password_hash is optional: given, generated users log in with
-- "demo-password" too; without it their password_hash is NULL.
--
-- What it builds on and adds to:
--   F-ACT Slagelse (demo) becomes the big team: 300 residents over the 10 facilities it
--   serves; Botilbuddet Engen (demo) has 60 residents (its 8 + 52); the demo log-ins keep
--   working and belong to those. F-ACT Holbæk and Bofællesskabet Skoven stay as they are.
--   28 more teams, 298 more facilities, ~1 780 more users, 9 987 more residents.
--   Generated rows belong to generated residents and pairs only; the demo residents keep
--   their stories (server/demo/040_residents.sql).
--
-- Deterministic: no random(); every choice is a hash of the row's index (pg_temp.h), every
-- id md5('region-<what>-<index>')::uuid. Set-based: INSERT ... SELECT over generate_series.
-- Triggers and foreign keys are skipped for speed (session_replication_role = replica),
-- except on audit_log, whose triggers fill derived columns; the big tables' secondary indexes
-- are dropped for the load and built again from their catalogue definitions at the end; then
-- ANALYZE. check.sql then verifies every constraint and every rule the triggers enforce.
-- About two and a half minutes on two cores (each step prints the time since the start).

\set ON_ERROR_STOP on
-- generated residents (the demo has 13; 10 000 in all)
\set R 9987

SET session_replication_role = replica;
SET max_parallel_workers_per_gather = 0;
SET work_mem = '256MB';
SET maintenance_work_mem = '512MB';
SET TIME ZONE 'UTC';

-- One transaction, or now() would drift between statements and a failure would leave half.
CREATE TEMP TABLE g_guard ON COMMIT DROP AS SELECT 1 AS one;
DO $$
BEGIN
    IF to_regclass('pg_temp.g_guard') IS NULL THEN
        RAISE EXCEPTION 'run generate.sql in one transaction (psql --single-transaction)';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM organizations WHERE id = '10000000-0000-4000-8000-000000000001')
       OR NOT EXISTS (SELECT 1 FROM organizations WHERE id = '20000000-0000-4000-8000-000000000001') THEN
        RAISE EXCEPTION 'load the demo data (server/demo/*.sql) first';
    END IF;
    IF EXISTS (SELECT 1 FROM organizations WHERE id = md5('region-team-3')::uuid) THEN
        RAISE EXCEPTION 'the region data is already loaded';
    END IF;
END
$$;

\if :{?demo_password_hash}
SELECT set_config('region.password_hash', :'demo_password_hash', false) \gset pw_
\else
SELECT set_config('region.password_hash', '', false) \gset pw_
\endif

SELECT to_char(clock_timestamp() - now(), 'MI:SS') AS t \gset
\echo '  region data' :t 'helpers'
-- ---- helpers (inlined by the planner: single-expression SQL functions) ----

-- a non-negative 31-bit hash of an index
CREATE FUNCTION pg_temp.h(bigint) RETURNS integer LANGUAGE sql IMMUTABLE
    AS 'SELECT hashint8($1) & 2147483647';

-- a local (Copenhagen) wall-clock time as timestamptz
CREATE FUNCTION pg_temp.cph(date, time) RETURNS timestamptz LANGUAGE sql IMMUTABLE
    AS $$ SELECT ($1 + $2) AT TIME ZONE 'Europe/Copenhagen' $$;

CREATE FUNCTION pg_temp.first_name(integer) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT (ARRAY['Anders', 'Anna', 'Bente', 'Bo', 'Camilla', 'Carsten', 'Dorte', 'Emil', 'Erik',
                  'Freja', 'Frederik', 'Gitte', 'Hans', 'Helle', 'Ida', 'Jakob', 'Jens', 'Jette',
                  'Julie', 'Kasper', 'Karen', 'Kim', 'Kirsten', 'Lars', 'Laura', 'Lene', 'Lone',
                  'Mads', 'Maja', 'Martin', 'Mette', 'Michael', 'Mikkel', 'Morten', 'Nanna',
                  'Niels', 'Ole', 'Peter', 'Pia', 'Rasmus', 'Rikke', 'Sara', 'Signe', 'Simon',
                  'Sofie', 'Søren', 'Thomas', 'Tina', 'Torben', 'Ulla', 'Vibeke', 'Viktor',
                  'Aase', 'Øjvind', 'Åse', 'Birgitte', 'Jørgen', 'Bjørn', 'Malene', 'Henrik'])[1 + $1 % 60]
$$;
CREATE FUNCTION pg_temp.last_name(integer) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT (ARRAY['Jensen', 'Nielsen', 'Hansen', 'Pedersen', 'Andersen', 'Christensen', 'Larsen',
                  'Sørensen', 'Rasmussen', 'Jørgensen', 'Petersen', 'Madsen', 'Kristensen', 'Olsen',
                  'Thomsen', 'Christiansen', 'Poulsen', 'Johansen', 'Møller', 'Mortensen', 'Knudsen',
                  'Jakobsen', 'Mikkelsen', 'Olesen', 'Frederiksen', 'Laursen', 'Henriksen', 'Lund',
                  'Schmidt', 'Eriksen', 'Holm', 'Kristiansen', 'Clausen', 'Simonsen', 'Svendsen',
                  'Andreasen', 'Iversen', 'Jeppesen', 'Vestergaard', 'Mogensen', 'Nissen',
                  'Lauridsen', 'Jespersen', 'Frandsen', 'Østergaard', 'Kjær', 'Dahl', 'Bach',
                  'Søndergaard', 'Bertelsen'])[1 + $1 % 50]
$$;
CREATE FUNCTION pg_temp.person(integer) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT pg_temp.first_name($1) || ' ' || pg_temp.last_name($1 / 60) $$;

-- A shared summary: three sentences (200-400 characters), what the facility may be told.
CREATE FUNCTION pg_temp.summary_sentences() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY[
        'Vi talte om ugen, der er gået, og om søvnen. Beboeren vil fortsætte med gåturen hver formiddag.',
        'Humøret er mere stabilt end sidst. Beboeren ønsker hjælp til at kontakte jobcentret om et forløb.',
        'Vi gennemgik medicinen og bivirkningerne. Der ændres ikke noget lige nu, vi følger op næste gang.',
        'Beboeren har været urolig i denne uge. Vi aftalte en rolig plan for weekenden med kontaktpersonen.',
        'God samtale om kontakten til familien og om planerne for sommeren, som beboeren glæder sig til.',
        'Vi talte om bekymringer for økonomien. Kontaktpersonen hjælper med budgettet i den kommende uge.',
        'Beboeren fortæller, at det går bedre med at komme op om morgenen og spise morgenmad med de andre.',
        'Vi drøftede, hvordan beboeren kan deltage mere i fællesskabet, for eksempel ved fællesspisningen.',
        'Beboeren er glad for værkstedet og vil gerne øge til tre dage om ugen. Vi støtter op om det.',
        'Samtalen handlede om tidlige tegn på forværring, og hvad personalet kan gøre, hvis de ses igen.',
        'Beboeren ønsker at se sin søster oftere. Vi hjælper med at planlægge et besøg i den kommende måned.',
        'Vi aftalte, at beboeren selv tager kontakt til teamet, hvis tankerne bliver for mange om aftenen.',
        'Beboeren har haft en god periode og trives i hverdagen. Vi fortsætter med de faste samtaler.',
        'Der var tale om konflikter med en anden beboer. Vi aftalte, hvordan personalet kan hjælpe med det.',
        'Beboeren er træt af medicinen og overvejer at trappe ned. Det tager vi op med lægen næste gang.',
        'Vi talte om rygning og motion. Beboeren vil prøve at gå en tur med kontaktpersonen to gange om ugen.',
        'Beboeren har sovet uroligt, men har selv fundet ro ved at lytte til musik. Vi fortsætter som aftalt.',
        'Vi gennemgik ugeskemaet sammen. Beboeren ønsker faste tider til indkøb og rengøring af lejligheden.',
        'Beboeren fortalte om et godt besøg hos familien. Næste samtale handler om planerne for efteråret.',
        'Samtalen blev kort, fordi beboeren var træt. Vi aftalte at tale videre ved næste faste besøg.',
        'Vi talte om at flytte i egen bolig på sigt. Beboeren vil gerne se på muligheder sammen med os.',
        'Beboeren har været mere tilbagetrukket. Personalet tilbyder daglig kontakt, og vi ses igen snart.',
        'Beboeren beskriver færre stemmer og mere ro. Vi glæder os sammen over fremskridtet i behandlingen.',
        'Vi talte om kosten og vægten. Beboeren vil gerne have hjælp fra køkkenet til sundere aftensmad.']
$$;
CREATE FUNCTION pg_temp.summary_text(integer) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT (pg_temp.summary_sentences())[1 + $1 % 24] || ' ' || (pg_temp.summary_sentences())[1 + ($1 / 24) % 24]
           || ' ' || (pg_temp.summary_sentences())[1 + ($1 / 576) % 24]
$$;

-- A clinical note: three sentences (200-400 characters), the team's own record.
CREATE FUNCTION pg_temp.note_sentences() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY[
        'Ingen psykotiske symptomer observeret under samtalen. Fortsætter uændret antipsykotisk behandling.',
        'Let øget angstniveau, især om aftenen. Revurderes ved næste faste besøg sammen med kontaktpersonen.',
        'Beskriver bivirkninger i form af træthed og vægtøgning. Overvej dosisjustering ved lægesamtale.',
        'Søvnen er forstyrret tre til fire nætter om ugen. Opmærksom på tidlige tegn på tilbagefald.',
        'Stabil tilstand. Ingen selvmordstanker, ingen tanker om at skade andre. Risikovurdering uændret.',
        'Ambivalent over for behandlingen. Motiverende samtale gennemført med fokus på egne mål og ønsker.',
        'Tydeligt formelt tankeforstyrret og let mistænksom over for personalet. Tæt opfølgning aftalt.',
        'Har i perioden haft et øget forbrug af hash. Tilbudt kontakt til misbrugsbehandlingen, overvejer.',
        'Blodprøver taget til kontrol af lithium og nyretal. Svar følges op af teamets læge i næste uge.',
        'Affekten er afdæmpet, men kontakten er god. Ingen hallucinationer beskrevet siden sidste samtale.',
        'Tager medicinen som aftalt ifølge personalet. Depotinjektion givet i dag uden komplikationer.',
        'Beskriver stemmer, der kommenterer, men de fylder mindre end tidligere. Fortsætter samme plan.',
        'Let opstemt og talende, sover fem timer pr. nat. Opmærksom på udvikling mod mani, ses om en uge.',
        'Ingen tegn på forværring. Drøftet mulig nedtrapning af benzodiazepin over de kommende måneder.',
        'Udtrykker håbløshed, men afviser konkrete selvmordstanker. Risikovurdering foretaget, lav risiko.',
        'EKG taget på grund af QTc-forlængelse ved sidste måling. Resultat normalt, behandling fortsætter.',
        'God effekt af den nye dosis. Færre negative symptomer, mere initiativ i hverdagen ifølge personalet.',
        'Mistænker manglende medicinindtag. Aftalt at personalet observerer indtagelsen de næste to uger.',
        'Vægt og blodtryk målt. Let forhøjet blodtryk, egen læge orienteres med beboerens samtykke.',
        'Samtalen afbrudt efter kort tid pga. uro. Fornyet kontakt tilbudt i morgen ved teamets besøg.',
        'Drøftet kriseplan og tidlige advarselstegn. Kriseplanen revideret og udleveret til beboeren.',
        'Ingen aktuel misbrugsproblematik. Arbejder videre med struktur i hverdagen og social kontakt.',
        'Oplever bedre koncentration og læser igen. Kognitiv træning fortsætter hos ergoterapeuten.',
        'Øget irritabilitet og konflikter med medbeboere. Intensiveret kontakt overvejes ved teammødet.']
$$;
CREATE FUNCTION pg_temp.note_text(integer) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT (pg_temp.note_sentences())[1 + $1 % 24] || ' ' || (pg_temp.note_sentences())[1 + ($1 / 24) % 24]
           || ' ' || (pg_temp.note_sentences())[1 + ($1 / 576) % 24]
$$;

-- A Monday-mail status line.
CREATE FUNCTION pg_temp.status_text(integer) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT (ARRAY[
        'Stabil uge uden bemærkninger.',
        'Lidt urolig om natten, ellers en god uge.',
        'Ønsker en samtale om sin medicin.',
        'Har trukket sig fra fællesspisningen i denne uge og virker træt.',
        'Har passet sit arbejde i værkstedet alle dage.',
        'Spørger selv efter en samtale om sin dagligdag og økonomi.',
        'Har haft besøg af familien og er glad for det.',
        'Sover dårligt og har haft konflikter med en medbeboer.',
        'God uge, har været med på tur til stranden.',
        'Virker mere mistænksom end normalt; personalet er opmærksomt.',
        'Har ikke taget sin medicin to dage; vil gerne tale med teamet.',
        'Rolig og i god kontakt med personalet.',
        'Vil gerne tale om at flytte i egen lejlighed.',
        'Har været til lægen for sit blodtryk; ingen ændringer.',
        'Mere tilbagetrukket, bliver meget på sit værelse.',
        'Har været på indkøb alene for første gang i lang tid.'])[1 + $1 % 16]
$$;

SELECT to_char(clock_timestamp() - now(), 'MI:SS') AS t \gset
\echo '  region data' :t 'organisations and users'
-- ---- teams (t: 1 = F-ACT Slagelse of the demo, 3..30 generated; 2 = Holbæk stays as it is) ----

CREATE TEMP TABLE g_team ON COMMIT DROP AS
SELECT t, md5('region-team-' || t)::uuid AS id, town, municipality, postcode,
       CASE WHEN t <= 16 THEN 'Region Sjælland' ELSE 'Region Hovedstaden' END AS region
  FROM (VALUES (3, 'Næstved', 'Næstved Kommune', '4700'), (4, 'Roskilde', 'Roskilde Kommune', '4000'),
               (5, 'Køge', 'Køge Kommune', '4600'), (6, 'Ringsted', 'Ringsted Kommune', '4100'),
               (7, 'Kalundborg', 'Kalundborg Kommune', '4400'),
               (8, 'Nykøbing F', 'Guldborgsund Kommune', '4800'),
               (9, 'Vordingborg', 'Vordingborg Kommune', '4760'),
               (10, 'Odsherred', 'Odsherred Kommune', '4500'), (11, 'Sorø', 'Sorø Kommune', '4180'),
               (12, 'Faxe', 'Faxe Kommune', '4640'), (13, 'Greve', 'Greve Kommune', '2670'),
               (14, 'Lejre', 'Lejre Kommune', '4330'), (15, 'Stevns', 'Stevns Kommune', '4660'),
               (16, 'Solrød', 'Solrød Kommune', '2680'), (17, 'Hillerød', 'Hillerød Kommune', '3400'),
               (18, 'Helsingør', 'Helsingør Kommune', '3000'),
               (19, 'Frederikssund', 'Frederikssund Kommune', '3600'),
               (20, 'Ballerup', 'Ballerup Kommune', '2750'), (21, 'Glostrup', 'Glostrup Kommune', '2600'),
               (22, 'Hvidovre', 'Hvidovre Kommune', '2650'), (23, 'Amager', 'Københavns Kommune', '2300'),
               (24, 'Bispebjerg', 'Københavns Kommune', '2400'),
               (25, 'Nørrebro', 'Københavns Kommune', '2200'),
               (26, 'Gentofte', 'Gentofte Kommune', '2820'),
               (27, 'Lyngby', 'Lyngby-Taarbæk Kommune', '2800'),
               (28, 'Gladsaxe', 'Gladsaxe Kommune', '2860'), (29, 'Herlev', 'Herlev Kommune', '2730'),
               (30, 'Frederiksberg', 'Frederiksberg Kommune', '2000')) AS x (t, town, municipality, postcode)
UNION ALL
SELECT 1, '10000000-0000-4000-8000-000000000001', 'Slagelse', 'Slagelse Kommune', '4200',
       'Region Sjælland';

INSERT INTO organizations (id, kind, name, address, authority, serving_team_id, created_at)
SELECT id, 'team', 'F-ACT ' || town,
       (ARRAY['Sygehusvej', 'Fælledvej', 'Psykiatrivej', 'Kildevej', 'Parkvej'])[1 + t % 5] || ' '
           || (2 + t * 3) || ', ' || postcode || ' ' || town,
       region, NULL, now() - interval '1830 days'
  FROM g_team WHERE t >= 3;

-- ---- facilities (f: 1 = Engen of the demo, 3..11 also served by Slagelse, 12..300 by teams 3..30) ----

CREATE TEMP TABLE g_fac0 ON COMMIT DROP AS
SELECT f, CASE WHEN f = 1 THEN '20000000-0000-4000-8000-000000000001'::uuid
               ELSE md5('region-facility-' || f)::uuid END AS id,
       t, k
  FROM (SELECT 1 AS f, 1 AS t, -1 AS k
        UNION ALL SELECT f, 1, f - 3 FROM generate_series(3, 11) f
        UNION ALL SELECT f, 3 + (f - 12) % 28, (f - 12) / 28 FROM generate_series(12, 300) f) x;

INSERT INTO organizations (id, kind, name, address, authority, serving_team_id, created_at)
SELECT fa.id, 'facility',
       (ARRAY['Botilbuddet', 'Bofællesskabet', 'Bostedet', 'Opgangsfællesskabet',
              'Socialpsykiatrisk botilbud'])[1 + pg_temp.h(fa.f * 31 + 1) % 5] || ' '
           || (ARRAY['Lærken', 'Solsikken', 'Egely', 'Bøgely', 'Rosenhaven', 'Kastanjehuset',
                     'Lindegården', 'Fyrrebakken', 'Åbrinken', 'Mosegården', 'Engbakken',
                     'Havneparken', 'Kildevang', 'Strandlyst', 'Birkely', 'Granly', 'Skovly',
                     'Vibehuset', 'Tranehuset', 'Stormly', 'Møllegården', 'Præstevangen',
                     'Bakkehuset', 'Søhuset', 'Ahornhuset', 'Hyldebærhuset', 'Nøddehegnet',
                     'Kløverhuset', 'Vænget', 'Toften', 'Ladegården', 'Kornmarken', 'Lyngbakken',
                     'Elmehuset', 'Rønnebærhuset', 'Valmuen', 'Anemonen', 'Pilehuset',
                     'Hasselhuset', 'Bregnen'])[1 + (fa.t * 7 + fa.k) % 40] || ', ' || t.town,
       (ARRAY['Møllevej', 'Skolegade', 'Kirkevej', 'Stationsvej', 'Bøgevej', 'Søndergade',
              'Nørregade', 'Engvej', 'Skovvej', 'Havnevej'])[1 + pg_temp.h(fa.f * 31 + 2) % 10]
           || ' ' || (1 + pg_temp.h(fa.f * 31 + 3) % 80) || ', ' || t.postcode || ' ' || t.town,
       t.municipality, t.id, now() - interval '1830 days'
  FROM g_fac0 fa JOIN g_team t ON t.t = fa.t
 WHERE fa.f >= 3;

-- ---- users: clinicians and managers per team, staff and a manager per facility ----
-- (org kind, org index, role, k): k 0 is the demo user where the demo has one.

CREATE TEMP TABLE g_user ON COMMIT DROP AS
SELECT x.*, md5('region-user-' || x.kind || '-' || x.o || '-' || x.role || '-' || x.k)::uuid AS id,
       pg_temp.person(pg_temp.h((x.o * 4 + CASE x.kind WHEN 't' THEN 0 ELSE 1 END) * 1000
                                + x.k * 3 + CASE x.role WHEN 'region_manager' THEN 1
                                                        WHEN 'facility_manager' THEN 2 ELSE 0 END))
           AS name
  FROM (SELECT 't' AS kind, t.t AS o, t.id AS org_id, 'region_clinician' AS role, gs.k
          FROM g_team t, generate_series(CASE WHEN t.t = 1 THEN 1 ELSE 0 END,
                                         CASE WHEN t.t = 1 THEN 24 ELSE 17 END) gs (k)
        UNION ALL
        SELECT 't', t.t, t.id, 'region_manager', gs.k
          FROM g_team t, generate_series(CASE WHEN t.t = 1 THEN 1 ELSE 0 END, 1) gs (k)
        UNION ALL
        SELECT 'f', fa.f, fa.id, 'facility_staff', gs.k
          FROM g_fac0 fa, generate_series(CASE WHEN fa.f = 1 THEN 1 ELSE 0 END,
                                          CASE WHEN fa.f = 1 THEN 5 ELSE 2 END) gs (k)
        UNION ALL
        SELECT 'f', fa.f, fa.id, 'facility_manager', 0 FROM g_fac0 fa WHERE fa.f >= 3) x;

INSERT INTO users (id, email, name, role, org_id, active, password_hash, created_at, updated_at)
SELECT id,
       CASE role WHEN 'region_clinician' THEN 'kliniker.' || k || '@fact' || o || '.region.demo'
                 WHEN 'region_manager' THEN 'leder.' || k || '@fact' || o || '.region.demo'
                 WHEN 'facility_staff' THEN 'personale.' || k || '@botilbud' || o || '.kommune.demo'
                 ELSE 'leder@botilbud' || o || '.kommune.demo' END,
       name, role, org_id, true, nullif(current_setting('region.password_hash'), ''),
       now() - interval '1830 days', now() - interval '1830 days'
  FROM g_user;

-- the demo users of Slagelse and Engen join the lists as k 0
INSERT INTO g_user (kind, o, org_id, role, k, id, name)
SELECT CASE WHEN u.org_id = '10000000-0000-4000-8000-000000000001' THEN 't' ELSE 'f' END, 1,
       u.org_id, u.role, 0, u.id, u.name
  FROM users u
 WHERE u.id IN ('30000000-0000-4000-8000-000000000002', '30000000-0000-4000-8000-000000000004',
                '30000000-0000-4000-8000-000000000005', '30000000-0000-4000-8000-000000000007');

-- per organisation: its people as arrays (index 1 = k 0)
CREATE TEMP TABLE g_teamx ON COMMIT DROP AS
SELECT t.*,
       (SELECT array_agg(u.id ORDER BY u.k) FROM g_user u WHERE u.org_id = t.id AND u.role = 'region_clinician') AS clin_ids,
       (SELECT array_agg(u.name ORDER BY u.k) FROM g_user u WHERE u.org_id = t.id AND u.role = 'region_clinician') AS clin_names,
       (SELECT array_agg(u.id ORDER BY u.k) FROM g_user u WHERE u.org_id = t.id AND u.role = 'region_manager') AS mgr_ids,
       (SELECT array_agg(u.name ORDER BY u.k) FROM g_user u WHERE u.org_id = t.id AND u.role = 'region_manager') AS mgr_names
  FROM g_team t;
ALTER TABLE g_teamx ADD COLUMN n_clin integer;
UPDATE g_teamx SET n_clin = cardinality(clin_ids);

SELECT to_char(clock_timestamp() - now(), 'MI:SS') AS t \gset
\echo '  region data' :t 'agreements and visits'
-- ---- facilities with their people and the fixed presence of their agreements ----
-- Each generated pair: version 1 (expired) from five years ago, renewed as version 2 (active,
-- previous_id = version 1) some months ago, with the same fixed presence, so the series of
-- dates runs on unbroken: a_d0 is the first fixed visit, step days between visits, b_d0 the
-- first one of version 2. Engen: version 1 (expired) until the demo agreement began; the
-- demo agreement (a...01) is its version 2 with its own series.
CREATE TEMP TABLE g_fac ON COMMIT DROP AS
WITH p AS (
    SELECT fa.*, t.team_id, t.town,
           CASE WHEN fa.f = 1 THEN 3 ELSE 1 + fa.f % 5 END AS wd,
           CASE WHEN fa.f = 1 THEN 2 ELSE (ARRAY[2, 1, 2, 3, 2, 4, 2, 1])[1 + fa.f % 8] END AS every,
           CASE WHEN fa.f <> 1 AND fa.f % 3 = 0 THEN time '13:00' ELSE time '09:00' END AS pstart,
           current_date - 1826 + fa.f % 20 AS x
      FROM g_fac0 fa JOIN (SELECT t, id AS team_id, town FROM g_team) t ON t.t = fa.t
), q AS (
    SELECT p.*, p.x + (p.wd - extract(isodow FROM p.x)::int + 7) % 7 AS a_d0, 7 * p.every AS step
      FROM p
), s AS (
    SELECT q.*,
           CASE WHEN q.f = 1 THEN NULL
                ELSE q.a_d0 + ((current_date - 200 - (q.f * 13) % 300 - q.a_d0) / q.step) * q.step END AS gen_b_d0
      FROM q
)
SELECT s.f, s.id, s.t, s.team_id, s.town, s.wd, s.every, s.step, s.pstart,
       s.pstart + interval '3 hours' AS pend, s.a_d0,
       md5('region-agreement-' || s.f || '-1')::uuid AS a_id,
       CASE WHEN s.f = 1 THEN da.valid_from - 1 ELSE s.gen_b_d0 - 1 END AS a_to,
       CASE WHEN s.f = 1 THEN da.id ELSE md5('region-agreement-' || s.f || '-2')::uuid END AS b_id,
       CASE WHEN s.f = 1 THEN da.valid_from + (da.presence_weekday - extract(isodow FROM da.valid_from)::int + 7) % 7
            ELSE s.gen_b_d0 END AS b_d0,
       CASE WHEN s.f = 1 THEN da.valid_to ELSE current_date + 56 + (s.f * 37) % 700 END AS b_to,
       -- the last fixed visit generated here: eight weeks ahead (Engen: before the demo agreement)
       CASE WHEN s.f = 1 THEN (da.valid_from - 1 - s.a_d0) / s.step
            ELSE (current_date + 56 - s.a_d0) / s.step END AS j_max,
       (SELECT array_agg(u.id ORDER BY u.k) FROM g_user u WHERE u.org_id = s.id AND u.role = 'facility_staff') AS staff_ids,
       (SELECT array_agg(u.name ORDER BY u.k) FROM g_user u WHERE u.org_id = s.id AND u.role = 'facility_staff') AS staff_names,
       (SELECT u.id FROM g_user u WHERE u.org_id = s.id AND u.role = 'facility_manager') AS mgr_id,
       (SELECT u.name FROM g_user u WHERE u.org_id = s.id AND u.role = 'facility_manager') AS mgr_name
  FROM s LEFT JOIN agreements da ON da.id = 'a0000000-0000-4000-8000-000000000001' AND s.f = 1;
ALTER TABLE g_fac ADD COLUMN n_staff integer;
UPDATE g_fac SET n_staff = cardinality(staff_ids);
ANALYZE g_fac;
ANALYZE g_teamx;

-- ---- agreements: version 1 expired, version 2 active; a few draft renewals (version 3) ----
CREATE TEMP TABLE g_agr ON COMMIT DROP AS
SELECT fa.f, 1 AS v, fa.a_id AS id, NULL::uuid AS previous_id, 'expired' AS status,
       fa.a_d0 - (fa.f % 5) AS valid_from, fa.a_to AS valid_to
  FROM g_fac fa
UNION ALL
SELECT fa.f, 2, fa.b_id, fa.a_id, 'active', fa.b_d0 - (fa.f % 3), fa.b_to
  FROM g_fac fa WHERE fa.f >= 3
UNION ALL
SELECT fa.f, 3, md5('region-agreement-' || fa.f || '-3')::uuid, fa.b_id, 'draft', fa.b_to + 1,
       fa.b_to + 730
  FROM g_fac fa WHERE fa.f >= 3 AND fa.f % 30 = 0;

INSERT INTO agreements (id, team_id, facility_id, status, previous_id, version, purpose,
                        team_tasks, facility_tasks, target_group, presence_every_weeks,
                        presence_weekday, presence_start, presence_end, contact_email,
                        contact_phone, contact_video, joins_morning_meetings, monday_mail_agreed,
                        monday_mail_deadline, monday_mail_notify_email, management_every_months,
                        data_protection, team_contact_user_id, facility_contact_user_id,
                        valid_from, valid_to, local_additions, created_by, created_at,
                        updated_at, terminated_at)
SELECT g.id, fa.team_id, fa.id, g.status, g.previous_id,
       CASE g.status WHEN 'expired' THEN 4 WHEN 'active' THEN 3 ELSE 1 END,
       'Beboerne skal opleve én sammenhængende indsats, hvor behandling og botilbud trækker i samme retning. Vi vil sammen forebygge indlæggelser, genindlæggelser og tvang.',
       'Teamet kommer fast til stede efter aftalen, tager samtaler med de beboere, botilbuddet har meldt behov for, og øger kontakten i perioder med forværring.',
       'Botilbuddet sender mandagsmail om beboere med behov for samtale, kontaktpersonen deltager i samtalerne, og personalet besøger beboere under indlæggelse.',
       'Beboere med svær psykisk lidelse, som er tilknyttet teamet.',
       fa.every, fa.wd, fa.pstart, fa.pend::time,
       'fact' || fa.t || '@region.demo', '+45 ' || (50 + fa.t) || ' ' || lpad((fa.f % 100)::text, 2, '0') || ' 00 00',
       CASE WHEN fa.f % 2 = 0 THEN 'Teams-link i kalenderinvitationen' ELSE '' END,
       fa.f % 4 = 0, true, time '12:00', 'fact' || fa.t || '@region.demo',
       (ARRAY[6, 6, 3, 12])[1 + fa.f % 4],
       'Oplysninger deles kun med beboerens samtykke eller hvor loven giver adgang.',
       t.mgr_ids[1], fa.mgr_id, g.valid_from, g.valid_to, '', t.mgr_ids[1],
       g.valid_from - 40, CASE WHEN g.status = 'expired' THEN g.valid_to + 1 ELSE g.valid_from - 14 END,
       NULL
  FROM g_agr g JOIN g_fac fa ON fa.f = g.f JOIN g_teamx t ON t.t = fa.t
 -- Engen's demo agreement is its version 2 and is there already
 WHERE NOT (g.f = 1 AND g.v = 2);

-- signed by both managers before it started
INSERT INTO agreement_signatures (agreement_id, side, team_id, facility_id, user_id, signer_name,
                                  signer_role, signed_at)
SELECT g.id, s.side, fa.team_id, fa.id,
       CASE s.side WHEN 'team' THEN t.mgr_ids[1] ELSE fa.mgr_id END,
       CASE s.side WHEN 'team' THEN t.mgr_names[1] ELSE fa.mgr_name END,
       CASE s.side WHEN 'team' THEN 'region_manager' ELSE 'facility_manager' END,
       pg_temp.cph(g.valid_from - s.days_before, time '10:00')
  FROM g_agr g JOIN g_fac fa ON fa.f = g.f JOIN g_teamx t ON t.t = fa.t
 CROSS JOIN (VALUES ('team', 16), ('facility', 14)) AS s (side, days_before)
 WHERE g.status IN ('expired', 'active');

-- ---- fixed visits: every step days from five years back to eight weeks ahead ----
-- Past ones held (about 7 % cancelled by hand), the coming ones planned.
CREATE FUNCTION pg_temp.visit_cancelled(integer, integer) RETURNS boolean LANGUAGE sql IMMUTABLE
    AS 'SELECT pg_temp.h($1 * 100003 + $2) % 100 < 7';

INSERT INTO visits (id, team_id, facility_id, agreement_id, kind, series_date, starts_at, ends_at,
                    status, touched, note, version, created_at, updated_at)
SELECT md5('region-visit-' || fa.f || '-' || j)::uuid, fa.team_id, fa.id,
       CASE WHEN d < fa.b_d0 THEN fa.a_id ELSE fa.b_id END, 'fixed', d,
       pg_temp.cph(d, fa.pstart), pg_temp.cph(d, fa.pend::time),
       CASE WHEN d >= current_date THEN 'planned'
            WHEN pg_temp.visit_cancelled(fa.f, j) THEN 'cancelled' ELSE 'held' END,
       d < current_date,
       CASE WHEN d < current_date AND pg_temp.visit_cancelled(fa.f, j)
            THEN (ARRAY['Aflyst: sygdom i teamet', 'Aflyst: personalemøde på botilbuddet',
                        'Aflyst: teamet var kaldt ud akut'])[1 + pg_temp.h(fa.f * 7 + j) % 3]
            ELSE '' END,
       CASE WHEN d < current_date THEN 2 ELSE 1 END,
       least(pg_temp.cph(d - 30, time '08:00'), now()),
       CASE WHEN d < current_date THEN pg_temp.cph(d, fa.pend::time)
            ELSE least(pg_temp.cph(d - 30, time '08:00'), now()) END
  FROM g_fac fa
 CROSS JOIN LATERAL generate_series(0, fa.j_max) j
 CROSS JOIN LATERAL (SELECT fa.a_d0 + j * fa.step AS d) dd;

SELECT to_char(clock_timestamp() - now(), 'MI:SS') AS t \gset
\echo '  region data' :t 'residents, consents, intensity'
-- ---- residents: 52 more at Engen, 240 at Slagelse's other 9 facilities, 9 695 elsewhere ----
CREATE TEMP TABLE g_res ON COMMIT DROP AS
WITH x AS (
    SELECT i, CASE WHEN i <= 52 THEN 1
                   WHEN i <= 292 THEN 3 + (i - 53) % 9
                   ELSE 12 + (i - 293) % 289 END AS f,
           pg_temp.h(i * 31 + 5) AS h, pg_temp.h(i * 31 + 6) AS h2
      FROM generate_series(1, :R) i
)
SELECT x.i, md5('region-resident-' || x.i)::uuid AS id, x.f, fa.id AS facility_id,
       fa.team_id, fa.t, x.h, x.h2,
       CASE WHEN x.h % 10 = 0 THEN NULL ELSE fa.staff_ids[1 + (x.h / 10) % fa.n_staff] END AS cp,
       CASE WHEN x.h % 20 = 1 THEN NULL ELSE t.clin_ids[1 + (x.h / 20) % t.n_clin] END AS clin,
       x.h2 % 20 = 0 AS safety,
       -- consents: sharing (see below), relatives in force for 20 %, named partners for 15 %
       x.h2 % 10 AS share_kind,
       (x.h2 / 10) % 10 < 3 AS rel_granted,
       (x.h2 / 10) % 10 = 2 AS rel_withdrawn,
       (x.h2 / 100) % 20 < 3 AS par_ok,
       ARRAY['Misbrugscenter ' || fa.town, 'Jobcenter ' || fa.town] AS partners,
       pg_temp.first_name(x.h2 / 7) || (ARRAY[' (mor)', ' (far)', ' (søster)', ' (bror)'])[1 + x.h2 % 4] AS relative,
       -- intensity changes: 20 % have 1-3, the last one sets the level now
       CASE WHEN (x.h / 1000) % 10 < 2 THEN 1 + (x.h / 10000) % 3 ELSE 0 END AS n_changes,
       now() - interval '1830 days' + (x.i % 48) * interval '1 hour' AS created_at
  FROM x JOIN g_fac fa ON fa.f = x.f JOIN g_teamx t ON t.t = fa.t;
CREATE UNIQUE INDEX ON g_res (i);
ANALYZE g_res;

INSERT INTO residents (id, name, date_of_birth, facility_id, team_id, contact_person_id,
                       responsible_clinician_id, status, version, created_at, updated_at,
                       intensity, safety_risk, safety_note, safety_assessed_by,
                       safety_assessed_at, discharged_at)
SELECT r.id, pg_temp.person(r.h2 / 3), date '1950-01-01' + r.h % 18000, r.facility_id,
       r.team_id, r.cp, r.clin, 'active', 1 + r.n_changes + CASE WHEN r.safety THEN 1 ELSE 0 END,
       r.created_at, now() - (r.h % 200) * interval '1 day',
       CASE WHEN r.n_changes % 2 = 1 THEN 'intensive' ELSE 'standard' END,
       r.safety,
       CASE WHEN r.safety THEN 'Truende adfærd, når beboeren er presset. Kontaktpersonen deltager i alle møder.' ELSE '' END,
       CASE WHEN r.safety THEN coalesce(r.clin, t.clin_ids[1]) END,
       CASE WHEN r.safety THEN now() - (30 + r.h % 500) * interval '1 day' END,
       NULL
  FROM g_res r JOIN g_teamx t ON t.t = r.t;

-- consents, recorded when the resident came (before any conversation), some changed later:
-- sharing: 0-4 granted, 5 granted until a date ahead, 6 granted then withdrawn, 7 granted but
-- expired, 8 refused, 9 never asked
INSERT INTO consents (id, resident_id, team_id, facility_id, kind, granted, scope_note, partners,
                      valid_until, recorded_by, recorded_at)
SELECT md5('region-consent-' || r.i || '-' || c.n)::uuid, r.id, r.team_id, r.facility_id, c.kind,
       c.granted, c.note, c.partners, c.valid_until,
       CASE WHEN c.by_team THEN coalesce(r.clin, t.clin_ids[1]) ELSE coalesce(r.cp, fa.staff_ids[1]) END,
       c.at
  FROM g_res r JOIN g_teamx t ON t.t = r.t JOIN g_fac fa ON fa.f = r.f
 CROSS JOIN LATERAL (VALUES
       (1, 'share_summary_with_facility', r.share_kind <> 8,
        CASE WHEN r.share_kind = 8 THEN 'Ønsker ikke, at samtalerne deles.' ELSE 'Resuméer må deles med kontaktpersonen og personalet på vagt.' END,
        '{}'::text[],
        CASE WHEN r.share_kind = 5 THEN current_date + 20 + r.h % 300
             WHEN r.share_kind = 7 THEN current_date - 10 - r.h % 400 END,
        r.created_at + interval '1 day', true, r.share_kind <> 9),
       (2, 'share_summary_with_facility', false, 'Trukket tilbage af beboeren ved det faste besøg.',
        '{}', NULL, now() - (20 + r.h % 600) * interval '1 day', true, r.share_kind = 6),
       (3, 'relatives_may_attend', true, 'Må deltage, når beboeren selv ønsker det: ' || r.relative || '.',
        '{}', NULL, r.created_at + interval '1 day 1 hour', false, r.rel_granted),
       (4, 'relatives_may_attend', false, '', '{}', NULL,
        now() - (15 + r.h2 % 500) * interval '1 day', false, r.rel_withdrawn),
       (5, 'partners_may_attend', true, 'Kun de nævnte samarbejdspartnere.', r.partners, NULL,
        r.created_at + interval '1 day 2 hours', true, r.par_ok))
       AS c (n, kind, granted, note, partners, valid_until, at, by_team, present)
 WHERE c.present;

-- intensity: up, down, up ... the last change sets the level now
INSERT INTO intensity_changes (id, resident_id, team_id, facility_id, from_level, to_level,
                               reason, changed_by, changed_at)
SELECT md5('region-intensity-' || r.i || '-' || m)::uuid, r.id, r.team_id, r.facility_id,
       CASE WHEN m % 2 = 1 THEN 'standard' ELSE 'intensive' END,
       CASE WHEN m % 2 = 1 THEN 'intensive' ELSE 'standard' END,
       CASE WHEN m % 2 = 1
            THEN (ARRAY['Sover dårligt og trækker sig; ugentlig kontakt i en periode.',
                        'Tidlige advarselstegn meldt i mandagsmailen.',
                        'Efter udskrivelse fra afsnittet.',
                        'Er stoppet med medicinen; tættere opfølgning aftalt med botilbuddet.'])[1 + (r.h + m) % 4]
            ELSE (ARRAY['Stabil igen i seks uger.', 'Faldet til ro; tilbage til de faste besøg.'])[1 + (r.h + m) % 2] END,
       CASE WHEN m % 2 = 0 AND t.mgr_ids IS NOT NULL THEN t.mgr_ids[1] ELSE coalesce(r.clin, t.clin_ids[1]) END,
       now() - ((r.n_changes - m + 1) * 120 + r.h % 60) * interval '1 day'
  FROM g_res r JOIN g_teamx t ON t.t = r.t
 CROSS JOIN LATERAL generate_series(1, r.n_changes) m;

-- ---- the big tables' secondary indexes: dropped for the load, built again at the end ----
-- (faster than keeping them up to date row by row, and the same indexes, whatever later
-- migrations defined: their definitions are read from the catalogue; unique indexes and
-- those of constraints stay)
CREATE TEMP TABLE g_index ON COMMIT DROP AS
SELECT i.indexrelid::regclass::text AS name,
       replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ') AS def
  FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
 WHERE t.relnamespace = 'public'::regnamespace
   AND t.relname IN ('conversations', 'conversation_notes', 'conversation_summaries',
                     'monday_entries', 'admissions', 'admission_visits', 'audit_log')
   AND NOT i.indisunique AND NOT i.indisprimary
   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
   AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid);
SELECT format('DROP INDEX %s', name) FROM g_index ORDER BY name \gexec

SELECT to_char(clock_timestamp() - now(), 'MI:SS') AS t \gset
\echo '  region data' :t 'conversations'
-- ---- 2 000 000 conversations over five years ----
-- Conversation n is resident i = n % R + 1's k-th (k = n / R, 0..200), on day d of an even
-- spread over five years. A fixed-visit conversation when the fixed visit on or before d was
-- held and no earlier k of the resident went to it; else another kind, on day d.
-- Outcome by p = n * 7919 % 100 (exact shares): 0-79 held, 80-89 no-show, 90-95 cancelled by
-- the resident, 96-99 by staff. A clinical note for every held one, a shared summary for p < 50.
CREATE TEMP TABLE g_conv ON COMMIT DROP AS
WITH base AS (
    SELECT n, r.i, r.id AS resident_id, r.team_id, r.facility_id, r.f, r.t, r.cp, r.clin,
           r.safety, r.rel_granted AND NOT r.rel_withdrawn AS rel_ok, r.par_ok, r.partners,
           r.relative, pg_temp.h(n) AS hk, (n::bigint * 7919) % 100 AS p,
           current_date - 1826 + (r.i * 7) % 9 + ((n / :R) * 1817) / 201 AS d,
           current_date - 1826 + (r.i * 7) % 9 + ((n / :R - 1) * 1817) / 201 AS d_prev
      FROM generate_series(0, 1999999) n JOIN g_res r ON r.i = n % :R + 1
), ser AS (
    SELECT b.*, fa.staff_ids, fa.n_staff,
           CASE WHEN b.d >= fa.b_d0 THEN fa.b_id ELSE fa.a_id END AS ag,
           CASE WHEN b.d >= fa.b_d0 THEN fa.b_d0 + ((b.d - fa.b_d0) / fa.step) * fa.step
                WHEN b.d >= fa.a_d0 THEN fa.a_d0 + ((b.d - fa.a_d0) / fa.step) * fa.step END AS sd,
           CASE WHEN b.d_prev >= fa.b_d0 THEN fa.b_d0 + ((b.d_prev - fa.b_d0) / fa.step) * fa.step
                WHEN b.d_prev >= fa.a_d0 THEN fa.a_d0 + ((b.d_prev - fa.a_d0) / fa.step) * fa.step END AS sd_prev
      FROM base b JOIN g_fac fa ON fa.f = b.f
), vis AS (
    SELECT s.*, v.id AS visit_id, v.starts_at AS visit_at
      FROM ser s
      LEFT JOIN visits v ON v.agreement_id = s.ag AND v.series_date = s.sd AND v.status = 'held'
                        AND s.sd IS DISTINCT FROM s.sd_prev AND s.hk % 100 < 75
), who AS (
    SELECT v.*,
           CASE WHEN v.visit_id IS NOT NULL
                THEN v.visit_at + ((v.hk / 100) % 9) * interval '20 minutes'
                ELSE pg_temp.cph(v.d, time '08:00') + ((v.hk / 100) % 540) * interval '1 minute' END AS occurred_at,
           CASE WHEN v.clin IS NOT NULL AND v.hk % 3 <> 0 THEN v.clin
                ELSE t.clin_ids[1 + (v.hk / 3) % t.n_clin] END AS created_by,
           t.clin_ids[1 + (v.hk / 11) % t.n_clin] AS second_clin
      FROM vis v JOIN g_teamx t ON t.t = v.t
)
SELECT n, md5('region-conv-' || n)::uuid AS id, visit_id, resident_id, team_id, facility_id,
       occurred_at, p, hk,
       CASE WHEN visit_id IS NOT NULL THEN 'fixed_visit'
            ELSE (ARRAY['extra_visit', 'home', 'phone', 'phone', 'video'])[1 + (hk / 7) % 5] END AS kind,
       CASE WHEN p < 80 THEN 'held' WHEN p < 90 THEN 'no_show'
            WHEN p < 96 THEN 'cancelled_by_resident' ELSE 'cancelled_by_staff' END AS outcome,
       CASE WHEN hk % 10 = 0 AND second_clin <> created_by THEN ARRAY[created_by, second_clin]
            ELSE ARRAY[created_by] END AS clinician_ids,
       cp IS NOT NULL AND (safety OR hk % 4 <> 0) AS contact_person_present,
       CASE WHEN safety AND cp IS NULL THEN ARRAY[staff_ids[1]]
            WHEN hk % 17 = 0 THEN ARRAY[staff_ids[1 + (hk / 17) % n_staff]]
            ELSE '{}'::uuid[] END AS staff_present_ids,
       CASE WHEN p < 80 AND rel_ok AND hk % 9 = 0 THEN ARRAY[relative] ELSE '{}'::text[] END AS relatives,
       CASE WHEN p < 80 AND par_ok AND hk % 11 = 1 THEN ARRAY[partners[1 + (hk / 11) % 2]]
            ELSE '{}'::text[] END AS partners,
       created_by,
       occurred_at + (20 + (hk / 1000) % 100) * interval '1 minute' AS created_at,
       -- every thousandth corrected once (the time was logged an hour wrong)
       n % 1000 = 3 AS corrected
  FROM who;

INSERT INTO conversations (id, visit_id, resident_id, team_id, facility_id, occurred_at, kind,
                           outcome, clinician_ids, contact_person_present, staff_present_ids,
                           relatives, partners, created_by, version, created_at, updated_at,
                           corrected_at, corrected_by, correction_reason)
SELECT id, visit_id, resident_id, team_id, facility_id, occurred_at, kind, outcome, clinician_ids,
       contact_person_present, staff_present_ids, relatives, partners, created_by,
       CASE WHEN corrected THEN 2 ELSE 1 END, created_at,
       CASE WHEN corrected THEN created_at + interval '2 days' ELSE created_at END,
       CASE WHEN corrected THEN created_at + interval '2 days' END,
       CASE WHEN corrected THEN created_by END,
       CASE WHEN corrected THEN 'Tidspunktet var registreret en time forkert.' END
  FROM g_conv;

SELECT to_char(clock_timestamp() - now(), 'MI:SS') AS t \gset
\echo '  region data' :t 'clinical notes and shared summaries'
INSERT INTO conversation_notes (conversation_id, resident_id, team_id, facility_id, body,
                                written_by, written_at)
SELECT id, resident_id, team_id, facility_id, pg_temp.note_text(hk), created_by, created_at
  FROM g_conv WHERE p < 80;

INSERT INTO conversation_summaries (conversation_id, resident_id, team_id, facility_id, body,
                                    written_by, written_at)
SELECT id, resident_id, team_id, facility_id, pg_temp.summary_text(hk / 7), created_by, created_at
  FROM g_conv WHERE p < 50;

-- the corrected conversations as they were (version 1), as conversations_keep_revision keeps them
INSERT INTO conversation_revisions (conversation_id, resident_id, team_id, facility_id, version,
                                    occurred_at, kind, outcome, clinician_ids,
                                    contact_person_present, staff_present_ids, relatives,
                                    partners, replaced_at, replaced_by, reason)
SELECT id, resident_id, team_id, facility_id, 1, occurred_at + interval '1 hour', kind, outcome,
       clinician_ids, contact_person_present, staff_present_ids, relatives, partners,
       created_at + interval '2 days', created_by, 'Tidspunktet var registreret en time forkert.'
  FROM g_conv WHERE corrected;
INSERT INTO conversation_revision_texts (conversation_id, version, resident_id, team_id,
                                         facility_id, summary, clinical_note)
SELECT id, 1, resident_id, team_id, facility_id,
       CASE WHEN p < 50 THEN pg_temp.summary_text(hk / 7) END,
       CASE WHEN p < 80 THEN pg_temp.note_text(hk) END
  FROM g_conv WHERE corrected;

DROP TABLE g_conv;

SELECT to_char(clock_timestamp() - now(), 'MI:SS') AS t \gset
\echo '  region data' :t 'Monday mails'
-- ---- 500 000 Monday-mail entries ----
-- Entry n is resident i = n % R + 1's, w weeks back (w = 5k + 0..4, k = n / R): unique per
-- resident and week; w 0 is this ISO week (a draft: not sent). Engen's weeks 1-6 belong to the
-- demo's sent mails and are moved five years back instead.
CREATE TEMP TABLE g_entry ON COMMIT DROP AS
WITH x AS (
    SELECT n, r.i, r.id AS resident_id, r.team_id, r.facility_id, r.f, r.cp,
           pg_temp.h(n * 3 + 1) AS h, (n / :R) * 5 + pg_temp.h(n * 3 + 2) % 5 AS w0
      FROM generate_series(0, 499999) n JOIN g_res r ON r.i = n % :R + 1
)
SELECT x.*, CASE WHEN x.f = 1 AND x.w0 BETWEEN 1 AND 6 THEN x.w0 + 255 ELSE x.w0 END AS w
  FROM x;
ALTER TABLE g_entry ADD COLUMN monday date;
UPDATE g_entry SET monday = date_trunc('week', current_date - 7 * w)::date;
ANALYZE g_entry;

-- the week's mails: sent on Monday morning (one in thirty late, on Tuesday), 2 % never sent
CREATE TEMP TABLE g_mail ON COMMIT DROP AS
SELECT e.facility_id, e.team_id, e.f, e.w, e.monday, iso_week_of(e.monday) AS iso_week,
       pg_temp.h(e.f * 1000 + e.w) AS h,
       count(*) FILTER (WHERE e.needs_talk) AS talk_count
  FROM (SELECT g.*, g.h % 4 = 0 AS needs_talk FROM g_entry g) e
 WHERE e.w >= 1
   AND NOT EXISTS (SELECT 1 FROM monday_mails m WHERE m.facility_id = e.facility_id
                      AND m.iso_week = iso_week_of(e.monday))
 GROUP BY e.facility_id, e.team_id, e.f, e.w, e.monday;
ALTER TABLE g_mail ADD COLUMN sent_at timestamptz, ADD COLUMN visit_id uuid;
UPDATE g_mail SET sent_at = CASE WHEN h % 50 = 0 THEN NULL
                                 WHEN h % 30 = 1 THEN pg_temp.cph(monday + 1, time '13:00') + (h % 120) * interval '1 minute'
                                 ELSE pg_temp.cph(monday, time '09:00') + (h % 150) * interval '1 minute' END;
-- the fixed visit of that week the flagged residents went to
UPDATE g_mail m SET visit_id = v.id
  FROM visits v
 WHERE m.sent_at IS NOT NULL AND v.facility_id = m.facility_id AND v.kind = 'fixed'
   AND v.series_date BETWEEN m.monday AND m.monday + 6 AND v.status <> 'cancelled';

INSERT INTO monday_entries (id, resident_id, team_id, facility_id, iso_week, needs_talk, priority,
                            status_text, author_id, created_at, updated_at, version)
SELECT md5('region-monday-' || e.n)::uuid, e.resident_id, e.team_id, e.facility_id,
       iso_week_of(e.monday), e.h % 4 = 0,
       CASE WHEN e.h % 4 = 0 THEN (ARRAY['high', 'normal'])[1 + (e.h / 4) % 2]
            ELSE (ARRAY['low', 'normal', 'normal'])[1 + (e.h / 4) % 3] END,
       CASE WHEN e.h % 4 = 0 THEN pg_temp.status_text(2 + 8 * ((e.h / 4) % 2))
            ELSE pg_temp.status_text(e.h / 4) END,
       coalesce(e.cp, fa.staff_ids[1]),
       least(pg_temp.cph(e.monday, time '07:30') + (e.h % 60) * interval '1 minute', now() - interval '2 hours'),
       least(pg_temp.cph(e.monday, time '08:30') + (e.h % 30) * interval '1 minute', now() - interval '1 hour'),
       1 + (e.h / 16) % 2
  FROM g_entry e JOIN g_fac fa ON fa.f = e.f;

INSERT INTO monday_mails (id, facility_id, team_id, iso_week, sent_at, sent_by, talk_count,
                          visit_id, notify_status, notify_error, notified_at, created_at,
                          updated_at)
SELECT md5('region-mail-' || m.f || '-' || m.w)::uuid, m.facility_id, m.team_id, m.iso_week,
       m.sent_at, CASE WHEN m.sent_at IS NOT NULL THEN fa.staff_ids[1 + m.h % fa.n_staff] END,
       CASE WHEN m.sent_at IS NOT NULL THEN m.talk_count END,
       m.visit_id,
       CASE WHEN m.sent_at IS NULL THEN NULL WHEN m.h % 97 = 0 THEN 'failed' ELSE 'sent' END,
       CASE WHEN m.sent_at IS NOT NULL AND m.h % 97 = 0 THEN 'SMTP: connection refused' END,
       m.sent_at, pg_temp.cph(m.monday, time '07:30'),
       coalesce(m.sent_at, pg_temp.cph(m.monday, time '08:59'))
  FROM g_mail m JOIN g_fac fa ON fa.f = m.f;

-- the team opened most sent mails within the day
INSERT INTO monday_mail_opens (mail_id, team_id, facility_id, opened_by, opened_at)
SELECT md5('region-mail-' || m.f || '-' || m.w)::uuid, m.team_id, m.facility_id,
       t.clin_ids[1 + m.h % t.n_clin], m.sent_at + (30 + m.h % 300) * interval '1 minute'
  FROM g_mail m JOIN g_fac fa ON fa.f = m.f JOIN g_teamx t ON t.t = fa.t
 WHERE m.sent_at IS NOT NULL AND m.h % 10 <> 0 AND m.sent_at + interval '330 minutes' < now();

SELECT to_char(clock_timestamp() - now(), 'MI:SS') AS t \gset
\echo '  region data' :t 'visit agendas'
-- residents flagged in a sent mail go on that week's fixed visit
INSERT INTO visit_agenda (visit_id, resident_id, team_id, facility_id, source, added_at)
SELECT m.visit_id, e.resident_id, e.team_id, e.facility_id, 'monday_mail', m.sent_at
  FROM g_mail m JOIN g_entry e ON e.facility_id = m.facility_id AND e.w = m.w
 WHERE m.visit_id IS NOT NULL AND e.h % 4 = 0;
-- the coming visits: a tenth of the facility's residents put on by hand, and this week's
-- flagged ones on the next visit
INSERT INTO visit_agenda (visit_id, resident_id, team_id, facility_id, source, added_at)
SELECT v.id, r.id, r.team_id, r.facility_id, 'manual', now() - (r.h % 72) * interval '1 hour'
  FROM visits v JOIN g_res r ON r.facility_id = v.facility_id
 WHERE v.status = 'planned' AND v.starts_at > now() AND v.kind = 'fixed'
   AND pg_temp.h(r.i * 1000 + extract(doy FROM v.series_date)::int) % 10 = 0
ON CONFLICT DO NOTHING;
INSERT INTO visit_agenda (visit_id, resident_id, team_id, facility_id, source, added_at)
SELECT nv.id, e.resident_id, e.team_id, e.facility_id, 'monday_mail',
       least(now(), pg_temp.cph(e.monday, time '09:00'))
  FROM g_entry e
 CROSS JOIN LATERAL (SELECT v.id FROM visits v
                      WHERE v.facility_id = e.facility_id AND v.team_id = e.team_id
                        AND v.kind = 'fixed' AND v.status = 'planned' AND v.starts_at > now()
                      ORDER BY v.starts_at LIMIT 1) nv
 WHERE e.w = 0 AND e.h % 4 = 0
ON CONFLICT DO NOTHING;

SELECT to_char(clock_timestamp() - now(), 'MI:SS') AS t \gset
\echo '  region data' :t 'admissions'
-- ---- 200 000 admissions: admission n is resident i = n % R + 1's k-th (k = n / R, 0..20), in
-- its own 87-day slot, 1-30 days long; 25 % forced (n * 7919 % 100 < 25). Open now: the last
-- admission of residents with i % 20 = 8 (499; with the demo's open one 500), never more than
-- one per resident.
CREATE TEMP TABLE g_adm ON COMMIT DROP AS
WITH x AS (
    SELECT n, r.i, r.id AS resident_id, r.team_id, r.facility_id, r.f, r.t, r.cp, r.clin,
           n / :R AS k, pg_temp.h(n * 5 + 1) AS h,
           (n::bigint * 7919) % 100 < 25 AS forced,
           -- the last k of this resident: 20 for the first 200 000 - 20 R residents, else 19
           CASE WHEN n % :R < 200000 - 20 * :R THEN 20 ELSE 19 END AS k_last
      FROM generate_series(0, 199999) n JOIN g_res r ON r.i = n % :R + 1
)
SELECT x.*,
       pg_temp.cph(current_date - 1826 + x.k * 87 + x.h % 40, time '00:00')
           + ((x.h / 40) % 1440) * interval '1 minute' AS admitted_at,
       1 + (x.h / 100000) % 30 AS days,
       x.i % 20 = 8 AND x.k = x.k_last AS open
  FROM x;

INSERT INTO admissions (id, resident_id, team_id, facility_id, admitted_at, discharged_at, ward,
                        forced, recorded_by, discharged_by, version, created_at, updated_at)
SELECT md5('region-admission-' || a.n)::uuid, a.resident_id, a.team_id, a.facility_id,
       a.admitted_at,
       CASE WHEN NOT a.open THEN a.admitted_at + a.days * interval '1 day' + ((a.h / 7) % 300) * interval '1 minute' END,
       (ARRAY['Psykiatrisk afsnit S1', 'Psykiatrisk afsnit S2', 'Psykiatrisk akutmodtagelse',
              'Lukket afsnit P3', 'Åbent afsnit P4', 'Retspsykiatrisk afsnit'])[1 + a.h % 6]
           || ', ' || (ARRAY['Slagelse', 'Roskilde', 'Vordingborg', 'Hillerød', 'Glostrup',
                              'Bispebjerg'])[1 + a.t % 6],
       a.forced,
       CASE WHEN a.h % 3 = 0 THEN coalesce(a.clin, t.clin_ids[1]) ELSE coalesce(a.cp, fa.staff_ids[1]) END,
       CASE WHEN a.open THEN NULL WHEN a.h % 2 = 0 THEN coalesce(a.cp, fa.staff_ids[1])
            ELSE coalesce(a.clin, t.clin_ids[1]) END,
       CASE WHEN a.open THEN 1 ELSE 2 END,
       a.admitted_at + interval '2 hours',
       CASE WHEN a.open THEN a.admitted_at + interval '2 hours'
            ELSE a.admitted_at + a.days * interval '1 day' + interval '6 hours' END
  FROM g_adm a JOIN g_fac fa ON fa.f = a.f JOIN g_teamx t ON t.t = a.t;

-- the facility visits residents while they are admitted: every other admission of a week or
-- more on day 2, open ones also on day 9
INSERT INTO admission_visits (id, admission_id, resident_id, team_id, facility_id, visited_at,
                              visited_by, note, created_at)
SELECT md5('region-admission-visit-' || a.n || '-' || v.day)::uuid,
       md5('region-admission-' || a.n)::uuid, a.resident_id, a.team_id, a.facility_id,
       a.admitted_at + v.day * interval '1 day' + interval '3 hours',
       coalesce(a.cp, fa.staff_ids[1 + a.h % fa.n_staff]),
       (ARRAY['Besøg med rent tøj og post hjemmefra.', 'Kort besøg; aftalt udskrivningsmøde med afsnittet.',
              'Gik en tur i haven sammen.', 'Beboeren var træt; kort besøg.'])[1 + (a.h + v.day) % 4],
       a.admitted_at + v.day * interval '1 day' + interval '5 hours'
  FROM g_adm a JOIN g_fac fa ON fa.f = a.f
 CROSS JOIN LATERAL (VALUES (2), (9)) AS v (day)
 WHERE (a.open AND a.admitted_at + interval '9 days 5 hours' < now())
    OR (NOT a.open AND a.days >= 7 AND a.h % 2 = 0 AND v.day = 2);

SELECT to_char(clock_timestamp() - now(), 'MI:SS') AS t \gset
\echo '  region data' :t 'KIPs and meetings'
-- ---- KIP for a third of the residents: 1-4 versions (a draft first, then active; one in ten
-- closed at last), the coordinator alternating between the team and the facility ----
INSERT INTO kip_versions (id, resident_id, team_id, facility_id, version, coordinator_org_id,
                          coordinator_user_id, status, resident_goal, goals, participants,
                          next_review, created_by, created_at)
SELECT md5('region-kip-' || r.i || '-' || v)::uuid, r.id, r.team_id, r.facility_id, v,
       CASE WHEN (r.h + v) % 2 = 0 THEN r.team_id ELSE r.facility_id END,
       CASE WHEN (r.h / 2) % 4 = 0 THEN NULL
            WHEN (r.h + v) % 2 = 0 THEN coalesce(r.clin, t.clin_ids[1])
            ELSE coalesce(r.cp, fa.staff_ids[1]) END,
       CASE WHEN v = 1 AND nv > 1 THEN 'draft'
            WHEN v = nv AND r.h % 10 = 0 THEN 'closed' ELSE 'active' END,
       (ARRAY['Have et arbejde igen og se min søster oftere.', 'Færre indlæggelser.',
              'Bo i egen lejlighed inden for to år.', 'Have det godt med mig selv og andre.'])[1 + r.h % 4],
       jsonb_build_array(
           jsonb_build_object('title', 'Fast døgnrytme', 'status', 'open', 'sub_goals', '[]'::jsonb,
               'actions', jsonb_build_array(jsonb_build_object('action', 'Gåtur tre formiddage om ugen',
                   'responsible', 'Kontaktperson', 'responsible_side', 'municipality',
                   'due_date', NULL, 'status', CASE WHEN v > 1 THEN 'in_progress' ELSE 'open' END))),
           jsonb_build_object('title', 'Arbejde eller aktivitet', 'status', 'open', 'sub_goals', '[]'::jsonb,
               'actions', jsonb_build_array(jsonb_build_object('action', 'Møde med jobcentret om en mentor',
                   'responsible', 'F-ACT', 'responsible_side', 'region', 'due_date', NULL,
                   'status', CASE WHEN v > 2 THEN 'done' ELSE 'open' END)))),
       jsonb_build_object('necessary', jsonb_build_array(jsonb_build_object('role', 'resident'),
                              jsonb_build_object('role', 'outpatient_psychiatry', 'organisation', 'F-ACT ' || fa.town)),
                          'as_needed', jsonb_build_array(jsonb_build_object('role', 'job_centre'))),
       current_date + 14 + r.h % 120,
       CASE WHEN v % 2 = 1 THEN coalesce(r.clin, t.clin_ids[1]) ELSE coalesce(r.cp, fa.staff_ids[1]) END,
       now() - ((nv - v + 1) * 180 + r.h % 90) * interval '1 day'
  FROM g_res r JOIN g_fac fa ON fa.f = r.f JOIN g_teamx t ON t.t = r.t
 CROSS JOIN LATERAL (SELECT 1 + (r.h / 7) % 4 AS nv) n
 CROSS JOIN LATERAL generate_series(1, n.nv) v
 WHERE r.i % 3 = 0;

INSERT INTO kip_reviews (id, resident_id, team_id, facility_id, reviewed_at, in_treatment_contact,
                         stable_housing, work_or_activity, social_network, note, recorded_by,
                         recorded_at)
SELECT md5('region-kip-review-' || r.i || '-' || q)::uuid, r.id, r.team_id, r.facility_id,
       current_date - q * 170 - r.h % 60, pg_temp.h(r.i * 10 + q) % 10 < 8,
       pg_temp.h(r.i * 10 + q) % 7 < 6, pg_temp.h(r.i * 10 + q) % 5 < 2,
       pg_temp.h(r.i * 10 + q) % 3 < 2,
       (ARRAY['', 'Første opfølgning.', 'Er startet i værkstedet to dage om ugen.', ''])[1 + (r.h + q) % 4],
       CASE WHEN q % 2 = 0 THEN coalesce(r.clin, t.clin_ids[1]) ELSE coalesce(r.cp, fa.staff_ids[1]) END,
       least(pg_temp.cph(current_date - q * 170 - r.h % 60, time '15:00'), now() - interval '1 hour')
  FROM g_res r JOIN g_fac fa ON fa.f = r.f JOIN g_teamx t ON t.t = r.t
 CROSS JOIN LATERAL generate_series(0, (r.h / 7) % 4) q
 WHERE r.i % 3 = 0;

-- ---- management meetings of every generated agreement, held when past (one in twelve cancelled)
INSERT INTO meetings (id, team_id, facility_id, agreement_id, resident_id, kind, title, series_date,
                      starts_at, ends_at, location, status, touched, minutes, decisions, version,
                      created_at, updated_at)
SELECT md5('region-meeting-' || a.id || '-' || d)::uuid, a.team_id, a.facility_id, a.id, NULL,
       'management', 'Ledelsessamarbejdsmøde', d, pg_temp.cph(d, time '13:00'),
       pg_temp.cph(d, time '14:30'), 'Mødelokalet på botilbuddet',
       CASE WHEN d >= current_date THEN 'planned'
            WHEN pg_temp.h(g.f * 1000 + extract(doy FROM d)::int) % 12 = 0 THEN 'cancelled'
            ELSE 'held' END,
       d < current_date,
       CASE WHEN d < current_date THEN 'Gennemgang af samarbejdet, indlæggelser og mandagsmails siden sidst.' ELSE '' END,
       CASE WHEN d < current_date THEN 'Samarbejdet fortsætter som aftalt.' ELSE '' END,
       CASE WHEN d < current_date THEN 2 ELSE 1 END,
       a.created_at, CASE WHEN d < current_date THEN pg_temp.cph(d, time '15:00') ELSE a.created_at END
  FROM g_agr g JOIN agreements a ON a.id = g.id
 CROSS JOIN LATERAL agreement_management_dates(a) d
 WHERE g.status IN ('expired', 'active') AND d <= current_date + 365;

INSERT INTO meeting_participants (id, meeting_id, team_id, facility_id, user_id, external_name,
                                  kind, side, role, added_by, added_at)
SELECT md5('region-participant-' || m.id || '-' || s.side)::uuid, m.id, m.team_id, m.facility_id,
       CASE s.side WHEN 'region' THEN t.mgr_ids[1] ELSE fa.mgr_id END, NULL, 'staff', s.side,
       CASE s.side WHEN 'region' THEN 'Afsnitsledelse' ELSE 'Botilbudsleder' END,
       t.mgr_ids[1], m.created_at
  FROM meetings m JOIN g_agr g ON g.id = m.agreement_id JOIN g_fac fa ON fa.f = g.f
  JOIN g_teamx t ON t.t = fa.t
 CROSS JOIN (VALUES ('region'), ('municipality')) AS s (side)
 WHERE m.kind = 'management';

-- ---- network meetings about a fifth of the residents: one held half a year ago, and for half
-- of them one coming up; the resident, the contact person (or a staff member), the clinician,
-- and relatives and partners where consent is in force ----
CREATE TEMP TABLE g_net ON COMMIT DROP AS
SELECT r.*, x.n, md5('region-network-' || r.i || '-' || x.n)::uuid AS meeting_id,
       CASE x.n WHEN 1 THEN pg_temp.cph(current_date - 150 - r.h % 200, time '10:00')
                ELSE pg_temp.cph(current_date + 3 + r.h % 40, time '10:00') END AS starts_at,
       coalesce(r.cp, fa.staff_ids[1]) AS staff_user, coalesce(r.clin, t.clin_ids[1]) AS clin_user,
       fa.staff_ids[1 + (r.h / 3) % fa.n_staff] AS extra_staff
  FROM g_res r JOIN g_fac fa ON fa.f = r.f JOIN g_teamx t ON t.t = r.t
 CROSS JOIN generate_series(1, 2) x (n)
 WHERE r.i % 5 = 0 AND (x.n = 1 OR r.i % 10 = 0);

INSERT INTO meetings (id, team_id, facility_id, agreement_id, resident_id, kind, title, series_date,
                      starts_at, ends_at, location, status, touched, minutes, decisions, version,
                      created_at, updated_at)
SELECT n.meeting_id, n.team_id, n.facility_id, NULL, n.id, 'network', 'Netværksmøde', NULL,
       n.starts_at, n.starts_at + interval '1 hour', 'Botilbuddet',
       CASE WHEN n.n = 1 THEN 'held' ELSE 'planned' END, false,
       CASE WHEN n.n = 1 THEN 'Gennemgang af KIP; beboeren ønsker en mentor.' ELSE '' END,
       CASE WHEN n.n = 1 THEN 'Botilbuddet kontakter jobcentret.' ELSE '' END,
       1, least(n.starts_at - interval '14 days', now()), least(n.starts_at - interval '14 days', now())
  FROM g_net n;

INSERT INTO meeting_participants (id, meeting_id, team_id, facility_id, user_id, external_name,
                                  kind, side, role, added_by, added_at, removed_at, removed_by)
SELECT md5('region-participant-' || n.meeting_id || '-' || p.what)::uuid, n.meeting_id, n.team_id,
       n.facility_id, p.user_id, p.external_name, p.kind, p.side, p.role, n.clin_user,
       least(n.starts_at - interval '14 days', now()),
       CASE WHEN p.what = 'extra' THEN least(n.starts_at - interval '7 days', now()) END,
       CASE WHEN p.what = 'extra' THEN n.clin_user END
  FROM g_net n
 CROSS JOIN LATERAL (VALUES
       ('resident', NULL::uuid, NULL::text, 'resident', 'resident', '', true),
       ('staff', n.staff_user, NULL, 'staff', 'municipality', 'Kontaktperson', true),
       ('clinician', n.clin_user, NULL, 'staff', 'region', 'Behandlingsansvarlig', true),
       ('relative', NULL, n.relative, 'relative', 'other', 'Pårørende',
        n.rel_granted AND NOT n.rel_withdrawn),
       ('partner', NULL, n.partners[1], 'partner', 'other', 'Samarbejdspartner', n.par_ok),
       -- invited, then taken off again (a removal is a mark)
       ('extra', n.extra_staff, NULL, 'staff', 'municipality', 'Personale', n.i % 50 = 0
                                                                           AND n.extra_staff <> n.staff_user))
       AS p (what, user_id, external_name, kind, side, role, present)
 WHERE p.present;

SELECT to_char(clock_timestamp() - now(), 'MI:SS') AS t \gset
\echo '  region data' :t 'audit log'
-- ---- 2 000 000 audit rows over five years, oldest first ----
-- Who: a user of the resident's team (60 %) or facility (40 %); what: mostly reads. The
-- audit_log triggers run here (they fill derived columns); user_name is given all the same.
SET session_replication_role = origin;
INSERT INTO audit_log (at, user_id, user_name, user_role, org_id, action, resource_type,
                       resource_id, resident_id, team_id, facility_id, purpose, outcome,
                       request_id, client_addr)
SELECT x.at, x.user_id, x.user_name, x.user_role,
       CASE WHEN x.region THEN x.team_id ELSE x.facility_id END,
       x.action, x.resource_type,
       CASE WHEN x.action = 'search' THEN NULL
            WHEN x.resource_type = 'conversation' THEN md5('region-conv-' || x.conv_n)::text
            ELSE x.resident_id::text END,
       CASE WHEN x.action = 'search' THEN NULL ELSE x.resident_id END,
       x.team_id, x.facility_id, '', CASE WHEN x.h % 500 = 0 THEN 'denied' ELSE 'allowed' END,
       substr(md5('region-request-' || x.n), 1, 16),
       '10.' || x.t || '.' || (x.f % 250) || '.' || (1 + x.h % 250)
  FROM (SELECT s.n, s.h, r.id AS resident_id, r.team_id, r.facility_id, r.t, r.f,
               now() - ((2000000 - s.n) * 78 + s.h % 60) * interval '1 second' AS at,
               s.region,
               CASE WHEN s.region AND s.h % 10 < 9 THEN t.clin_ids[1 + (s.h / 10) % t.n_clin]
                    WHEN s.region THEN t.mgr_ids[1 + (s.h / 10) % cardinality(t.mgr_ids)]
                    WHEN s.h % 10 < 9 THEN fa.staff_ids[1 + (s.h / 10) % fa.n_staff]
                    ELSE fa.mgr_id END AS user_id,
               CASE WHEN s.region AND s.h % 10 < 9 THEN t.clin_names[1 + (s.h / 10) % t.n_clin]
                    WHEN s.region THEN t.mgr_names[1 + (s.h / 10) % cardinality(t.mgr_names)]
                    WHEN s.h % 10 < 9 THEN fa.staff_names[1 + (s.h / 10) % fa.n_staff]
                    ELSE fa.mgr_name END AS user_name,
               CASE WHEN s.region AND s.h % 10 < 9 THEN 'region_clinician'
                    WHEN s.region THEN 'region_manager'
                    WHEN s.h % 10 < 9 THEN 'facility_staff' ELSE 'facility_manager' END AS user_role,
               (ARRAY['read', 'read', 'read', 'read', 'read', 'read', 'search', 'search', 'create',
                      'update'])[1 + (s.h / 1000) % 10] AS action,
               (ARRAY['resident', 'resident', 'conversation', 'conversation', 'monday_entry',
                      'admission', 'kip', 'consent', 'intensity', 'meeting'])[1 + (s.h / 10000) % 10]
                   AS resource_type,
               -- the resident's conversation nearest in time (for a conversation read)
               CASE WHEN (s.n * 201 / 2000000) * :R + r.i - 1 < 2000000
                    THEN (s.n * 201 / 2000000) * :R + r.i - 1
                    ELSE (s.n * 201 / 2000000 - 1) * :R + r.i - 1 END AS conv_n
          FROM (SELECT n, pg_temp.h(n * 7 + 3) AS h, pg_temp.h(n * 7 + 4) % 100 < 60 AS region
                  FROM generate_series(0, 1999999) n) s
          JOIN g_res r ON r.i = 1 + pg_temp.h(s.n * 7 + 5) % :R
          JOIN g_fac fa ON fa.f = r.f JOIN g_teamx t ON t.t = r.t) x
 ORDER BY x.n;
SET session_replication_role = replica;

SELECT to_char(clock_timestamp() - now(), 'MI:SS') AS t \gset
\echo '  region data' :t 'indexes'
SELECT def FROM g_index ORDER BY name \gexec

SELECT to_char(clock_timestamp() - now(), 'MI:SS') AS t \gset
\echo '  region data' :t 'ANALYZE'
ANALYZE;

-- ---- the caseload facts kept on the resident (migration 0060; triggers are off here);
-- after ANALYZE, so they are read by index per resident (without statistics the planner
-- chose scans that took minutes) ----
SELECT to_char(clock_timestamp() - now(), 'MI:SS') AS t \gset
\echo '  region data' :t 'resident facts'
SELECT resident_refresh_facts(NULL);
SELECT resident_refresh_kip(NULL);   -- the KIP status facts (migration 0064)
SELECT resident_refresh_names();     -- the names kept on the resident (migration 0069)
SELECT admission_refresh_prev(NULL); -- the previous discharges kept on admissions (0073)
ANALYZE residents;
SET session_replication_role = origin;
SELECT to_char(clock_timestamp() - now(), 'MI:SS') AS t \gset
\echo '  region data' :t 'generated'
