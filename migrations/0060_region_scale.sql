-- Region scale (issue 8): the same rules, planned so that every hot statement is a handful of
-- index probes at 10 000 residents. Each change is measured in docs/BENCHMARKS.md.
--
-- 1. Policies read the caller's identity once per statement (an initplan) and compare it with
--    an indexed column: team_id = (SELECT app_team_scope()) OR facility_id = (SELECT
--    app_facility_scope()). The old form, (SELECT app_sees(team_id, facility_id)), referenced
--    the row and so ran as a correlated subplan for every row, and no index could serve it.
-- 2. Indexes for the lookups of the caseload, the board, admissions and reports.
-- 3. admission_before() as one inlinable SQL query instead of PL/pgSQL with EXECUTE (planned
--    anew for every admission of a list).
-- 4. Reports read only the period asked for, with index ranges.
-- 5. The audit log: one row per request and pair (team, facility) for list reads, with the
--    residents shown in resident_ids (and indexed by resident in audit_log_seen), single
--    reads as before in resident_id (B-tree by time), and monthly partitions.
-- 6. The caseload's per-resident facts kept on the resident.

-- ---- 1. identity read once, compared on an indexed column ----

-- The caller's team when they are region staff, else NULL; the same for facility staff.
CREATE FUNCTION app_team_scope() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN app_is_region() THEN app_org_id() END $$;

CREATE FUNCTION app_facility_scope() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN app_is_facility() THEN app_org_id() END $$;

GRANT EXECUTE ON FUNCTION app_team_scope(), app_facility_scope() TO samspil_app;

-- Rewrites every policy written with app_sees() into the initplan form. Same meaning: a
-- comparison with NULL is not true, so region staff match on team only and facility staff on
-- facility only; admins (neither) match nothing.
DO $$
DECLARE
    p record;
    pat constant text :=
        '\( SELECT app_sees\(([a-z_]+)\.team_id, \1\.facility_id\) AS app_sees\)';
    rep constant text :=
        '((\1.team_id = ( SELECT app_team_scope())) OR (\1.facility_id = ( SELECT app_facility_scope())))';
BEGIN
    FOR p IN SELECT tablename, policyname, qual, with_check FROM pg_policies
              WHERE schemaname = 'public'
                AND (qual LIKE '%app_sees(%' OR with_check LIKE '%app_sees(%')
    LOOP
        IF p.qual LIKE '%app_sees(%' THEN
            EXECUTE format('ALTER POLICY %I ON %I USING (%s)', p.policyname, p.tablename,
                           regexp_replace(p.qual, pat, rep, 'g'));
        END IF;
        IF p.with_check LIKE '%app_sees(%' THEN
            EXECUTE format('ALTER POLICY %I ON %I WITH CHECK (%s)', p.policyname, p.tablename,
                           regexp_replace(p.with_check, pat, rep, 'g'));
        END IF;
    END LOOP;
    IF EXISTS (SELECT 1 FROM pg_policies
                WHERE qual LIKE '%app_sees(%' OR with_check LIKE '%app_sees(%') THEN
        RAISE EXCEPTION 'a policy still calls app_sees() per row';
    END IF;
END
$$;

-- Users: admins see every account, everyone else the people of their own and their partner
-- organisations, as before; now one policy that compares org_id with an array computed once
-- per statement (an initplan), so "org_id = ANY (...)" is an index condition on users_org_idx
-- and a name looked up by id is an index probe. Before, the admin policy OR'ed with the
-- colleagues policy (three sub-selects) made every users read a scan of all accounts.
CREATE FUNCTION app_people_orgs() RETURNS uuid[]
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT CASE
            WHEN app_role() = 'admin' THEN (SELECT array_agg(id) FROM organizations)
            WHEN app_role() IS NULL THEN NULL
            ELSE (SELECT array_agg(o.id) FROM (
                      SELECT app_org_id() AS id
                      UNION SELECT f.id FROM organizations f WHERE f.serving_team_id = app_org_id()
                      UNION SELECT f.serving_team_id FROM organizations f
                             WHERE f.id = app_org_id() AND f.serving_team_id IS NOT NULL) o
                   WHERE o.id IS NOT NULL)
        END
    $$;
REVOKE ALL ON FUNCTION app_people_orgs() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_people_orgs() TO samspil_app;
CREATE INDEX organizations_serving_team_idx ON organizations (serving_team_id);

