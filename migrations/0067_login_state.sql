-- Failed log-ins across servers (issue 12): the counts and lock-outs that lived in each
-- server's memory (so two servers behind a proxy allowed twice the guesses, and a restart
-- forgot them) are kept here, shared by every server on the database.
--
-- One row per key, as the server spells them (server/auth.c):
--   p:<account digest>:<address>  failures of an account from one client address (refused
--                                  at LOGIN_MAX_FAILURES),
--   ip:<address>                  failures from one address over all accounts (refused at
--                                  LOGIN_MAX_FAILURES_PER_ADDRESS),
--   a:<account digest>            failures of an account from anywhere (answers slowed).
-- The account is a 16-byte BLAKE2b digest of its lower-cased e-mail address, so no address
-- anybody typed (existing or not) is stored. A key counts within a fixed window that starts
-- with its first failure; an expired row is reset by the next failure of the key and removed
-- by later failures (a bounded batch, oldest first, through the index on window_start).
--
-- The application role has no privilege on the table: it reaches it through the three
-- functions below only (SECURITY DEFINER, owned by the owner), which touch the rows of the
-- keys they are given and the oldest expired rows, and nothing else.
CREATE TABLE login_failures (
    key          text        PRIMARY KEY CHECK (length(key) BETWEEN 3 AND 200),
    window_start timestamptz NOT NULL,
    failures     integer     NOT NULL CHECK (failures > 0)
);
CREATE INDEX login_failures_window ON login_failures (window_start);
ALTER TABLE login_failures ENABLE ROW LEVEL SECURITY; -- no policy: nobody but the owner
REVOKE ALL ON login_failures FROM PUBLIC;

-- Before the password is checked: the seconds until the pair or the address may try again
-- (0: not refused) and the account's failures within the window (for the slow-down).
CREATE FUNCTION login_state(p_pair text, p_address text, p_account text, p_window_s integer,
                            p_max_pair integer, p_max_address integer)
    RETURNS TABLE (retry_after integer, account_failures integer)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        WITH live AS (
            SELECT f.key, f.failures,
                   f.window_start + make_interval(secs => p_window_s) - now() AS left_over
              FROM login_failures f
             WHERE f.key IN (p_pair, p_address, p_account)
               AND f.window_start > now() - make_interval(secs => p_window_s))
        -- left_over > 0 for a live row, so a refusal is at least 1 s; no row: NULL, so 0
        SELECT coalesce((SELECT ceil(extract(epoch FROM max(l.left_over)))::integer
                           FROM live l
                          WHERE (l.key = p_pair AND l.failures >= p_max_pair)
                             OR (l.key = p_address AND l.failures >= p_max_address)), 0),
               coalesce((SELECT l.failures FROM live l WHERE l.key = p_account), 0)
    $$;

-- A wrong password (or an unknown or inactive account): one more failure for each key, in
-- a new window when the key's old one has passed; then up to 100 of the oldest expired rows
-- go (rows another log-in holds are skipped, not waited for).
CREATE FUNCTION login_failed(p_pair text, p_address text, p_account text, p_window_s integer)
    RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        INSERT INTO login_failures AS f (key, window_start, failures)
        VALUES (p_account, now(), 1), (p_pair, now(), 1), (p_address, now(), 1)
        ON CONFLICT (key) DO UPDATE
           SET window_start = CASE WHEN f.window_start <= now() - make_interval(secs => p_window_s)
                                   THEN now() ELSE f.window_start END,
               failures = CASE WHEN f.window_start <= now() - make_interval(secs => p_window_s)
                               THEN 1 ELSE f.failures + 1 END;
        DELETE FROM login_failures
         WHERE key IN (SELECT key FROM login_failures
                        WHERE window_start <= now() - make_interval(secs => p_window_s)
                        ORDER BY window_start LIMIT 100
                        FOR UPDATE SKIP LOCKED);
    $$;

-- A successful log-in: the account's failures, from anywhere and from this address, are
-- forgotten (the address's count over all accounts stays).
CREATE FUNCTION login_succeeded(p_pair text, p_account text)
    RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
        DELETE FROM login_failures WHERE key IN (p_pair, p_account);
    $$;

REVOKE ALL ON FUNCTION login_state(text, text, text, integer, integer, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION login_failed(text, text, text, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION login_succeeded(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION login_state(text, text, text, integer, integer, integer) TO samspil_app;
GRANT EXECUTE ON FUNCTION login_failed(text, text, text, integer) TO samspil_app;
GRANT EXECUTE ON FUNCTION login_succeeded(text, text) TO samspil_app;
