-- Reports for managers (server/reports.c). Each report is one SQL function returning a flat
-- table, run with the caller's identity (SECURITY INVOKER), so row-level security decides
-- which agreements, admissions, conversations and residents are counted: a report never
-- counts rows its reader could not see. Tables owned by other modules (monday_mails and
-- admissions from 0030, conversations from 0020) are reached only behind to_regclass() so the
-- reports keep working (with those figures NULL or empty) in a schema without them; PL/pgSQL
-- parses a statement only when it first runs, so an untaken branch never touches them.
-- Times are bucketed in Europe/Copenhagen.

-- The last 12 ISO weeks (Mondays) inside [p_from, p_to] whose Monday-mail deadline (Monday
-- at p_deadline, Copenhagen time) has passed, with that deadline.
CREATE FUNCTION report_mail_weeks(p_from date, p_to date, p_deadline time)
    RETURNS TABLE (monday date, deadline timestamptz)
    LANGUAGE sql STABLE
    AS $$
        SELECT w.monday, (w.monday + p_deadline) AT TIME ZONE 'Europe/Copenhagen'
          FROM (SELECT (date_trunc('week', current_date) - g * interval '1 week')::date AS monday
                  FROM generate_series(0, 11) g) w
         WHERE w.monday BETWEEN p_from AND p_to
           AND (w.monday + p_deadline) AT TIME ZONE 'Europe/Copenhagen' <= now()
    $$;

-- How many of the agreement's Monday mails of the last 12 ISO weeks were due and how many
-- of those were sent by the deadline. NULL on_time when the monday_mails table does not exist.
CREATE FUNCTION report_monday_mails(p_agreement uuid, OUT due integer, OUT on_time integer)
    LANGUAGE plpgsql STABLE
    AS $$
    #variable_conflict use_column
    DECLARE
        a agreements%ROWTYPE;
    BEGIN
        SELECT * INTO a FROM agreements WHERE id = p_agreement;
        IF NOT FOUND OR NOT a.monday_mail_agreed THEN
            due := 0;
            on_time := 0;
            RETURN;
        END IF;
        SELECT count(*)::integer INTO due
          FROM report_mail_weeks(a.valid_from, a.valid_to, a.monday_mail_deadline);
        IF to_regclass('public.monday_mails') IS NULL THEN
            on_time := NULL;
            RETURN;
        END IF;
        SELECT count(*)::integer INTO on_time
          FROM report_mail_weeks(a.valid_from, a.valid_to, a.monday_mail_deadline) w
          JOIN monday_mails m ON m.facility_id = a.facility_id
                             AND m.iso_week = to_char(w.monday, 'IYYY-"W"IW')
         WHERE m.sent_at IS NOT NULL AND m.sent_at <= w.deadline;
    END
    $$;

-- Agreements: status, days to expiry, fixed visits planned and held in the last 12 weeks,
-- management meetings due (dated up to today) and held, whether the next one is overdue,
-- Monday mails due and sent by the agreed deadline over the last 12 weeks.
CREATE FUNCTION report_agreements()
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
          CROSS JOIN LATERAL report_monday_mails(a.id) mm
         ORDER BY f.name, a.valid_from DESC, a.id
    $$;