DROP POLICY users_admin ON users;
DROP POLICY users_colleagues ON users;
CREATE POLICY users_read ON users FOR SELECT TO samspil_app
    USING (org_id = ANY ((SELECT app_people_orgs())::uuid[]));
CREATE POLICY users_admin_insert ON users FOR INSERT TO samspil_app
    WITH CHECK ((SELECT app_role()) = 'admin');
CREATE POLICY users_admin_update ON users FOR UPDATE TO samspil_app
    USING ((SELECT app_role()) = 'admin') WITH CHECK ((SELECT app_role()) = 'admin');

-- ---- 2. indexes for the hot lookups ----

-- caseload: the next planned visit with the resident on its agenda (the primary key
-- (visit_id, resident_id) cannot serve a lookup by resident)
CREATE INDEX visit_agenda_resident_idx ON visit_agenda (resident_id, visit_id);
-- caseload: the pair's next planned visit
CREATE INDEX visits_pair_planned_idx ON visits (facility_id, team_id, starts_at)
    WHERE status = 'planned';
-- caseload: the last held conversation
CREATE INDEX conversations_resident_held_idx ON conversations (resident_id, occurred_at)
    WHERE outcome = 'held';
-- admissions: the discharge before an admission (readmission, admission_facts)
CREATE INDEX admissions_resident_discharged_idx ON admissions (resident_id, discharged_at)
    WHERE discharged_at IS NOT NULL;
-- admissions list: the facility's visit count per admission is admission_visits_admission_idx
-- kip: the plan in force at a time
CREATE INDEX kip_versions_resident_created_idx ON kip_versions (resident_id, created_at);
-- intensity: the level at a time
CREATE INDEX intensity_changes_resident_at_idx ON intensity_changes (resident_id, changed_at);

-- ---- 3. what happened before an admission, as one inlinable query ----

-- LANGUAGE sql, STABLE, SECURITY INVOKER, a single SELECT: the planner inlines it into the
-- caller's query (LATERAL), so the lookups run as index probes of that plan. The figures are
-- still what the caller may see (row-level security applies).
CREATE OR REPLACE FUNCTION admission_before(p_resident uuid, p_at timestamptz)
    RETURNS TABLE (days_since_last_held integer, missed_30d integer, had_kip boolean,
                   intensive boolean)
    LANGUAGE sql STABLE
    AS $$
        SELECT (SELECT (p_at::date - max(c.occurred_at)::date)
                  FROM conversations c
                 WHERE c.resident_id = p_resident AND c.outcome = 'held'
                   AND c.occurred_at < p_at),
               (SELECT count(*)::integer FROM conversations c
                 WHERE c.resident_id = p_resident AND c.outcome <> 'held'
                   AND c.occurred_at >= p_at - interval '30 days' AND c.occurred_at < p_at),
               -- the plan as it stood then: its latest version before the admission is active
               coalesce((SELECT k.status = 'active' FROM kip_versions k
                          WHERE k.resident_id = p_resident AND k.created_at < p_at
                          ORDER BY k.version DESC LIMIT 1), false),
               -- the level then: the last change before, else where the first change after
               -- started, else the level now
               coalesce((SELECT ic.to_level FROM intensity_changes ic
                          WHERE ic.resident_id = p_resident AND ic.changed_at <= p_at
                          ORDER BY ic.changed_at DESC LIMIT 1),
                        (SELECT ic.from_level FROM intensity_changes ic
                          WHERE ic.resident_id = p_resident AND ic.changed_at > p_at
                          ORDER BY ic.changed_at LIMIT 1),
                        (SELECT r.intensity FROM residents r WHERE r.id = p_resident))
                   = 'intensive'
    $$;

-- ---- 4. reports over the period asked for ----

