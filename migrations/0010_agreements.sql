-- Agreements (samarbejdsaftale): what the database enforces about their lifecycle,
-- the calendar an active agreement generates (fixed-presence visits and management
-- meetings as concrete rows), and the revocable iCalendar feed tokens.

-- ---- signed content never changes ----

-- Once an agreement leaves draft its content is frozen: only the lifecycle columns may
-- change, and only along the lifecycle. A change of content is a new version (renewal).
CREATE FUNCTION agreements_guard() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    DECLARE
        lifecycle constant text[] := ARRAY['status', 'version', 'updated_at', 'terminated_at'];
    BEGIN
        IF OLD.status <> 'draft'
           AND (to_jsonb(NEW) - lifecycle) IS DISTINCT FROM (to_jsonb(OLD) - lifecycle) THEN
            RAISE EXCEPTION 'The agreement has left draft; its content can no longer change. Renew it to make a new version.'
                USING ERRCODE = 'SA409', DETAIL = 'agreement-signed';
        END IF;
        IF NEW.status <> OLD.status AND NOT (
               (OLD.status = 'draft' AND NEW.status = 'awaiting_signatures')
            OR (OLD.status = 'awaiting_signatures' AND NEW.status IN ('draft', 'active', 'terminated'))
            OR (OLD.status = 'active' AND NEW.status IN ('expired', 'terminated'))) THEN
            RAISE EXCEPTION 'An agreement cannot go from % to %.', OLD.status, NEW.status
                USING ERRCODE = 'SA409', DETAIL = 'invalid-transition';
        END IF;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER agreements_guard BEFORE UPDATE ON agreements
    FOR EACH ROW EXECUTE FUNCTION agreements_guard();

-- Signatures are kept once given.
CREATE FUNCTION agreement_signatures_immutable() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        RAISE EXCEPTION 'signatures cannot be changed' USING ERRCODE = 'SA409',
            DETAIL = 'agreement-signed';
    END
    $$;
CREATE TRIGGER agreement_signatures_immutable BEFORE UPDATE OR DELETE ON agreement_signatures
    FOR EACH ROW EXECUTE FUNCTION agreement_signatures_immutable();

-- A signature is only given to an agreement awaiting signatures, and carries its pair.
CREATE FUNCTION agreement_signatures_check() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        a agreements%ROWTYPE;
    BEGIN
        SELECT * INTO a FROM agreements WHERE id = NEW.agreement_id;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no such agreement' USING ERRCODE = 'SA404', DETAIL = 'not-found';
        END IF;
        IF a.status <> 'awaiting_signatures' THEN
            RAISE EXCEPTION 'Only an agreement awaiting signatures can be signed.'
                USING ERRCODE = 'SA409', DETAIL = 'agreement-not-awaiting-signatures';
        END IF;
        NEW.team_id := a.team_id;
        NEW.facility_id := a.facility_id;
        RETURN NEW;
    END
    $$;
CREATE TRIGGER agreement_signatures_check BEFORE INSERT ON agreement_signatures
    FOR EACH ROW EXECUTE FUNCTION agreement_signatures_check();

-- ---- the calendar an agreement drives ----

-- Dates of the fixed presence: the first presence_weekday on or after valid_from, then
-- every presence_every_weeks weeks up to valid_to.
CREATE FUNCTION agreement_presence_dates(a agreements) RETURNS SETOF date
    LANGUAGE sql IMMUTABLE
    AS $$
        SELECT d::date
          FROM generate_series(
                   (a.valid_from + ((a.presence_weekday - extract(isodow FROM a.valid_from)::int + 7) % 7))::timestamp,
                   a.valid_to::timestamp, make_interval(weeks => a.presence_every_weeks)) d
    $$;

-- Dates of the management meetings: every management_every_months months from valid_from,
-- moved off weekends to the next Monday.
CREATE FUNCTION agreement_management_dates(a agreements) RETURNS SETOF date
    LANGUAGE sql IMMUTABLE
    AS $$
        SELECT (d + CASE extract(isodow FROM d)::int WHEN 6 THEN 2 WHEN 7 THEN 1 ELSE 0 END)::date
          FROM (SELECT (a.valid_from + make_interval(months => a.management_every_months * k))::date AS d
                  FROM generate_series(0, 600) k) s
         WHERE d <= a.valid_to
    $$;

