-- The check of a kept caseload page moves into the audit writer's batch (server/audit_batch.c).
--
-- Since 0079 a kept page served again cost two transactions: a read-only one of the request
-- (app_begin and the caseload version check) and its share of the writer's batch. The batch
-- function already checks each request's identity as app_begin() does; it now also checks,
-- per request, what the read-only transaction checked (CASELOAD_CURRENT, server/residents.c):
-- the caseload version of the caller's organisation unchanged and the page's time facts not
-- run out, in the batch's snapshot, which is taken after every request of the batch arrived.
-- It writes the rows of the requests that pass both and answers, for each request whose
-- identity passed, whether its page was current: the server sends the kept page of those,
-- makes the page anew for the others (that statement writes its own rows), and refuses the
-- requests the function does not return (401), as before.
--
-- A request with no version to check (p_versions[i] NULL) is written as before (no caller
-- does that today; the parameter stays general). Only read and search rows, as before.
DROP FUNCTION audit_log_append_shown(uuid[], text[], uuid[], integer[], text[], text[], text[],
                                     text[], text[], integer[], uuid[], uuid[], integer[],
                                     boolean[], uuid[], uuid[]);

-- plpgsql, not sql: a SECURITY DEFINER sql function is planned anew on every call (0061).
CREATE FUNCTION audit_log_append_shown(p_users uuid[], p_roles text[], p_orgs uuid[],
                                       p_svs integer[], p_request_ids text[],
                                       p_clients text[], p_actions text[], p_types text[],
                                       p_purposes text[], p_versions bigint[],
                                       p_valid_until timestamptz[], p_row_request integer[],
                                       p_row_team uuid[], p_row_facility uuid[],
                                       p_row_shown integer[], p_row_facilities boolean[],
                                       p_residents uuid[], p_facilities uuid[])
    RETURNS TABLE (n bigint, current boolean)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        RETURN QUERY
        WITH request AS (
            SELECT q.*,
                   (q.version IS NULL
                    OR (coalesce((SELECT cv.version FROM caseload_versions cv
                                   WHERE cv.org_id = q.org_id), 0) = q.version
                        AND now() < q.valid_until)) AS is_current
              FROM unnest(p_users, p_roles, p_orgs, p_svs, p_request_ids, p_clients,
                          p_actions, p_types, p_purposes, p_versions, p_valid_until)
                   WITH ORDINALITY AS q (user_id, user_role, org_id, sv, request_id,
                                         client_addr, action, resource_type, purpose,
                                         version, valid_until, n)
              JOIN users u ON u.id = q.user_id
             WHERE u.active AND u.role = q.user_role AND u.org_id = q.org_id
               AND (q.sv IS NULL OR u.session_version = q.sv)
               AND q.action IN ('read', 'search')
        ), batch_row AS (
            SELECT w.*, coalesce(sum(w.shown) OVER (ORDER BY w.k ROWS BETWEEN UNBOUNDED
                                                    PRECEDING AND 1 PRECEDING), 0) AS off
              FROM unnest(p_row_request, p_row_team, p_row_facility, p_row_shown,
                          p_row_facilities)
                   WITH ORDINALITY AS w (request, team_id, facility_id, shown,
                                         with_facilities, k)
        ), written AS (
            INSERT INTO audit_log (user_id, user_role, org_id, action, resource_type,
                                   resource_id, resident_id, resident_ids, facility_ids,
                                   team_id, facility_id, purpose, outcome, request_id,
                                   client_addr)
            SELECT q.user_id, q.user_role, q.org_id, q.action, q.resource_type,
                   CASE WHEN w.shown = 1 THEN p_residents[w.off + 1]::text END,
                   CASE WHEN w.shown = 1 THEN p_residents[w.off + 1] END,
                   CASE WHEN w.shown > 1 THEN p_residents[w.off + 1:w.off + w.shown] END,
                   CASE WHEN w.shown > 1 AND w.with_facilities
                        THEN p_facilities[w.off + 1:w.off + w.shown] END,
                   w.team_id, w.facility_id, coalesce(q.purpose, ''), 'allowed',
                   nullif(q.request_id, ''), nullif(q.client_addr, '')
              FROM batch_row w
              JOIN request q ON q.n = w.request AND q.is_current
             WHERE w.shown >= 1
             ORDER BY w.k
            RETURNING 1
        )
        SELECT q.n, q.is_current FROM request q ORDER BY q.n;
    END
    $$;

REVOKE ALL ON FUNCTION audit_log_append_shown(uuid[], text[], uuid[], integer[], text[], text[],
                                              text[], text[], text[], bigint[], timestamptz[],
                                              integer[], uuid[], uuid[], integer[], boolean[],
                                              uuid[], uuid[])
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_log_append_shown(uuid[], text[], uuid[], integer[], text[],
                                                 text[], text[], text[], text[], bigint[],
                                                 timestamptz[], integer[], uuid[], uuid[],
                                                 integer[], boolean[], uuid[], uuid[])
    TO samspil_app;