CREATE OR REPLACE FUNCTION report_admissions(p_team uuid, p_facility uuid, p_from date, p_to date)
    RETURNS TABLE (period text, period_from date, period_to date, section text, label text,
                   admissions integer, forced integer, forced_share numeric,
                   readmissions integer, readmission_rate numeric, bed_days numeric)
    LANGUAGE plpgsql STABLE
    AS $$
    #variable_conflict use_column
    DECLARE
        started date;
        len integer := p_to - p_from;
        -- the two periods as time ranges (Copenhagen days), so admissions are read by index
        d_lo timestamptz := p_from::timestamp AT TIME ZONE 'Europe/Copenhagen';
        d_hi timestamptz := (p_to + 1)::timestamp AT TIME ZONE 'Europe/Copenhagen';
        b_lo timestamptz;
        b_hi timestamptz;
    BEGIN
        SELECT min(a.valid_from) INTO started FROM agreements a
         WHERE a.status IN ('active', 'expired', 'terminated')
           AND (p_team IS NULL OR a.team_id = p_team)
           AND (p_facility IS NULL OR a.facility_id = p_facility);
        IF started IS NOT NULL THEN
            b_lo := (started - len - 1)::timestamp AT TIME ZONE 'Europe/Copenhagen';
            b_hi := started::timestamp AT TIME ZONE 'Europe/Copenhagen';
        END IF;
        RETURN QUERY
        WITH periods AS (
            SELECT 'during'::text AS period, p_from AS f, p_to AS t
            UNION ALL
            SELECT 'before', started - len - 1, started - 1 WHERE started IS NOT NULL
        ), adm AS (
            SELECT ad.id, ad.forced, (ad.admitted_at AT TIME ZONE 'Europe/Copenhagen')::date AS day,
                   EXISTS (SELECT 1 FROM admissions p
                            WHERE p.resident_id = ad.resident_id AND p.id <> ad.id
                              AND p.discharged_at IS NOT NULL
                              AND p.discharged_at <= ad.admitted_at
                              AND p.discharged_at >= ad.admitted_at - interval '30 days')
                       AS readmission,
                   extract(epoch FROM coalesce(ad.discharged_at, now()) - ad.admitted_at)
                       / 86400.0 AS stay_days
              FROM admissions ad
             WHERE (p_team IS NULL OR ad.team_id = p_team)
               AND (p_facility IS NULL OR ad.facility_id = p_facility)
               AND ((ad.admitted_at >= d_lo AND ad.admitted_at < d_hi)
                    OR (ad.admitted_at >= b_lo AND ad.admitted_at < b_hi))
        ), tagged AS (
            SELECT p.period, a.id, a.forced, a.readmission, a.stay_days,
                   to_char(a.day, 'YYYY-MM') AS month, extract(isodow FROM a.day)::text AS dow
              FROM periods p JOIN adm a ON a.day BETWEEN p.f AND p.t
        ), buckets AS (
            SELECT p.period, p.f, p.t, 'total'::text AS section, 'all'::text AS label, 0 AS ord
              FROM periods p
            UNION ALL
            SELECT p.period, p.f, p.t, 'month', to_char(m, 'YYYY-MM'), 1
              FROM periods p,
                   generate_series(date_trunc('month', p.f), p.t, interval '1 month') m
            UNION ALL
            SELECT p.period, p.f, p.t, 'weekday', d::text, 2 FROM periods p,
                   generate_series(1, 7) d
        ), tagged_buckets AS (
            -- each admission counted once per section: equality joins, no per-pair to_char
            SELECT x.period, 'total'::text AS section, 'all'::text AS label, x.id, x.forced,
                   x.readmission, x.stay_days FROM tagged x
            UNION ALL
            SELECT x.period, 'month', x.month, x.id, x.forced, x.readmission, x.stay_days
              FROM tagged x
            UNION ALL
            SELECT x.period, 'weekday', x.dow, x.id, x.forced, x.readmission, x.stay_days
              FROM tagged x
        )
        SELECT b.period, b.f, b.t, b.section, b.label,
               count(x.id)::integer,
               (count(x.id) FILTER (WHERE x.forced))::integer,
               CASE WHEN count(x.id) = 0 THEN NULL ELSE round(
                   (count(x.id) FILTER (WHERE x.forced))::numeric / count(x.id), 3) END,
               (count(x.id) FILTER (WHERE x.readmission))::integer,
               CASE WHEN count(x.id) = 0 THEN NULL ELSE round(
                   (count(x.id) FILTER (WHERE x.readmission))::numeric / count(x.id), 3) END,
               round(coalesce(sum(x.stay_days), 0)::numeric, 1)
          FROM buckets b
          LEFT JOIN tagged_buckets x ON x.period = b.period AND x.section = b.section
                                    AND x.label = b.label
         GROUP BY b.period, b.f, b.t, b.section, b.label, b.ord
         ORDER BY b.period DESC, b.ord, b.label;
    END
    $$;

