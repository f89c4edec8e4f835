#!/usr/bin/env bash
# Plan check: every statement the browser app's pages make the server run, as the roles that
# use them, on a region-shaped database, must read by index. Fails on
#   - a sequential scan of conversations, admissions, audit_log (any partition) or users;
#   - a PL/pgSQL function (other than a trigger) called below the root of a plan, i.e. once
#     per row (a function at the root, such as a report, runs once per statement).
#   - JIT compilation on for samspil_app (migration 0065: it cost more than the statements).
# How: auto_explain logs the plan of every statement samspil_app runs (nested ones too, so the
# statements inside report functions are seen), while tests/bench/pages.mjs walks the pages
# against a server started here; the log is read afterwards. The settings are made for
# samspil_app in this database only and removed at exit.
#
# Needs: DATABASE_URL, DATABASE_MIGRATE_URL (a superuser: auto_explain), JWT_SECRET,
# SAMSPIL_BIN, PGLOG (the cluster's log file), a database with region-shaped data.
# Usage: tests/plans/check.sh [OUT_DIR]
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${1:-$ROOT/build/plans}
PSQL=${TEST_PGBIN:-/usr/lib/postgresql/15/bin}/psql
: "${DATABASE_URL:?}" "${DATABASE_MIGRATE_URL:?}" "${JWT_SECRET:?}" "${SAMSPIL_BIN:?}" "${PGLOG:?}"
mkdir -p "$OUT"

say() { printf '  -> %s\n' "$*"; }
die() { printf 'plans/check.sh: error: %s\n' "$*" >&2; exit 1; }
owner() { "$PSQL" -X -v ON_ERROR_STOP=1 -qtA "$DATABASE_MIGRATE_URL" "$@"; }

DB=$(owner -c 'SELECT current_database()')
SERVER_PID=""
reset_role() {
  owner -c "ALTER ROLE samspil_app IN DATABASE \"$DB\" RESET session_preload_libraries" \
        -c "ALTER ROLE samspil_app IN DATABASE \"$DB\" RESET auto_explain.log_min_duration" \
        -c "ALTER ROLE samspil_app IN DATABASE \"$DB\" RESET auto_explain.log_nested_statements" \
        -c "ALTER ROLE samspil_app IN DATABASE \"$DB\" RESET auto_explain.log_verbose" \
        -c "ALTER ROLE samspil_app IN DATABASE \"$DB\" RESET auto_explain.log_level" >/dev/null || true
}
cleanup() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  fi
  reset_role
}
trap cleanup EXIT

n=$(owner -c 'SELECT count(*) FROM conversations')
(( n >= 100000 )) || die "the database holds $n conversations: load region-shaped data first (./dev run --scale region)"
[[ -r $PGLOG ]] || die "cannot read the cluster log $PGLOG"
# JIT compilation cost 270-330 ms per board or report statement at region scale (0065)
jit=$("$PSQL" -X -qtA "$DATABASE_URL" -c 'SHOW jit')
[[ $jit == off ]] || die "JIT is $jit for samspil_app in this database (migration 0065 turns it off)"

say "auto_explain for samspil_app in database $DB (every statement, nested ones too)"
owner -c "ALTER ROLE samspil_app IN DATABASE \"$DB\" SET session_preload_libraries = 'auto_explain'" \
      -c "ALTER ROLE samspil_app IN DATABASE \"$DB\" SET auto_explain.log_min_duration = 0" \
      -c "ALTER ROLE samspil_app IN DATABASE \"$DB\" SET auto_explain.log_nested_statements = on" \
      -c "ALTER ROLE samspil_app IN DATABASE \"$DB\" SET auto_explain.log_verbose = on" \
      -c "ALTER ROLE samspil_app IN DATABASE \"$DB\" SET auto_explain.log_level = 'log'" >/dev/null
# the PL/pgSQL functions that are not triggers
owner -c "SELECT p.proname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
          JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE l.lanname = 'plpgsql' AND n.nspname = 'public'
            AND p.prorettype <> 'trigger'::regtype ORDER BY 1" >"$OUT/plpgsql-functions.txt"

PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
OFFSET=$(stat -c %s "$PGLOG")
say "starting $SAMSPIL_BIN serve on $BASE"
PORT=$PORT BIND_ADDRESS=127.0.0.1 PUBLIC_ORIGIN=$BASE RATE_LIMIT_PER_MINUTE=10000000 \
  "$SAMSPIL_BIN" serve >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
for (( i = 0; i < 150; i++ )); do
  curl -fsS -o /dev/null --max-time 2 "$BASE/healthz" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$OUT/server.log" >&2; die "the server exited"; }
  sleep 0.2
done
# 7 runs after 1: prepared statements switch to a generic plan after five custom ones
say "walking the pages (tests/bench/pages.mjs, 7 runs after 1 warm-up)"
node "$ROOT/tests/bench/pages.mjs" "$BASE" plans "$OUT" 7 1 >"$OUT/pages.txt"
kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""
sleep 0.5
tail -c +"$((OFFSET + 1))" "$PGLOG" >"$OUT/explain.log"

/usr/bin/python3 "$HERE/read_plans.py" "$OUT/explain.log" "$OUT/plpgsql-functions.txt"
