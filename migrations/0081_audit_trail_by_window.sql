-- "Who looked at this resident" walks the audit log newest first in windows of time.
--
-- audit_trail() (0077) asked its four branches over the whole period at once. Its plan is a
-- generic one (0077 says why), and a generic plan over 74 monthly partitions initialises
-- every partition's index scans that the period does not prune, on every call: with no
-- period that was 10-12 ms of the 12-16 a call cost at region scale (measured as
-- samspil_app: the same call over the last 20 days, 2.4-3.5 ms), however few rows the page
-- holds, and growing with every month kept. The walk now asks the same query for a window
-- at a time, newest first: the month before now (or before the cursor, or the period's
-- end), then each window four times as long as the one before, the last reaching back to
-- the period's start, and stops once the page is full. The windows do not overlap and each
-- round returns its rows newest first, so the page is exactly the newest rows before the
-- cursor, as before; a resident read every day fills a page in the first window, one with
-- little history costs at most six rounds, each initialising only its window's partitions
-- (2 rounds per doubling made such a resident's 597 rows over five years cost 13 ms, against
-- 9 ms in one round; a resident read every day: 2-4 ms, against 12-19).
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
        v_lists boolean := p_actions IS NULL OR 'search' = ANY (p_actions);
        v_reports boolean;
        -- the window of this round of the walk: [v_w_lo, v_w_hi), newest first
        v_w_hi timestamptz := least(v_hi, v_cur_at + interval '1 microsecond');
        v_w_lo timestamptz;
        v_span interval := interval '1 month';
        v_got integer := 0;
        v_n integer;
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
        -- the first window reaches a month back from now (or from the cursor or the period's
        -- end), each next one four times as long, the last one to the period's start
        v_w_lo := greatest(v_lo, least(v_w_hi, now() + interval '1 day') - v_span);
        LOOP
        RETURN QUERY
        SELECT t.* FROM (
            (SELECT a.* FROM audit_log a
              WHERE a.resident_id = p_resident
                AND ((v_role = 'region_manager' AND a.team_id = v_org)
                     OR (v_role = 'facility_manager' AND a.facility_id = v_org))
                AND a.at >= v_w_lo AND a.at < v_w_hi AND a.at <= v_cur_at
                AND (a.at, a.id) < (v_cur_at, v_cur_id)
                AND (p_user IS NULL OR a.user_id = p_user)
                AND (p_actions IS NULL OR a.action = ANY (p_actions))
              ORDER BY a.at DESC, a.id DESC LIMIT v_limit - v_got)
            UNION ALL
            -- list reads: the resident's days newest first, each digest's reads of the day
            -- newest first; the sort within a day stops the walk once the page is full
            (SELECT a.* FROM (
                    SELECT d.day, d.shown FROM audit_log_seen_days d
                     WHERE v_lists AND d.resident_id = p_resident
                       AND ((v_role = 'region_manager' AND d.team_id = v_org)
                            OR (v_role = 'facility_manager' AND d.facility_id = v_org))
                       AND d.day >= (v_w_lo AT TIME ZONE 'UTC')::date
                       AND d.day <= (least(v_w_hi, v_cur_at) AT TIME ZONE 'UTC')::date
                     ORDER BY d.day DESC) d
               CROSS JOIN LATERAL (
                    SELECT * FROM audit_log x
                     WHERE x.shown = d.shown
                       AND x.at >= d.day::timestamp AT TIME ZONE 'UTC'
                       AND x.at < (d.day + 1)::timestamp AT TIME ZONE 'UTC'
                       AND x.at >= v_w_lo AND x.at < v_w_hi AND x.at <= v_cur_at
                       AND (x.at, x.id) < (v_cur_at, v_cur_id)
                       AND (p_user IS NULL OR x.user_id = p_user)
                       AND (p_actions IS NULL OR x.action = ANY (p_actions))
                     ORDER BY x.at DESC, x.id DESC LIMIT v_limit - v_got) a
              ORDER BY d.day DESC, a.at DESC, a.id DESC LIMIT v_limit - v_got)
            UNION ALL
            -- list reads before 0077, from their per-read index
            (SELECT a.* FROM (
                    SELECT s.at, s.audit_id FROM audit_log_seen s
                     WHERE v_lists AND s.resident_id = p_resident
                       AND ((v_role = 'region_manager' AND s.team_id = v_org)
                            OR (v_role = 'facility_manager' AND s.facility_id = v_org))
                       AND s.at >= v_w_lo AND s.at < v_w_hi AND s.at <= v_cur_at
                       AND (s.at, s.audit_id) < (v_cur_at, v_cur_id)
                     ORDER BY s.at DESC, s.audit_id DESC) s
               CROSS JOIN LATERAL (SELECT * FROM audit_log x
                                    WHERE x.id = s.audit_id AND x.at = s.at
                                      AND (p_user IS NULL OR x.user_id = p_user)
                                      AND (p_actions IS NULL OR x.action = ANY (p_actions))
                                    LIMIT 1) a
              LIMIT v_limit - v_got)
            UNION ALL
            (SELECT a.* FROM audit_log a
              WHERE v_reports AND a.resource_type = 'report' AND a.org_id = v_org
                AND a.at >= v_w_lo AND a.at < v_w_hi AND a.at <= v_cur_at
                AND (a.at, a.id) < (v_cur_at, v_cur_id)
                AND (p_user IS NULL OR a.user_id = p_user)
              ORDER BY a.at DESC, a.id DESC LIMIT v_limit - v_got)) t
         ORDER BY t.at DESC, t.id DESC
         LIMIT v_limit - v_got;
            GET DIAGNOSTICS v_n = ROW_COUNT;
            v_got := v_got + v_n;
            EXIT WHEN v_got >= v_limit OR v_w_lo <= v_lo;
            v_w_hi := v_w_lo;
            v_span := v_span * 4;
            v_w_lo := CASE WHEN v_span > interval '40 years' THEN v_lo
                           ELSE greatest(v_lo, v_w_hi - v_span) END;
        END LOOP;
    END
    $$;