CREATE OR REPLACE FUNCTION report_attendance(p_team uuid, p_facility uuid, p_from date, p_to date)
    RETURNS TABLE (month text, planned integer, held integer, no_show integer,
                   cancelled_by_resident integer, cancelled_by_staff integer,
                   no_show_rate numeric, cancellation_rate numeric, lost_rate numeric)
    LANGUAGE plpgsql STABLE
    AS $$
    #variable_conflict use_column
    DECLARE
        lo timestamptz := p_from::timestamp AT TIME ZONE 'Europe/Copenhagen';
        hi timestamptz := (p_to + 1)::timestamp AT TIME ZONE 'Europe/Copenhagen';
    BEGIN
        RETURN QUERY
        WITH months AS (
            SELECT to_char(m, 'YYYY-MM') AS label
              FROM generate_series(date_trunc('month', p_from), p_to, interval '1 month') m
        ), conv AS (
            SELECT to_char(c.occurred_at AT TIME ZONE 'Europe/Copenhagen', 'YYYY-MM') AS label,
                   c.outcome
              FROM conversations c
             WHERE c.occurred_at >= lo AND c.occurred_at < hi
               AND (p_team IS NULL OR c.team_id = p_team)
               AND (p_facility IS NULL OR c.facility_id = p_facility)
        )
        SELECT m.label, count(c.outcome)::integer,
               (count(*) FILTER (WHERE c.outcome = 'held'))::integer,
               (count(*) FILTER (WHERE c.outcome = 'no_show'))::integer,
               (count(*) FILTER (WHERE c.outcome = 'cancelled_by_resident'))::integer,
               (count(*) FILTER (WHERE c.outcome = 'cancelled_by_staff'))::integer,
               CASE WHEN count(c.outcome) = 0 THEN NULL ELSE round(
                   (count(*) FILTER (WHERE c.outcome = 'no_show'))::numeric / count(c.outcome), 3) END,
               CASE WHEN count(c.outcome) = 0 THEN NULL ELSE round(
                   (count(*) FILTER (WHERE c.outcome LIKE 'cancelled%'))::numeric
                   / count(c.outcome), 3) END,
               CASE WHEN count(c.outcome) = 0 THEN NULL ELSE round(
                   (count(*) FILTER (WHERE c.outcome <> 'held'))::numeric / count(c.outcome), 3) END
          FROM months m LEFT JOIN conv c ON c.label = m.label
         GROUP BY m.label ORDER BY m.label;
    END
    $$;

-- Agreements: the Monday mails due and sent on time, written into the statement instead of a
-- PL/pgSQL function called once per agreement (report_mail_weeks is inlinable SQL).
CREATE OR REPLACE FUNCTION report_agreements()
    RETURNS TABLE (agreement_id uuid, team_name text, facility_name text, status text,
                   valid_from date, valid_to date, days_to_expiry integer, expires_soon boolean,
                   fixed_visits_planned_12w integer, fixed_visits_held_12w integer,
                   management_meetings_due integer, management_meetings_held integer,
                   management_meeting_overdue boolean, monday_mails_due_12w integer,
                   monday_mails_on_time_12w integer)
    LANGUAGE sql STABLE
    AS $$
        WITH visits12 AS (
            SELECT v.agreement_id, count(*)::integer AS planned,
                   count(*) FILTER (WHERE v.status = 'held')::integer AS held
              FROM visits v
             WHERE v.kind = 'fixed' AND v.starts_at <= now()
               AND v.starts_at > now() - interval '12 weeks'
             GROUP BY v.agreement_id
        ), mgmt AS (
            SELECT m.agreement_id, count(*)::integer AS due,
                   count(*) FILTER (WHERE m.status = 'held')::integer AS held,
                   max(m.starts_at) FILTER (WHERE m.status = 'held') AS last_held
              FROM meetings m
             WHERE m.kind = 'management' AND m.starts_at <= now()
             GROUP BY m.agreement_id
        )
        SELECT a.id, t.name, f.name, a.status, a.valid_from, a.valid_to,
               (a.valid_to - current_date)::integer,
               a.status = 'active' AND a.valid_to - current_date BETWEEN 0 AND 60,
               coalesce(v.planned, 0), coalesce(v.held, 0),
               coalesce(m.due, 0), coalesce(m.held, 0),
               a.status = 'active' AND (coalesce(m.last_held::date, a.valid_from)
                   + make_interval(months => a.management_every_months))::date < current_date,
               mm.due, mm.on_time
          FROM agreements a
          JOIN organizations t ON t.id = a.team_id
          JOIN organizations f ON f.id = a.facility_id
          LEFT JOIN visits12 v ON v.agreement_id = a.id
          LEFT JOIN mgmt m ON m.agreement_id = a.id
          CROSS JOIN LATERAL (
              SELECT CASE WHEN a.monday_mail_agreed THEN
                         (SELECT count(*)::integer
                            FROM report_mail_weeks(a.valid_from, a.valid_to, a.monday_mail_deadline))
                     ELSE 0 END AS due,
                     CASE WHEN a.monday_mail_agreed THEN
                         (SELECT count(*)::integer
                            FROM report_mail_weeks(a.valid_from, a.valid_to, a.monday_mail_deadline) w
                            JOIN monday_mails mail ON mail.facility_id = a.facility_id
                                 AND mail.iso_week = to_char(w.monday, 'IYYY-"W"IW')
                           WHERE mail.sent_at IS NOT NULL AND mail.sent_at <= w.deadline)
                     ELSE 0 END AS on_time) mm
         ORDER BY f.name, a.valid_from DESC, a.id
    $$;

