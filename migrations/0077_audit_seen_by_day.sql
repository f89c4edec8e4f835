-- The index of list reads records what was shown once a day, not once a read.
--
-- Until now every list read wrote one audit_log_seen row per resident it showed, so a
-- caseload page of 50 wrote 50 index rows (heap and B-tree) on top of its audit row: half of
-- PostgreSQL's work for a page served from the caseload cache, and 50 times the audit log's
-- rows on disk (docs/BENCHMARKS.md, sixth pass). Yet a team's page shows the same residents
-- read after read. Now:
--
-- 1. audit_log.shown is a digest (SHA-256) of what a list read showed: its team, facility,
--    residents and their facilities. The database computes it on insert (the BEFORE trigger
--    that already stamps the actor's name), whatever the writer sends; a partial index finds
--    the reads of one digest by time.
-- 2. audit_log_seen_days records each resident of a digest once per UTC day, with the team
--    and facility its managers read by. The AFTER trigger writes the 50 rows the first time
--    a digest is seen on a day; every later read of it that day costs one index probe.
-- 3. "Who looked at this resident" stays exact: audit_trail() walks the resident's days
--    newest first and, for each digest of the day, its reads in that day by the partial
--    index (one monthly partition: a UTC day lies in one month), and an incremental sort on
--    the day merges them: the page is full after the newest days. Every read is its own row,
--    as before; the days only say where to look.
--
-- The rows audit_log_seen holds for earlier reads (their digest is NULL: audit_log is
-- append-only and is not rewritten) stay and are read as before until retention drops their
-- months; nothing writes to audit_log_seen any more.

ALTER TABLE audit_log ADD COLUMN shown bytea;

CREATE INDEX audit_log_shown_idx ON audit_log (shown, at DESC, id DESC)
    WHERE shown IS NOT NULL;

CREATE TABLE audit_log_seen_days (
    resident_id uuid NOT NULL,
    day         date NOT NULL,   -- UTC, as the monthly partitions
    shown       bytea NOT NULL,  -- audit_log.shown of the reads that showed the resident
    team_id     uuid,            -- as on those rows: whose managers may read them
    facility_id uuid,            -- the resident's facility then
    PRIMARY KEY (resident_id, day, shown)
);
ALTER TABLE audit_log_seen_days ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log_seen_days FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_seen_days_owner ON audit_log_seen_days TO CURRENT_USER
    USING (true) WITH CHECK (true);

-- The actor's name as it was (as before), and the digest of a list read. The separators make
-- the text unambiguous: a UUID or an array never contains '|'.
CREATE OR REPLACE FUNCTION audit_log_actor_name() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        SELECT name INTO NEW.user_name FROM users WHERE id = NEW.user_id;
        IF NEW.resident_ids IS NULL THEN
            NEW.shown := NULL;
        ELSE
            NEW.shown := sha256(convert_to(format('%s|%s|%s|%s', NEW.team_id, NEW.facility_id,
                                                  NEW.resident_ids, NEW.facility_ids), 'UTF8'));
        END IF;
        RETURN NEW;
    END
    $$;

-- Once per statement: the digests this statement's list reads are the first of today write
-- their residents. The probe is the digest's first resident; a concurrent first read of the
-- same digest waits on the other's rows (ON CONFLICT) and then writes nothing twice. A digest
-- always lists the same residents in the same order, so two such writers take their locks in
-- the same order.
CREATE OR REPLACE FUNCTION audit_log_index_seen() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        INSERT INTO audit_log_seen_days (resident_id, day, shown, team_id, facility_id)
        SELECT u.resident, d.day, d.shown, d.team_id, coalesce(u.facility, d.facility_id)
          FROM (SELECT DISTINCT ON (n.shown, (n.at AT TIME ZONE 'UTC')::date)
                       n.shown, (n.at AT TIME ZONE 'UTC')::date AS day, n.team_id,
                       n.facility_id, n.resident_ids, n.facility_ids
                  FROM new_rows n
                 WHERE n.shown IS NOT NULL) d
         CROSS JOIN LATERAL unnest(d.resident_ids, d.facility_ids) u (resident, facility)
         WHERE u.resident IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM audit_log_seen_days s
                            WHERE s.resident_id = d.resident_ids[1] AND s.day = d.day
                              AND s.shown = d.shown)
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    END
    $$;