-- Removes a generated occurrence that nobody touched: deleted when nothing refers to it,
-- otherwise (another module's rows point at it) cancelled.
CREATE FUNCTION calendar_withdraw(p_agreement uuid, p_from date) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        r record;
    BEGIN
        FOR r IN SELECT id FROM visits
                  WHERE agreement_id = p_agreement AND kind = 'fixed' AND series_date >= p_from
                    AND NOT touched AND status = 'planned' LOOP
            BEGIN
                DELETE FROM visits WHERE id = r.id;
            EXCEPTION WHEN foreign_key_violation THEN
                UPDATE visits SET status = 'cancelled', version = version + 1, updated_at = now()
                 WHERE id = r.id;
            END;
        END LOOP;
        FOR r IN SELECT id FROM meetings
                  WHERE agreement_id = p_agreement AND kind = 'management' AND series_date >= p_from
                    AND NOT touched AND status = 'planned' LOOP
            BEGIN
                DELETE FROM meetings WHERE id = r.id;
            EXCEPTION WHEN foreign_key_violation THEN
                UPDATE meetings SET status = 'cancelled', version = version + 1, updated_at = now()
                 WHERE id = r.id;
            END;
        END LOOP;
    END
    $$;

-- Generates the calendar of an agreement that just became active. Earlier versions lose
-- their future occurrences that nobody touched (from the new version's start); moved or
-- cancelled ones are kept, and the new series leaves their dates alone (the chain of
-- versions keeps one occurrence per date). Occurrences before
-- today are not back-filled. Returns the number of visits created.
-- SECURITY DEFINER because withdrawing needs DELETE, which the application role lacks; so
-- the caller's right is checked here: a manager of one of the two parties.
CREATE FUNCTION agreement_generate_calendar(p_agreement uuid) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        a agreements%ROWTYPE;
        prev uuid;
        chain uuid[] := ARRAY[p_agreement];
        start_from date;
        n integer;
    BEGIN
        SELECT * INTO a FROM agreements WHERE id = p_agreement;
        IF NOT FOUND OR a.status <> 'active' THEN
            RAISE EXCEPTION 'only an active agreement drives the calendar'
                USING ERRCODE = 'SA409', DETAIL = 'agreement-not-active';
        END IF;
        -- the application must be a manager of the pair; the owner (demo data) may always
        IF session_user <> current_user
           AND NOT coalesce(app_role() IN ('region_manager', 'facility_manager')
                            AND app_sees(a.team_id, a.facility_id), false) THEN
            RAISE EXCEPTION 'not a manager of this agreement' USING ERRCODE = '42501';
        END IF;
        start_from := greatest(a.valid_from, current_date);

        -- earlier versions: their future, untouched occurrences give way
        prev := a.previous_id;
        WHILE prev IS NOT NULL LOOP
            PERFORM calendar_withdraw(prev, start_from);
            chain := chain || prev;
            UPDATE agreements SET status = 'expired', version = version + 1, updated_at = now()
             WHERE id = prev AND status = 'active' AND a.valid_from <= current_date;
            SELECT previous_id INTO prev FROM agreements WHERE id = prev;
        END LOOP;

        INSERT INTO visits (team_id, facility_id, agreement_id, kind, series_date, starts_at, ends_at)
        SELECT a.team_id, a.facility_id, a.id, 'fixed', d,
               (d + a.presence_start) AT TIME ZONE 'Europe/Copenhagen',
               (d + a.presence_end) AT TIME ZONE 'Europe/Copenhagen'
          FROM agreement_presence_dates(a) d
         WHERE d >= start_from
           AND NOT EXISTS (SELECT 1 FROM visits v
                            WHERE v.agreement_id = ANY (chain) AND v.kind = 'fixed'
                              AND v.series_date = d)
        ON CONFLICT (agreement_id, series_date) DO NOTHING;
        GET DIAGNOSTICS n = ROW_COUNT;

        INSERT INTO meetings (team_id, facility_id, agreement_id, kind, title, series_date,
                              starts_at, ends_at)
        SELECT a.team_id, a.facility_id, a.id, 'management', 'Ledelsessamarbejdsmøde', d,
               (d + time '13:00') AT TIME ZONE 'Europe/Copenhagen',
               (d + time '14:30') AT TIME ZONE 'Europe/Copenhagen'
          FROM agreement_management_dates(a) d
         WHERE d >= start_from
           AND NOT EXISTS (SELECT 1 FROM meetings m
                            WHERE m.agreement_id = ANY (chain) AND m.kind = 'management'
                              AND m.series_date = d)
        ON CONFLICT (agreement_id, kind, series_date) DO NOTHING;
        RETURN n;
    END
    $$;
REVOKE ALL ON FUNCTION agreement_generate_calendar(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION calendar_withdraw(uuid, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION agreement_generate_calendar(uuid) TO samspil_app;
GRANT EXECUTE ON FUNCTION calendar_withdraw(uuid, date) TO samspil_app;

-- A terminated agreement withdraws its future, untouched occurrences (same right check).
CREATE FUNCTION agreement_withdraw_calendar(p_agreement uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
    DECLARE
        a agreements%ROWTYPE;
    BEGIN
        SELECT * INTO a FROM agreements WHERE id = p_agreement;
        IF NOT FOUND OR NOT coalesce(app_role() IN ('region_manager', 'facility_manager')
                                     AND app_sees(a.team_id, a.facility_id), false) THEN
            RAISE EXCEPTION 'not a manager of this agreement' USING ERRCODE = '42501';
        END IF;
        PERFORM calendar_withdraw(p_agreement, current_date + 1);
    END
    $$;
REVOKE ALL ON FUNCTION agreement_withdraw_calendar(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION agreement_withdraw_calendar(uuid) TO samspil_app;

-- ---- iCalendar feeds ----

-- A subscription URL's token, scoped to one agreement; only its SHA-256 is kept.
CREATE TABLE calendar_feeds (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agreement_id uuid NOT NULL REFERENCES agreements (id),
    team_id      uuid NOT NULL,
    facility_id  uuid NOT NULL,
    token_sha256 bytea NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
    created_by   uuid NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    revoked_by   uuid REFERENCES users (id)
);
CREATE INDEX calendar_feeds_agreement_idx ON calendar_feeds (agreement_id);

ALTER TABLE calendar_feeds ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_feeds FORCE ROW LEVEL SECURITY;
GRANT SELECT, INSERT ON calendar_feeds TO samspil_app;
GRANT UPDATE (revoked_at, revoked_by) ON calendar_feeds TO samspil_app;
CREATE POLICY calendar_feeds_read ON calendar_feeds FOR SELECT TO samspil_app
    USING ((SELECT app_sees(team_id, facility_id)));
CREATE POLICY calendar_feeds_create ON calendar_feeds FOR INSERT TO samspil_app
    WITH CHECK ((SELECT app_sees(team_id, facility_id)) AND created_by = (SELECT app_user_id()));
-- revoked by whoever made it, or by a manager of the pair
CREATE POLICY calendar_feeds_revoke ON calendar_feeds FOR UPDATE TO samspil_app
    USING ((SELECT app_sees(team_id, facility_id))
           AND (created_by = (SELECT app_user_id())
                OR (SELECT app_role()) IN ('region_manager', 'facility_manager')))
    WITH CHECK ((SELECT app_sees(team_id, facility_id)));
CREATE POLICY calendar_feeds_owner ON calendar_feeds TO CURRENT_USER USING (true) WITH CHECK (true);

-- Whether token opens the feed of the agreement (not revoked). Called without identity by
-- the public calendar.ics route, hence SECURITY DEFINER.
CREATE FUNCTION calendar_feed_valid(p_agreement uuid, p_token text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT EXISTS (SELECT 1 FROM calendar_feeds
                        WHERE token_sha256 = sha256(convert_to(p_token, 'UTF8'))
                          AND agreement_id = p_agreement AND revoked_at IS NULL)
    $$;

-- The events of a valid feed: the pair's visits and its management and joint meetings
-- (never network meetings, which are about one resident). Titles are fixed by kind, and no
-- free text (notes, minutes, typed titles) leaves: a calendar leaves the protected system.
CREATE FUNCTION calendar_feed_events(p_agreement uuid, p_token text)
    RETURNS TABLE (uid text, kind text, title text, starts_local text, ends_local text,
                   stamp text, sequence integer, status text, location text, description text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        WITH a AS (SELECT ag.* FROM agreements ag
                    WHERE ag.id = p_agreement AND calendar_feed_valid(p_agreement, p_token)),
        names AS (SELECT t.name AS team, f.name AS facility, f.address
                    FROM a JOIN organizations t ON t.id = a.team_id
                    JOIN organizations f ON f.id = a.facility_id),
        ev AS (
            SELECT v.id, 'visit'::text AS kind,
                   CASE v.kind WHEN 'fixed' THEN 'F-ACT fast tilstedeværelse'
                               WHEN 'extra' THEN 'F-ACT ekstra besøg'
                               WHEN 'home' THEN 'F-ACT hjemmebesøg'
                               WHEN 'phone' THEN 'F-ACT telefonkontakt'
                               ELSE 'F-ACT videokontakt' END AS title,
                   v.starts_at, v.ends_at, v.updated_at, v.version, v.status,
                   CASE WHEN v.kind IN ('phone', 'video') THEN '' ELSE n.facility || ', ' || n.address END AS location,
                   'F-ACT-teamet ' || n.team || ' hos ' || n.facility
                       || ' efter samarbejdsaftalen. Detaljer og dagsorden findes i Samspil.' AS description
              FROM a JOIN visits v ON v.team_id = a.team_id AND v.facility_id = a.facility_id
              CROSS JOIN names n
             WHERE v.starts_at > now() - interval '400 days'
            UNION ALL
            SELECT m.id, 'meeting',
                   CASE m.kind WHEN 'management' THEN 'Ledelsessamarbejdsmøde'
                               WHEN 'theme' THEN 'Temamøde'
                               WHEN 'teaching' THEN 'Undervisning'
                               ELSE 'Fællesmøde' END,
                   m.starts_at, m.ends_at, m.updated_at, m.version, m.status, '',
                   'Samarbejdsmøde mellem ' || n.team || ' og ' || n.facility
                       || '. Dagsorden og referat findes i Samspil.'
              FROM a JOIN meetings m ON m.team_id = a.team_id AND m.facility_id = a.facility_id
              CROSS JOIN names n
             WHERE m.kind <> 'network' AND m.starts_at > now() - interval '400 days')
        SELECT ev.id::text || '@samspil', ev.kind, ev.title,
               to_char(ev.starts_at AT TIME ZONE 'Europe/Copenhagen', 'YYYYMMDD"T"HH24MISS'),
               to_char(ev.ends_at AT TIME ZONE 'Europe/Copenhagen', 'YYYYMMDD"T"HH24MISS'),
               to_char(ev.updated_at AT TIME ZONE 'UTC', 'YYYYMMDD"T"HH24MISS"Z"'),
               ev.version - 1, ev.status, ev.location, ev.description
          FROM ev ORDER BY ev.starts_at, ev.id LIMIT 5000
    $$;
-- The pair's names for the calendar's own name (organisations, never people).
CREATE FUNCTION calendar_feed_name(p_agreement uuid, p_token text) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        SELECT 'Samspil: ' || t.name || ' og ' || f.name
          FROM agreements a JOIN organizations t ON t.id = a.team_id
          JOIN organizations f ON f.id = a.facility_id
         WHERE a.id = p_agreement AND calendar_feed_valid(p_agreement, p_token)
    $$;
REVOKE ALL ON FUNCTION calendar_feed_valid(uuid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION calendar_feed_events(uuid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION calendar_feed_name(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION calendar_feed_valid(uuid, text) TO samspil_app;
GRANT EXECUTE ON FUNCTION calendar_feed_events(uuid, text) TO samspil_app;
GRANT EXECUTE ON FUNCTION calendar_feed_name(uuid, text) TO samspil_app;