-- ---- 5. the audit log: fewer rows, partitioned by month ----

ALTER TABLE audit_log RENAME TO audit_log_unpartitioned;
ALTER TABLE audit_log_unpartitioned RENAME CONSTRAINT audit_log_pkey TO audit_log_unpartitioned_pkey;
ALTER INDEX audit_log_resident_idx RENAME TO audit_log_unpartitioned_resident_idx;
ALTER INDEX audit_log_user_idx RENAME TO audit_log_unpartitioned_user_idx;

CREATE TABLE audit_log (
    id            bigint GENERATED ALWAYS AS IDENTITY,
    at            timestamptz NOT NULL DEFAULT now(),
    user_id       uuid,
    user_name     text,          -- the actor's name at the time (set by a trigger)
    user_role     text,
    org_id        uuid,
    action        text NOT NULL CHECK (action IN ('read', 'search', 'create', 'update', 'delete')),
    resource_type text NOT NULL CHECK (length(resource_type) <= 64),
    resource_id   text CHECK (length(resource_id) <= 64),
    -- the one resident a row is about; NULL for a list read of several, which names them
    -- in resident_ids instead (one row per request and pair); never both
    resident_id   uuid,
    resident_ids  uuid[] CHECK (cardinality(resident_ids) BETWEEN 2 AND 1000),
    -- the residents' team and facility at the time, so their managers can read the trail
    team_id       uuid,
    facility_id   uuid,
    purpose       text NOT NULL DEFAULT '' CHECK (length(purpose) <= 200),
    outcome       text NOT NULL CHECK (outcome IN ('allowed', 'denied')),
    request_id    text,
    client_addr   text,
    PRIMARY KEY (id, at),
    CHECK (resident_id IS NULL OR resident_ids IS NULL)
) PARTITION BY RANGE (at);
-- "who looked at this resident": its own rows by time, and (audit_log_seen) the list reads
-- that named it
CREATE INDEX audit_log_resident_idx ON audit_log (resident_id, at DESC, id DESC);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, at DESC);

-- The index of list reads by resident: one narrow row per resident named in resident_ids,
-- written by a trigger on audit_log (never by the application, which has no access), so the
-- newest list reads of a resident are an ordered index scan. (A GIN index on resident_ids
-- finds them too, but unordered: with thousands of list reads of a resident in a month every
-- page sorted all of them.) One table, not partitioned: its primary key is the order the trail
-- reads in (a partitioned one made the planner merge or sort every month); the retention
-- function deletes its rows with the months it drops.
CREATE TABLE audit_log_seen (
    resident_id uuid NOT NULL,
    at          timestamptz NOT NULL,
    audit_id    bigint NOT NULL,
    team_id     uuid,          -- as on the audit row: whose managers may read it
    facility_id uuid,
    PRIMARY KEY (resident_id, at, audit_id)
);
ALTER TABLE audit_log_seen ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log_seen FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_seen_owner ON audit_log_seen TO CURRENT_USER USING (true) WITH CHECK (true);