-- Retention drops the days with the months (as audit_log_seen's rows).
CREATE OR REPLACE FUNCTION audit_log_drop_before(p_before date) RETURNS integer
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
        DELETE FROM audit_log_seen_days WHERE day < date_trunc('month', p_before)::date;
        RETURN dropped;
    END
    $$;
REVOKE ALL ON FUNCTION audit_log_drop_before(date) FROM PUBLIC;

-- As in 0063, with the list reads found through their days as well as through the earlier
-- per-read index. Each lateral is kept a lateral (LIMIT, OFFSET 0): pulled up into a join, a
-- generic plan hashed all of audit_log for the per-read index (1.4 s at region scale), and
-- even a lateral one sorted a resident's 36 000 per-read rows after a sequential scan rather
-- than walk their index backwards and stop at the page (0.23 s): no sequential scans here.
-- One generic plan per connection: a custom plan over 74 monthly partitions and four
-- branches took 70 ms to make, every call; the generic one runs in 5-15 ms.
CREATE OR REPLACE FUNCTION audit_trail(p_resident uuid, p_before_at timestamptz,
                                       p_before_id bigint, p_limit integer,
                                       p_user uuid DEFAULT NULL, p_from date DEFAULT NULL,
                                       p_to date DEFAULT NULL, p_actions text[] DEFAULT NULL)
    RETURNS SETOF audit_log
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp SET enable_bitmapscan = off
    SET max_parallel_workers_per_gather = 0
    SET enable_seqscan = off SET plan_cache_mode = force_generic_plan
    AS $$
    DECLARE
        v_role text := app_role();
        v_org uuid := app_org_id();
        v_limit integer := least(greatest(p_limit, 1), 1000);
        v_lo timestamptz := coalesce(p_from::timestamp AT TIME ZONE 'Europe/Copenhagen',
                                     '-infinity');
        v_hi timestamptz := coalesce((p_to + 1)::timestamp AT TIME ZONE 'Europe/Copenhagen',
                                     'infinity');
        v_cur_at timestamptz := coalesce(p_before_at, 'infinity');
        v_cur_id bigint := coalesce(p_before_id, 9223372036854775807);
        -- the UTC days the reads can lie in
        v_day_lo date := (v_lo AT TIME ZONE 'UTC')::date;
        v_day_hi date := (least(v_hi, v_cur_at) AT TIME ZONE 'UTC')::date;
        v_lists boolean := p_actions IS NULL OR 'search' = ANY (p_actions);
        v_reports boolean;
    BEGIN
        IF v_role IS NULL OR v_role NOT IN ('region_manager', 'facility_manager') THEN
            RETURN;
        END IF;
        -- report runs only of the caller's organisation, and only when it is the resident's
        SELECT (p_actions IS NULL OR 'report' = ANY (p_actions))
               AND ((v_role = 'region_manager' AND r.team_id = v_org)
                    OR (v_role = 'facility_manager' AND r.facility_id = v_org))
          INTO v_reports
          FROM residents r WHERE r.id = p_resident;
        v_reports := coalesce(v_reports, false);
        RETURN QUERY
        SELECT t.* FROM (
            (SELECT a.* FROM audit_log a
              WHERE a.resident_id = p_resident
                AND ((v_role = 'region_manager' AND a.team_id = v_org)
                     OR (v_role = 'facility_manager' AND a.facility_id = v_org))
                AND a.at >= v_lo AND a.at < v_hi AND a.at <= v_cur_at
                AND (a.at, a.id) < (v_cur_at, v_cur_id)
                AND (p_user IS NULL OR a.user_id = p_user)
                AND (p_actions IS NULL OR a.action = ANY (p_actions))
              ORDER BY a.at DESC, a.id DESC LIMIT v_limit)
            UNION ALL
            -- list reads: the resident's days newest first, each digest's reads of the day
            -- newest first; the sort within a day stops the walk once the page is full
            (SELECT a.* FROM (
                    SELECT d.day, d.shown FROM audit_log_seen_days d
                     WHERE v_lists AND d.resident_id = p_resident
                       AND ((v_role = 'region_manager' AND d.team_id = v_org)
                            OR (v_role = 'facility_manager' AND d.facility_id = v_org))
                       AND d.day >= v_day_lo AND d.day <= v_day_hi
                     ORDER BY d.day DESC) d
               CROSS JOIN LATERAL (
                    SELECT * FROM audit_log x
                     WHERE x.shown = d.shown
                       AND x.at >= d.day::timestamp AT TIME ZONE 'UTC'
                       AND x.at < (d.day + 1)::timestamp AT TIME ZONE 'UTC'
                       AND x.at >= v_lo AND x.at < v_hi AND x.at <= v_cur_at
                       AND (x.at, x.id) < (v_cur_at, v_cur_id)
                       AND (p_user IS NULL OR x.user_id = p_user)
                       AND (p_actions IS NULL OR x.action = ANY (p_actions))
                     ORDER BY x.at DESC, x.id DESC LIMIT v_limit) a
              ORDER BY d.day DESC, a.at DESC, a.id DESC LIMIT v_limit)
            UNION ALL
            -- list reads before 0077, from their per-read index
            (SELECT a.* FROM (
                    SELECT s.at, s.audit_id FROM audit_log_seen s
                     WHERE v_lists AND s.resident_id = p_resident
                       AND ((v_role = 'region_manager' AND s.team_id = v_org)
                            OR (v_role = 'facility_manager' AND s.facility_id = v_org))
                       AND s.at >= v_lo AND s.at < v_hi AND s.at <= v_cur_at
                       AND (s.at, s.audit_id) < (v_cur_at, v_cur_id)
                     ORDER BY s.at DESC, s.audit_id DESC) s
               CROSS JOIN LATERAL (SELECT * FROM audit_log x
                                    WHERE x.id = s.audit_id AND x.at = s.at
                                      AND (p_user IS NULL OR x.user_id = p_user)
                                      AND (p_actions IS NULL OR x.action = ANY (p_actions))
                                    LIMIT 1) a
              LIMIT v_limit)
            UNION ALL
            (SELECT a.* FROM audit_log a
              WHERE v_reports AND a.resource_type = 'report' AND a.org_id = v_org
                AND a.at >= v_lo AND a.at < v_hi AND a.at <= v_cur_at
                AND (a.at, a.id) < (v_cur_at, v_cur_id)
                AND (p_user IS NULL OR a.user_id = p_user)
              ORDER BY a.at DESC, a.id DESC LIMIT v_limit)) t
         ORDER BY t.at DESC, t.id DESC
         LIMIT v_limit;
    END
    $$;

CREATE OR REPLACE FUNCTION audit_trail_summary(p_resident uuid, p_from date, p_to date)
    RETURNS TABLE (user_id uuid, user_name text, user_role text, org_id uuid, action text,
                   resource_type text, purpose text, outcome text, times bigint,
                   first_at timestamptz, last_at timestamptz)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp SET enable_bitmapscan = off
    SET max_parallel_workers_per_gather = 0
    AS $$
    #variable_conflict use_column
    DECLARE
        v_role text := app_role();
        v_org uuid := app_org_id();
        v_lo timestamptz := coalesce(p_from::timestamp AT TIME ZONE 'Europe/Copenhagen',
                                     '-infinity');
        v_hi timestamptz := coalesce((p_to + 1)::timestamp AT TIME ZONE 'Europe/Copenhagen',
                                     'infinity');
        v_day_lo date := (v_lo AT TIME ZONE 'UTC')::date;
        v_day_hi date := (v_hi AT TIME ZONE 'UTC')::date;
        v_reports boolean;
    BEGIN
        IF v_role IS NULL OR v_role NOT IN ('region_manager', 'facility_manager') THEN
            RETURN;
        END IF;
        SELECT (v_role = 'region_manager' AND r.team_id = v_org)
               OR (v_role = 'facility_manager' AND r.facility_id = v_org)
          INTO v_reports
          FROM residents r WHERE r.id = p_resident;
        v_reports := coalesce(v_reports, false);
        RETURN QUERY
        SELECT t.user_id, max(t.user_name), t.user_role, t.org_id, t.action,
               t.resource_type, t.purpose, t.outcome, count(*), min(t.at), max(t.at)
          FROM (
            SELECT a.user_id, a.user_name, a.user_role, a.org_id, a.action, a.resource_type,
                   a.purpose, a.outcome, a.at
              FROM audit_log a
             WHERE a.resident_id = p_resident
               AND ((v_role = 'region_manager' AND a.team_id = v_org)
                    OR (v_role = 'facility_manager' AND a.facility_id = v_org))
               AND a.at >= v_lo AND a.at < v_hi
            UNION ALL
            SELECT x.user_id, x.user_name, x.user_role, x.org_id, x.action, x.resource_type,
                   x.purpose, x.outcome, x.at
              FROM audit_log_seen_days d
              JOIN LATERAL (SELECT * FROM audit_log y
                             WHERE y.shown = d.shown
                               AND y.at >= d.day::timestamp AT TIME ZONE 'UTC'
                               AND y.at < (d.day + 1)::timestamp AT TIME ZONE 'UTC'
                               AND y.at >= v_lo AND y.at < v_hi OFFSET 0) x ON true
             WHERE d.resident_id = p_resident
               AND ((v_role = 'region_manager' AND d.team_id = v_org)
                    OR (v_role = 'facility_manager' AND d.facility_id = v_org))
               AND d.day >= v_day_lo AND d.day <= v_day_hi
            UNION ALL
            SELECT x.user_id, x.user_name, x.user_role, x.org_id, x.action, x.resource_type,
                   x.purpose, x.outcome, x.at
              FROM audit_log_seen s
              JOIN LATERAL (SELECT * FROM audit_log y
                             WHERE y.id = s.audit_id AND y.at = s.at LIMIT 1) x ON true
             WHERE s.resident_id = p_resident
               AND ((v_role = 'region_manager' AND s.team_id = v_org)
                    OR (v_role = 'facility_manager' AND s.facility_id = v_org))
               AND s.at >= v_lo AND s.at < v_hi
            UNION ALL
            SELECT a.user_id, a.user_name, a.user_role, a.org_id, a.action, a.resource_type,
                   a.purpose, a.outcome, a.at
              FROM audit_log a
             WHERE v_reports AND a.resource_type = 'report' AND a.org_id = v_org
               AND a.at >= v_lo AND a.at < v_hi) t
         GROUP BY t.user_id, t.user_role, t.org_id, t.action, t.resource_type, t.purpose,
                  t.outcome
         ORDER BY max(t.at) DESC
         LIMIT 2000;
    END
    $$;
