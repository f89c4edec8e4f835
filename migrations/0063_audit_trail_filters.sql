-- The audit trail a manager can use (issue 10, item 8):
-- 1. audit_trail() takes filters: a person, a period (Copenhagen days) and actions. The
--    period bounds the index ranges (and prunes the monthly partitions), the person and the
--    actions filter on top; the keyset on (at, id) and the page limit stay as in 0060.
-- 2. Report runs are on the trail: a report reads every resident of the organisation it is
--    run for, in aggregate, and its audit row names no resident (team_id and facility_id are
--    NULL, so no policy shows it). A manager sees the report runs of people of the manager's
--    own organisation when the resident belongs to that organisation (as the managers'
--    policy does for the rows about the resident); never another organisation's.
-- 3. audit_trail_summary(): the same rows over a period, grouped by person, role,
--    organisation, action, what was touched and why, for the overview ("who opened the
--    record, who only saw the name in a list") and the resident's right of access (GDPR
--    art. 15).
-- Both run as the owner and apply the managers' read policy themselves (0060 says why);
-- tests/integration/test_audit.c checks both sides, another team and the other roles.

-- the report runs of an organisation, newest first
CREATE INDEX audit_log_report_idx ON audit_log (org_id, at DESC, id DESC)
    WHERE resource_type = 'report';

DROP FUNCTION audit_trail(uuid, timestamptz, bigint, integer);

-- p_actions: audit actions ('read', 'search', 'create', 'update', 'delete') and 'report' for
-- report runs; NULL for all. p_from / p_to: first and last day (Europe/Copenhagen), NULL for
-- open. p_user: the person who acted, NULL for anyone.
CREATE FUNCTION audit_trail(p_resident uuid, p_before_at timestamptz, p_before_id bigint,
                            p_limit integer, p_user uuid DEFAULT NULL, p_from date DEFAULT NULL,
                            p_to date DEFAULT NULL, p_actions text[] DEFAULT NULL)
    RETURNS SETOF audit_log
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp SET enable_bitmapscan = off
    SET max_parallel_workers_per_gather = 0
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
            -- the list reads from their index, newest first; each one's row by its key (the
            -- person and action filter there, so the scan stops once the page is full)
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
                                      AND (p_actions IS NULL OR x.action = ANY (p_actions))) a
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
REVOKE ALL ON FUNCTION audit_trail(uuid, timestamptz, bigint, integer, uuid, date, date, text[])
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_trail(uuid, timestamptz, bigint, integer, uuid, date, date, text[])
    TO samspil_app;

-- The trail of one resident over a period, grouped: one row per person, role, organisation,
-- action, what was touched, stated purpose and outcome, with how often and when first and
-- last. At most 2 000 groups (the newest).
CREATE FUNCTION audit_trail_summary(p_resident uuid, p_from date, p_to date)
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
              FROM audit_log_seen s
              JOIN LATERAL (SELECT * FROM audit_log y
                             WHERE y.id = s.audit_id AND y.at = s.at) x ON true
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
REVOKE ALL ON FUNCTION audit_trail_summary(uuid, date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_trail_summary(uuid, date, date) TO samspil_app;