-- Monthly partitions audit_log_YYYYMM for every month from p_from to p_to; rows outside them
-- land in audit_log_default. SECURITY DEFINER (owned by the owner) so the server can make sure
-- the coming months exist at start (see audit_log_extend) without owning anything.
CREATE FUNCTION audit_log_add_partitions(p_from date, p_to date) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        m date := date_trunc('month', p_from)::date;
        made integer := 0;
        name text;
    BEGIN
        WHILE m <= p_to LOOP
            name := 'audit_log_' || to_char(m, 'YYYYMM');
            IF to_regclass(name) IS NULL THEN
                EXECUTE format('CREATE TABLE %I PARTITION OF audit_log FOR VALUES FROM (%L) TO (%L)',
                               name, m::timestamp AT TIME ZONE 'UTC',
                               (m + interval '1 month')::timestamp AT TIME ZONE 'UTC');
                made := made + 1;
            END IF;
            m := (m + interval '1 month')::date;
        END LOOP;
        RETURN made;
    END
    $$;
REVOKE ALL ON FUNCTION audit_log_add_partitions(date, date) FROM PUBLIC;

-- The next twelve months, called by the server at start (no arguments: it cannot choose).
CREATE FUNCTION audit_log_extend() RETURNS integer
    LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$ SELECT audit_log_add_partitions(current_date, (current_date + interval '12 months')::date) $$;
REVOKE ALL ON FUNCTION audit_log_extend() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_log_extend() TO samspil_app;

-- Retention: drops the months wholly before p_before. Only the owner may call it (never the
-- application); see "Audit log" in docs/ARCHITECTURE.md.
CREATE FUNCTION audit_log_drop_before(p_before date) RETURNS integer
    LANGUAGE plpgsql SET search_path = public, pg_temp
    AS $$
    DECLARE
        p record;
        dropped integer := 0;
    BEGIN
        FOR p IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                  WHERE i.inhparent = 'audit_log'::regclass AND c.relname ~ '^audit_log_[0-9]{6}$'
                    AND to_date(substr(c.relname, 11), 'YYYYMM') + interval '1 month' <= p_before
        LOOP
            EXECUTE format('DROP TABLE %I', p.relname);
            dropped := dropped + 1;
        END LOOP;
        DELETE FROM audit_log_seen
         WHERE at < date_trunc('month', p_before)::timestamp AT TIME ZONE 'UTC';
        RETURN dropped;
    END
    $$;
REVOKE ALL ON FUNCTION audit_log_drop_before(date) FROM PUBLIC;

CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;
SELECT audit_log_add_partitions(
    least(coalesce((SELECT min(at)::date FROM audit_log_unpartitioned), current_date),
          (current_date - interval '5 years')::date),
    (current_date + interval '12 months')::date);

-- The rows so far, with the ids and names they had; then the identity continues after them.
INSERT INTO audit_log (id, at, user_id, user_name, user_role, org_id, action, resource_type,
                       resource_id, resident_id, resident_ids, team_id, facility_id, purpose,
                       outcome, request_id, client_addr)
    OVERRIDING SYSTEM VALUE
SELECT id, at, user_id, user_name, user_role, org_id, action, resource_type, resource_id,
       resident_id, NULL, team_id, facility_id, purpose, outcome, request_id, client_addr
  FROM audit_log_unpartitioned;
SELECT setval(pg_get_serial_sequence('audit_log', 'id'),
              coalesce((SELECT max(id) FROM audit_log), 0) + 1, false);
DROP TABLE audit_log_unpartitioned;

-- append-only, as before (row triggers are cloned to every partition)
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_immutable();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_immutable();

-- the actor's name as it was (as before)
CREATE TRIGGER audit_log_actor_name BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_actor_name();

-- the list reads into audit_log_seen, once per statement
CREATE FUNCTION audit_log_index_seen() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        INSERT INTO audit_log_seen (resident_id, at, audit_id, team_id, facility_id)
        SELECT DISTINCT unnest(n.resident_ids), n.at, n.id, n.team_id, n.facility_id
          FROM new_rows n WHERE n.resident_ids IS NOT NULL;
        RETURN NULL;
    END
    $$;
CREATE TRIGGER audit_log_index_seen AFTER INSERT ON audit_log
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit_log_index_seen();