-- Admissions of a team and/or facility over [p_from, p_to]: one 'total' row, one row per
-- month and one per weekday (ISO 1 = Monday), each with admissions, forced admissions and
-- their share, readmissions (admitted within 30 days of a discharge of the same resident,
-- derived) and their rate, and bed days of the admissions that started in the bucket (open
-- admissions count up to now). The same rows with period 'before' cover an equally long
-- period ending the day the earliest agreement of the pair started.
CREATE FUNCTION report_admissions(p_team uuid, p_facility uuid, p_from date, p_to date)
    RETURNS TABLE (period text, period_from date, period_to date, section text, label text,
                   admissions integer, forced integer, forced_share numeric,
                   readmissions integer, readmission_rate numeric, bed_days numeric)
    LANGUAGE plpgsql STABLE
    AS $$
    #variable_conflict use_column
    DECLARE
        started date;
        len integer := p_to - p_from;
    BEGIN
        IF to_regclass('public.admissions') IS NULL THEN
            RETURN;
        END IF;
        SELECT min(a.valid_from) INTO started FROM agreements a
         WHERE a.status IN ('active', 'expired', 'terminated')
           AND (p_team IS NULL OR a.team_id = p_team)
           AND (p_facility IS NULL OR a.facility_id = p_facility);
        RETURN QUERY
        WITH periods AS (
            SELECT 'during'::text AS period, p_from AS f, p_to AS t
            UNION ALL
            SELECT 'before', started - len - 1, started - 1 WHERE started IS NOT NULL
        ), adm AS (
            SELECT ad.*, (ad.admitted_at AT TIME ZONE 'Europe/Copenhagen')::date AS day,
                   EXISTS (SELECT 1 FROM admissions p
                            WHERE p.resident_id = ad.resident_id AND p.id <> ad.id
                              AND p.discharged_at IS NOT NULL
                              AND p.discharged_at <= ad.admitted_at
                              AND ad.admitted_at - p.discharged_at <= interval '30 days')
                       AS readmission,
                   extract(epoch FROM coalesce(ad.discharged_at, now()) - ad.admitted_at)
                       / 86400.0 AS stay_days
              FROM admissions ad
             WHERE (p_team IS NULL OR ad.team_id = p_team)
               AND (p_facility IS NULL OR ad.facility_id = p_facility)
        ), tagged AS (
            SELECT p.period, p.f, p.t, a.* FROM periods p
              JOIN adm a ON a.day BETWEEN p.f AND p.t
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
          LEFT JOIN tagged x ON x.period = b.period
               AND (b.section = 'total'
                    OR (b.section = 'month' AND to_char(x.day, 'YYYY-MM') = b.label)
                    OR (b.section = 'weekday' AND extract(isodow FROM x.day)::text = b.label))
         GROUP BY b.period, b.f, b.t, b.section, b.label, b.ord
         ORDER BY b.period DESC, b.ord, b.label;
    END
    $$;

-- Attendance per month over [p_from, p_to]: conversations logged, held, no-shows and
-- cancellations (by the resident, by staff) with the no-show rate, the cancellation rate and
-- the share lost (not held).
CREATE FUNCTION report_attendance(p_team uuid, p_facility uuid, p_from date, p_to date)
    RETURNS TABLE (month text, planned integer, held integer, no_show integer,
                   cancelled_by_resident integer, cancelled_by_staff integer,
                   no_show_rate numeric, cancellation_rate numeric, lost_rate numeric)
    LANGUAGE plpgsql STABLE
    AS $$
    #variable_conflict use_column
    BEGIN
        IF to_regclass('public.conversations') IS NULL THEN
            RETURN;
        END IF;
        RETURN QUERY
        WITH months AS (
            SELECT to_char(m, 'YYYY-MM') AS label
              FROM generate_series(date_trunc('month', p_from), p_to, interval '1 month') m
        ), conv AS (
            SELECT to_char(c.occurred_at AT TIME ZONE 'Europe/Copenhagen', 'YYYY-MM') AS label,
                   c.outcome
              FROM conversations c
             WHERE (c.occurred_at AT TIME ZONE 'Europe/Copenhagen')::date BETWEEN p_from AND p_to
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

-- Outcomes per resident over time: one row per KIP review in [p_from, p_to] with the
-- measures recorded then, whether a KIP existed by that day, and acute admissions, forced
-- admissions and bed days in the 365 days before the review (NULL without admissions).
CREATE FUNCTION report_outcomes(p_team uuid, p_facility uuid, p_from date, p_to date)
    RETURNS TABLE (resident_id uuid, resident_name text, reviewed_at date,
                   in_treatment_contact boolean, has_kip boolean, stable_housing boolean,
                   work_or_activity boolean, social_network boolean,
                   admissions_365d integer, forced_admissions_365d integer,
                   bed_days_365d numeric)
    LANGUAGE plpgsql STABLE
    AS $$
    #variable_conflict use_column
    BEGIN
        IF to_regclass('public.admissions') IS NULL THEN
            RETURN QUERY
            SELECT v.resident_id, r.name, v.reviewed_at, v.in_treatment_contact,
                   EXISTS (SELECT 1 FROM kip_versions k WHERE k.resident_id = v.resident_id
                              AND (k.created_at AT TIME ZONE 'Europe/Copenhagen')::date <= v.reviewed_at),
                   v.stable_housing, v.work_or_activity, v.social_network,
                   NULL::integer, NULL::integer, NULL::numeric
              FROM kip_reviews v JOIN residents r ON r.id = v.resident_id
             WHERE v.reviewed_at BETWEEN p_from AND p_to
               AND (p_team IS NULL OR v.team_id = p_team)
               AND (p_facility IS NULL OR v.facility_id = p_facility)
             ORDER BY r.name, v.resident_id, v.reviewed_at, v.id;
            RETURN;
        END IF;
        RETURN QUERY
        SELECT v.resident_id, r.name, v.reviewed_at, v.in_treatment_contact,
               EXISTS (SELECT 1 FROM kip_versions k WHERE k.resident_id = v.resident_id
                          AND (k.created_at AT TIME ZONE 'Europe/Copenhagen')::date <= v.reviewed_at),
               v.stable_housing, v.work_or_activity, v.social_network,
               ad.n, ad.forced, ad.bed_days
          FROM kip_reviews v JOIN residents r ON r.id = v.resident_id
          CROSS JOIN LATERAL (
              SELECT count(a.id)::integer AS n,
                     (count(a.id) FILTER (WHERE a.forced))::integer AS forced,
                     round(coalesce(sum(extract(epoch FROM coalesce(a.discharged_at, now())
                                                       - a.admitted_at) / 86400.0), 0)::numeric, 1)
                         AS bed_days
                FROM admissions a
               WHERE a.resident_id = v.resident_id
                 AND (a.admitted_at AT TIME ZONE 'Europe/Copenhagen')::date
                     BETWEEN v.reviewed_at - 365 AND v.reviewed_at) ad
         WHERE v.reviewed_at BETWEEN p_from AND p_to
           AND (p_team IS NULL OR v.team_id = p_team)
           AND (p_facility IS NULL OR v.facility_id = p_facility)
         ORDER BY r.name, v.resident_id, v.reviewed_at, v.id;
    END
    $$;

REVOKE ALL ON FUNCTION report_mail_weeks(date, date, time), report_monday_mails(uuid), report_agreements(),
    report_admissions(uuid, uuid, date, date), report_attendance(uuid, uuid, date, date),
    report_outcomes(uuid, uuid, date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION report_mail_weeks(date, date, time), report_monday_mails(uuid), report_agreements(),
    report_admissions(uuid, uuid, date, date), report_attendance(uuid, uuid, date, date),
    report_outcomes(uuid, uuid, date, date) TO samspil_app;
