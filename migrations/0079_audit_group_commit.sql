-- Group commit of list-read audit rows (server/audit_batch.c).
--
-- A kept caseload page served again (0075) reads nothing but the caseload version, yet its
-- transaction wrote the audit rows and waited for their flush: 0.73 of its 0.85 ms of
-- machine time at region scale. The server now checks the version in a read-only
-- transaction and hands the rows to one writer that puts the rows of every request waiting
-- at that moment into one INSERT and one commit; each reply leaves only after its rows are
-- durable, as before, so no page reaches anyone unaudited.
--
-- The writer's transaction carries no caller identity, so the function checks each
-- request's identity as app_begin() does (account active, role, organisation, session
-- version) and writes only the rows of those that pass: it can write no more than the
-- caller's own transaction could. It returns the numbers (1-based) of the requests whose
-- rows it wrote; a request it does not return is refused.
--
-- The rows come made: one per team of the residents shown, as AUDIT_SHOWN_ROWS
-- (server/app.h) makes them (residents in id order with their facilities when they are of
-- more than one, or the one resident), grouped by the server from the page it keeps, the
-- residents of all rows in one array in binary: the writer's one backend is the limit of
-- group commit, and parsing and grouping fifty ids per request in SQL was two thirds of its
-- time (docs/BENCHMARKS.md, sixth pass). Row k of the batch is request p_row_request[k]'s,
-- for team p_row_team[k] with p_row_shown[k] residents, the next ones of p_residents (and
-- of p_facilities, aligned, used when p_row_facilities[k]), and facility p_row_facility[k]
-- when they share one.
-- plpgsql, not sql: a SECURITY DEFINER sql function is planned anew on every call (0061).
CREATE FUNCTION audit_log_append_shown(p_users uuid[], p_roles text[], p_orgs uuid[],
                                       p_svs integer[], p_request_ids text[],
                                       p_clients text[], p_actions text[], p_types text[],
                                       p_purposes text[], p_row_request integer[],
                                       p_row_team uuid[], p_row_facility uuid[],
                                       p_row_shown integer[], p_row_facilities boolean[],
                                       p_residents uuid[], p_facilities uuid[])
    RETURNS SETOF bigint
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    BEGIN
        RETURN QUERY
        WITH request AS (
            SELECT q.*
              FROM unnest(p_users, p_roles, p_orgs, p_svs, p_request_ids, p_clients,
                          p_actions, p_types, p_purposes)
                   WITH ORDINALITY AS q (user_id, user_role, org_id, sv, request_id,
                                         client_addr, action, resource_type, purpose, n)
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
              JOIN request q ON q.n = w.request
             WHERE w.shown >= 1
             ORDER BY w.k
            RETURNING 1
        )
        SELECT q.n FROM request q ORDER BY q.n;
    END
    $$;

REVOKE ALL ON FUNCTION audit_log_append_shown(uuid[], text[], uuid[], integer[], text[], text[],
                                              text[], text[], text[], integer[], uuid[], uuid[],
                                              integer[], boolean[], uuid[], uuid[])
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_log_append_shown(uuid[], text[], uuid[], integer[], text[],
                                                 text[], text[], text[], text[], integer[],
                                                 uuid[], uuid[], integer[], boolean[], uuid[],
                                                 uuid[])
    TO samspil_app;

-- A batch brings many list reads to the statement trigger of 0077 at once, and with a small
-- audit_log_seen_days the planner answered its probe ("is this digest's day indexed yet")
-- with a hash anti-join over a scan of the whole table (the plan check found it on a freshly
-- loaded region database). The probe is one primary-key lookup per digest and day.
ALTER FUNCTION audit_log_index_seen() SET enable_seqscan = off;