-- "Who looked at this resident": the trail a manager may read, newest first, a page at a
-- time: its own rows and the list reads that named it (audit_log_seen, which the application
-- cannot read). A function, so that it can read that index; it runs as the owner and applies exactly the rule of the
-- policies audit_read_region and audit_read_facility below (kept side by side here), so it
-- returns no row the caller could not select; tests/integration/test_audit.c checks both
-- sides and another team's manager.
-- PL/pgSQL so the statement is planned once per connection (a SQL function is planned anew
-- on every call: 30 ms with the partitions); bitmap scans off so the newest list reads are read
-- in index order and the scan stops at the page, however many there are.
CREATE FUNCTION audit_trail(p_resident uuid, p_before_at timestamptz, p_before_id bigint,
                            p_limit integer)
    RETURNS SETOF audit_log
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp SET enable_bitmapscan = off
    SET max_parallel_workers_per_gather = 0
    AS $$
    DECLARE
        v_role text := app_role();
        v_org uuid := app_org_id();
        v_limit integer := least(greatest(p_limit, 1), 1000);
    BEGIN
        IF v_role IS NULL OR v_role NOT IN ('region_manager', 'facility_manager') THEN
            RETURN;
        END IF;
        RETURN QUERY
        SELECT t.* FROM (
            (SELECT a.* FROM audit_log a
              WHERE a.resident_id = p_resident
                AND ((v_role = 'region_manager' AND a.team_id = v_org)
                     OR (v_role = 'facility_manager' AND a.facility_id = v_org))
                AND (p_before_at IS NULL OR (a.at, a.id) < (p_before_at, p_before_id))
              ORDER BY a.at DESC, a.id DESC LIMIT v_limit)
            UNION ALL
            -- the page of list reads first, from the index; then their rows
            (SELECT a.* FROM (
                    SELECT s.at, s.audit_id FROM audit_log_seen s
                     WHERE s.resident_id = p_resident
                       AND ((v_role = 'region_manager' AND s.team_id = v_org)
                            OR (v_role = 'facility_manager' AND s.facility_id = v_org))
                       AND (p_before_at IS NULL OR (s.at, s.audit_id) < (p_before_at, p_before_id))
                     ORDER BY s.at DESC, s.audit_id DESC LIMIT v_limit) s
               CROSS JOIN LATERAL (SELECT * FROM audit_log x
                                    WHERE x.id = s.audit_id AND x.at = s.at) a)) t
         ORDER BY t.at DESC, t.id DESC
         LIMIT v_limit;
    END
    $$;
REVOKE ALL ON FUNCTION audit_trail(uuid, timestamptz, bigint, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_trail(uuid, timestamptz, bigint, integer) TO samspil_app;

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON audit_log TO samspil_app;
CREATE POLICY audit_insert ON audit_log FOR INSERT TO samspil_app
    WITH CHECK (user_id IS NOT DISTINCT FROM (SELECT app_user_id())
                AND request_id IS NOT DISTINCT FROM nullif(current_setting('app.request_id', true), ''));
CREATE POLICY audit_read_region ON audit_log FOR SELECT TO samspil_app
    USING ((SELECT app_role()) = 'region_manager' AND team_id = (SELECT app_org_id()));
CREATE POLICY audit_read_facility ON audit_log FOR SELECT TO samspil_app
    USING ((SELECT app_role()) = 'facility_manager' AND facility_id = (SELECT app_org_id()));
CREATE POLICY audit_owner ON audit_log TO CURRENT_USER USING (true) WITH CHECK (true);

-- ---- 6. the caseload's facts kept on the resident ----

-- The last held conversation and the latest admission, written by triggers when those rows
-- change, so the caseload, the board and a resident's page read them with the resident
-- instead of two index probes per resident (28 us each at region scale, measured). Both
-- sides of a pair read conversations and admissions alike, so the columns show nothing a
-- reader of the resident could not see. The request for a talk is kept only as far as the
-- team may see it (the week of the last sent Monday mail that asked); the facility's own
-- drafts are read from monday_entries as before.
ALTER TABLE residents
    ADD COLUMN last_held_at timestamptz,
    ADD COLUMN admission_from timestamptz,     -- the open admission, else the latest one
    ADD COLUMN admission_until timestamptz,
    ADD COLUMN talk_shared_week text;

-- The facts as the rows say they are now: what the triggers keep, what the backfill (here and
-- in server/demo/region/generate.sql) writes, and what server/demo/region/check.sql compares
-- the kept columns with. Owner only.
CREATE VIEW resident_facts_now AS
SELECT r.id AS resident_id,
       (SELECT max(c.occurred_at) FROM conversations c
         WHERE c.resident_id = r.id AND c.outcome = 'held') AS last_held_at,
       a.admitted_at AS admission_from, a.discharged_at AS admission_until,
       (SELECT max(e.iso_week) FROM monday_entries e
          JOIN monday_mails m ON m.facility_id = e.facility_id AND m.iso_week = e.iso_week
         WHERE e.resident_id = r.id AND e.needs_talk AND m.sent_at IS NOT NULL)
           AS talk_shared_week
  FROM residents r
  LEFT JOIN LATERAL (SELECT x.admitted_at, x.discharged_at FROM admissions x
                      WHERE x.resident_id = r.id
                      ORDER BY (x.discharged_at IS NULL) DESC, x.admitted_at DESC
                      LIMIT 1) a ON true;
REVOKE ALL ON resident_facts_now FROM PUBLIC;

-- Writes the facts of one resident, or of every resident (NULL). PL/pgSQL, so each branch is
-- planned once per connection and the one-resident update is an index probe (0.1 ms), not a
-- scan under "p IS NULL OR id = p".
CREATE FUNCTION resident_refresh_facts(p_resident uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        IF p_resident IS NULL THEN
            UPDATE residents r
               SET last_held_at = f.last_held_at, admission_from = f.admission_from,
                   admission_until = f.admission_until, talk_shared_week = f.talk_shared_week
              FROM resident_facts_now f
             WHERE f.resident_id = r.id;
        ELSE
            UPDATE residents r
               SET last_held_at = f.last_held_at, admission_from = f.admission_from,
                   admission_until = f.admission_until, talk_shared_week = f.talk_shared_week
              FROM resident_facts_now f
             WHERE r.id = p_resident AND f.resident_id = p_resident;
        END IF;
    END
    $$;
REVOKE ALL ON FUNCTION resident_refresh_facts(uuid) FROM PUBLIC;

CREATE FUNCTION residents_facts_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        PERFORM resident_refresh_facts(NEW.resident_id);
        IF TG_OP = 'UPDATE' AND OLD.resident_id IS DISTINCT FROM NEW.resident_id THEN
            PERFORM resident_refresh_facts(OLD.resident_id);
        END IF;
        RETURN NULL;
    END
    $$;
CREATE TRIGGER conversations_5_resident_facts
    AFTER INSERT OR UPDATE OF outcome, occurred_at, resident_id ON conversations
    FOR EACH ROW EXECUTE FUNCTION residents_facts_changed();
CREATE TRIGGER admissions_resident_facts
    AFTER INSERT OR UPDATE OF admitted_at, discharged_at, resident_id ON admissions
    FOR EACH ROW EXECUTE FUNCTION residents_facts_changed();

-- A sent Monday mail shares its requests for a talk with the team (entries are frozen then).
CREATE FUNCTION monday_mails_share_talks() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        UPDATE residents r SET talk_shared_week = NEW.iso_week
          FROM monday_entries e
         WHERE e.facility_id = NEW.facility_id AND e.iso_week = NEW.iso_week AND e.needs_talk
           AND r.id = e.resident_id
           AND (r.talk_shared_week IS NULL OR r.talk_shared_week < NEW.iso_week);
        RETURN NULL;
    END
    $$;
CREATE TRIGGER monday_mails_share_talks AFTER INSERT OR UPDATE OF sent_at ON monday_mails
    FOR EACH ROW WHEN (NEW.sent_at IS NOT NULL) EXECUTE FUNCTION monday_mails_share_talks();

-- the facts of the rows there are
SELECT resident_refresh_facts(NULL);

-- The caseload's question as a function (migration 0030), now from the kept facts, the same
-- test as the statements in server/residents.c.
CREATE OR REPLACE FUNCTION resident_admitted_now(resident uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY INVOKER
    AS $$
        SELECT coalesce((SELECT r.admission_from <= now()
                                AND (r.admission_until IS NULL OR r.admission_until > now())
                           FROM residents r WHERE r.id = resident), false)
    $$;
