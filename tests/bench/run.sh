#!/usr/bin/env bash
# Samspil throughput benchmark. Run it through `./dev bench`, which builds Release into build/,
# starts a throwaway PostgreSQL cluster, migrates it, loads the demo data and exports
# DATABASE_URL (samspil_app), DATABASE_MIGRATE_URL (owner), JWT_SECRET, MIGRATIONS_DIR,
# STATIC_DIR, SAMSPIL_BIN, SAMSPIL_SOURCE_DIR, TEST_PGDATA and TEST_PGBIN.
#
# What it measures (see docs/BENCHMARKS.md):
#   wrk      GET /healthz and GET /api/residents (as clinician@slagelse.demo: RLS + audit)
#            on build/samspil serve (WORKER_THREADS=2, rate limit out of the way)
#   wrk      tests/bench/bare_mhd.c: libmicrohttpd with lib/http.c's options, GET / (no
#            database) and GET /db (one `SELECT 1` per request, one connection per worker)
#   pgbench  -S on a separate database `bench` (scale 10), and scripts replaying what
#            /api/residents sends per request (statement texts taken from the C sources)
# Every benchmark runs once per round, rounds interleave them (so background load on a
# shared machine hits all alike), and the report gives the median of the rounds.
# No assertions on speed: exits non-zero only when something fails to run.
#
#   node     tests/bench/pages.mjs: every main page's requests, as the role that uses it
#            (sequential medians and maxima; small vs region once both have run)
#
# Usage: tests/bench/run.sh [--rounds N] [--duration SECONDS] [--connections N] [--warmup SECONDS]
#   defaults: 3 rounds of 5 s per benchmark, wrk -t2 -c64, 2 s warm-up before round 1
#   BENCH_SCALE=small|region names the data set (./dev bench --scale sets it);
#   BENCH_WORKERS the server's WORKER_THREADS (default 8 per core, as the server), BENCH_POOL its
#   DB_POOL_SIZE (default 4 per core + 2, as the server), BENCH_AUDIT_BATCH_MAX its AUDIT_BATCH_MAX,
#   BENCH_KEEP_ALIVE its KEEP_ALIVE (default 1, as behind the proxy; 0: one request per connection).
# Results: printed, and written to build/bench/results-SCALE.txt and results-latest.txt (raw
# outputs in build/bench/).
set -euo pipefail

ROUNDS=${BENCH_ROUNDS:-3}
DURATION=${BENCH_DURATION:-5}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
WARMUP=${BENCH_WARMUP:-2}
# MHD thread pool and connections of the server under test: the server's defaults
# (server/config.c), eight workers per core (at most 64) on four connections per core + 2
CORES=$(nproc)
WORKERS=${BENCH_WORKERS:-$(( CORES * 8 < 64 ? CORES * 8 : 64 ))}
POOL_DEFAULT=$(( CORES * 4 + 2 < WORKERS + 2 ? CORES * 4 + 2 : WORKERS + 2 ))
POOL=${BENCH_POOL:-$(( POOL_DEFAULT < 64 ? POOL_DEFAULT : 64 ))}
AUDIT_BATCH_MAX=${BENCH_AUDIT_BATCH_MAX:-256}
SCALE=${BENCH_SCALE:-small}
# KEEP_ALIVE of the server: 1 (default) as behind the TLS proxy, which keeps its connections
# to the servers (and as the Node peer serves); 0 is a direct deployment's one request per
# connection.
KEEP=${BENCH_KEEP_ALIVE:-1}
WRK_THREADS=2
PGBENCH_CLIENTS=8

while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) ROUNDS=${2:-}; shift 2 ;;
    --duration) DURATION=${2:-}; shift 2 ;;
    --connections) CONNECTIONS=${2:-}; shift 2 ;;
    --warmup) WARMUP=${2:-}; shift 2 ;;
    -h | --help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) printf 'run.sh: unknown argument %s\n' "$1" >&2; exit 2 ;;
  esac
done
in_range() { [[ $1 =~ ^[0-9]+$ ]] && (( $1 >= $2 && $1 <= $3 )); }
in_range "$ROUNDS" 1 9 || { echo "run.sh: --rounds 1..9" >&2; exit 2; }
in_range "$DURATION" 1 60 || { echo "run.sh: --duration 1..60" >&2; exit 2; }
in_range "$CONNECTIONS" 1 190 || { echo "run.sh: --connections 1..190 (the server allows 200 per address)" >&2; exit 2; }
in_range "$WARMUP" 0 30 || { echo "run.sh: --warmup 0..30" >&2; exit 2; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=${SAMSPIL_SOURCE_DIR:-$(cd "$HERE/../.." && pwd)}
: "${DATABASE_URL:?run.sh expects DATABASE_URL (run it through ./dev bench)}"
: "${DATABASE_MIGRATE_URL:?run.sh expects DATABASE_MIGRATE_URL (run it through ./dev bench)}"
: "${JWT_SECRET:?run.sh expects JWT_SECRET (run it through ./dev bench)}"
SAMSPIL_BIN=${SAMSPIL_BIN:-$ROOT/build/samspil}
PGBIN=${TEST_PGBIN:-/usr/lib/postgresql/15/bin}
PSQL=$PGBIN/psql
PGBENCH=$PGBIN/pgbench
OUT=$ROOT/build/bench
RESULTS=$OUT/results-latest.txt
RESULTS_SCALE=$OUT/results-$SCALE.txt

# The demo clinician (server/demo/010_organizations_users.sql).
CLINICIAN_EMAIL=clinician@slagelse.demo
CLINICIAN_ID=30000000-0000-4000-8000-000000000002
CLINICIAN_ROLE=region_clinician
CLINICIAN_ORG=10000000-0000-4000-8000-000000000001

say() { printf '  -> %s\n' "$*"; }
die() { printf 'run.sh: error: %s\n' "$*" >&2; exit 1; }

for tool in wrk curl gcc pkg-config timeout "$PGBENCH" "$PSQL"; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not available"
done
[[ -x $SAMSPIL_BIN ]] || die "$SAMSPIL_BIN is not built"
PYTHON=$(command -v /usr/bin/python3 || command -v python3 || true)
[[ -n $PYTHON ]] || die "python3 is needed (free ports, statement extraction)"

mkdir -p "$OUT"
rm -rf "$OUT/pgbench" "$OUT"/wrk-*.txt "$OUT"/pgbench-*.txt "$OUT/rss-samples.txt"
mkdir -p "$OUT/pgbench"

# ---------------------------------------------------------------------------
# Processes this script starts (stopped by PID at exit)
# ---------------------------------------------------------------------------
PIDS=()
stop_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for (( i = 0; i < 150; i++ )); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local pid
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do stop_pid "$pid"; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_http() {  # wait_http URL PID LOG: up to 30 s for a 200
  local i
  for (( i = 0; i < 150; i++ )); do
    curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { tail -n 20 "$3" >&2; die "the process behind $1 exited"; }
    sleep 0.2
  done
  tail -n 20 "$3" >&2
  die "$1 did not answer within 30 s"
}

# url_with_db URL DBNAME: the same connection with another database.
url_with_db() {
  if [[ $1 =~ ^postgres(ql)?:// ]]; then
    sed -E "s#^(postgres(ql)?://[^/?]*)(/[^?]*)?#\\1/$2#" <<<"$1"
  else
    printf '%s dbname=%s\n' "$1" "$2"
  fi
}

psql_owner() { "$PSQL" -X -v ON_ERROR_STOP=1 -qtA "$DATABASE_MIGRATE_URL" "$@"; }

# --- how busy the machine was with work that is not ours (a shared machine's noise) ---
# tests/bench/cpu_noise.py sums the CPU time of every process outside this script's tree and
# the PostgreSQL cluster's; steal is the time the hypervisor gave to other guests.
POSTMASTER_PID=""
if [[ -n ${TEST_PGDATA:-} ]]; then
  POSTMASTER_PID=$(head -n1 "$TEST_PGDATA/postmaster.pid" 2>/dev/null || true)
fi
steal_ticks() { awk '/^cpu / {print $9}' /proc/stat; }
CLK_TCK=$(getconf CLK_TCK)
NCPU=$(nproc)

# ---------------------------------------------------------------------------
# Benchmarks and their per-round results
# ---------------------------------------------------------------------------
KEYS=()
declare -A NAME TOOL CONC RPS P99 NOTE
bench_register() {  # KEY NAME TOOL CONCURRENCY
  KEYS+=("$1"); NAME[$1]=$2; TOOL[$1]=$3; CONC[$1]=$4
  RPS[$1]=""; P99[$1]=""; NOTE[$1]=""
}
bench_record() {  # KEY RPS P99_MS [NOTE]
  RPS[$1]+="$2 "; P99[$1]+="$3 "
  if [[ -n ${4:-} ]]; then NOTE[$1]+="$4; "; fi
}
median() { tr ' ' '\n' | awk 'NF' | sort -g | awk '{v[NR] = $1} END { if (NR) printf "%s", v[int((NR + 1) / 2)] }'; }
spread() { tr ' ' '\n' | awk 'NF' | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END { if (NR > 1) printf "%s-%s", lo, hi }'; }
rps_of() { median <<<"${RPS[$1]:-}"; }

# Before each measured run: vacuum the audit log the runs keep appending to and write a
# checkpoint, so autovacuum and checkpoints are less likely to land inside a measurement.
settle() {
  psql_owner -c 'VACUUM (ANALYZE) audit_log' -c 'CHECKPOINT'
}

# wrk's latency with unit (123.45us, 1.23ms, 2.00s, 1.00m) in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
    printf "%.2f", n }'
}

# CPU time (clock ticks, user + system) of the server, and of the PostgreSQL cluster: the
# postmaster and its processes. Not the times of processes that exited: the backend of the
# VACUUM run before each measurement is reaped inside the measured window and added seconds
# of CPU to it (the region pass of 2026-12-02 read 5 ms per request that way).
server_ticks() { awk '{print $14 + $15}' "/proc/$SAMSPIL_PID/stat" 2>/dev/null || echo 0; }
cluster_ticks() {
  [[ -n $POSTMASTER_PID ]] || { echo 0; return; }
  local t p
  t=$(awk '{print $14 + $15}' "/proc/$POSTMASTER_PID/stat" 2>/dev/null || echo 0)
  for p in $(cat "/proc/$POSTMASTER_PID"/task/*/children 2>/dev/null); do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$t"
}
declare -A CPU_SERVER CPU_PG   # per key: ms of CPU per request, one value per round

# run_wrk KEY ROUND URL [wrk args...]: warm-up before round 1, then one measured run.
# Sets WRK_REQUESTS to the requests of warm-up + run (for the audit check), and records the
# server's and the database's CPU per request of the measured run (a figure that other work
# on a shared machine distorts much less than req/s).
run_wrk() {
  local key=$1 round=$2 url=$3 out rps p99 non2xx sockerr total note="" warm=0
  shift 3
  out=$OUT/wrk-$key-r$round.txt
  if (( round == 1 && WARMUP > 0 )); then
    timeout $((WARMUP + 30)) wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$@" "$url" >"$out"
    warm=$(awk '/requests in/ {print $1}' "$out")
  fi
  settle
  local s0 c0 s1 c1
  s0=$(server_ticks) c0=$(cluster_ticks)
  timeout $((DURATION + 30)) wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
    "$@" "$url" >"$out"
  s1=$(server_ticks) c1=$(cluster_ticks)
  rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
  p99=$(awk '$1 == "99%" {print $2}' "$out")
  total=$(awk '/requests in/ {print $1}' "$out")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")
  sockerr=$(sed -n 's/^ *Socket errors: *//p' "$out")
  [[ -n $rps && -n $p99 && -n $total ]] || { cat "$out" >&2; die "could not read wrk's output for ${NAME[$key]}"; }
  if [[ -n $non2xx ]]; then note+="NON-2xx: $non2xx of $total! "; fi
  if [[ -n $sockerr ]]; then note+="socket errors: $sockerr "; fi
  WRK_REQUESTS=$((total + warm))
  CPU_SERVER[$key]+="$(awk -v d=$((s1 - s0)) -v n="$total" -v hz="$CLK_TCK" 'BEGIN { if (n) printf "%.3f", d * 1000 / hz / n }') "
  CPU_PG[$key]+="$(awk -v d=$((c1 - c0)) -v n="$total" -v hz="$CLK_TCK" 'BEGIN { if (n) printf "%.3f", d * 1000 / hz / n }') "
  bench_record "$key" "$rps" "$(to_ms "$p99")" "${note% }"
  printf '  -> %-52s %8s req/s  p99 %s%s\n' "${NAME[$key]}" "$rps" "$p99" "${note:+  ($note)}"
}

# run_pgbench KEY ROUND URL [pgbench args...]: warm-up before round 1, then a measured run
# with a per-transaction log (for p99; pgbench prints only mean and stddev).
run_pgbench() {
  local key=$1 round=$2 url=$3 out tps p99 failed clients jobs note=""
  shift 3
  clients=${CONC[$key]}
  jobs=$(( clients < 2 ? clients : 2 ))
  out=$OUT/pgbench-$key-r$round.txt
  if (( round == 1 && WARMUP > 0 )); then
    timeout $((WARMUP + 60)) "$PGBENCH" -c"$clients" -j"$jobs" -T"$WARMUP" "$@" "$url" >"$out" 2>&1 ||
      { cat "$out" >&2; die "pgbench ${NAME[$key]} (warm-up) failed"; }
  fi
  settle
  timeout $((DURATION + 60)) "$PGBENCH" -c"$clients" -j"$jobs" -T"$DURATION" \
    -l --log-prefix="$OUT/pgbench/$key" "$@" "$url" >"$out" 2>&1 ||
    { cat "$out" >&2; die "pgbench ${NAME[$key]} failed"; }
  tps=$(sed -nE 's/^tps = ([0-9.]+) \(without initial connection time\)/\1/p' "$out" | awk '{printf "%.0f", $1}')
  if [[ -n ${PGB_TX_REQUESTS:-} ]]; then  # a transaction does the work of that many requests
    tps=$(awk -v t="$tps" -v k="$PGB_TX_REQUESTS" 'BEGIN { printf "%.0f", t * k }')
  fi
  failed=$(sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' "$out")
  # 3rd field of the transaction log: latency in microseconds.
  p99=$(cat "$OUT/pgbench/$key".* | awk '{print $3}' | sort -n |
        awk '{v[NR] = $1} END { if (NR) { i = int(NR * 0.99); if (i < 1) i = 1; printf "%.2f", v[i] / 1000 } }')
  rm -f "$OUT/pgbench/$key".*   # large; the summary stays in $out
  [[ -n $tps && -n $p99 ]] || { cat "$out" >&2; die "could not read pgbench's output for ${NAME[$key]}"; }
  if [[ -n $failed && $failed != 0 ]]; then note="FAILED transactions: $failed!"; fi
  bench_record "$key" "$tps" "$p99" "$note"
  printf '  -> %-52s %8s tps    p99 %sms%s\n' "${NAME[$key]}" "$tps" "$p99" "${note:+  ($note)}"
}

# ---------------------------------------------------------------------------
# Machine
# ---------------------------------------------------------------------------
PG_VERSION=$(psql_owner -c 'SHOW server_version')
PG_SETTINGS=$(psql_owner -c "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings
  WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers', 'full_page_writes')")
DATA_NOTE="$SCALE: "$(psql_owner -c "SELECT format('%s residents, %s conversations, %s admissions, %s audit rows; database %s',
  (SELECT count(*) FROM residents), (SELECT count(*) FROM conversations), (SELECT count(*) FROM admissions),
  (SELECT count(*) FROM audit_log), pg_size_pretty(pg_database_size(current_database())))")
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
[[ -n $CPU_MODEL ]] || CPU_MODEL=$(uname -m)
MACHINE="nproc $(nproc); CPU ${CPU_MODEL}; kernel $(uname -sr); $(awk '/^MemTotal/ {printf "%.1f GiB RAM", $2 / 1048576}' /proc/meminfo)"
REVISION=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$ROOT" status --porcelain --untracked-files=no -- server lib migrations 2>/dev/null) ]]; then
  REVISION+=" with uncommitted changes in server/, lib/ or migrations/"
fi
SOFTWARE="PostgreSQL ${PG_VERSION} (${PG_SETTINGS}); libmicrohttpd $(pkg-config --modversion libmicrohttpd); $(wrk -v 2>&1 | head -n1 | awk '{print $1, $2}'); $("$PGBENCH" --version)"

# ---------------------------------------------------------------------------
# Set-up: Samspil, bare MHD, pgbench database and scripts
# ---------------------------------------------------------------------------
PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
say "starting build/samspil serve on $BASE (WORKER_THREADS=$WORKERS DB_POOL_SIZE=$POOL AUDIT_BATCH_MAX=$AUDIT_BATCH_MAX; log: build/bench/samspil-serve.log)"
# RATE_LIMIT_PER_MINUTE: the largest value config.c accepts, so the limiter never answers 429.
PORT=$PORT BIND_ADDRESS=127.0.0.1 PUBLIC_ORIGIN=$BASE WORKER_THREADS=$WORKERS DB_POOL_SIZE=$POOL \
  AUDIT_BATCH_MAX=$AUDIT_BATCH_MAX \
  RATE_LIMIT_PER_MINUTE=10000000 KEEP_ALIVE=$KEEP \
  "$SAMSPIL_BIN" serve >"$OUT/samspil-serve.log" 2>&1 &
SAMSPIL_PID=$!
PIDS+=("$!")
wait_http "$BASE/healthz" "$!" "$OUT/samspil-serve.log"

say "logging in as $CLINICIAN_EMAIL"
LOGIN=$(curl -fsS --max-time 30 -H 'Content-Type: application/json' \
  -d "{\"email\":\"$CLINICIAN_EMAIL\",\"password\":\"demo-password\"}" "$BASE/api/auth/login") ||
  die "log-in as $CLINICIAN_EMAIL failed (is the demo data loaded?)"
TOKEN=$(sed -nE 's/.*"token":"([^"]+)".*/\1/p' <<<"$LOGIN")
[[ -n $TOKEN ]] || die "the log-in answer has no token"
AUTH="Authorization: Bearer $TOKEN"

# the caseload's first page of 50, as the big team's clinician
RES_PATH="/api/residents?limit=50"
BODY=$(curl -fsS --max-time 10 -H "$AUTH" "$BASE$RES_PATH") || die "GET $RES_PATH failed"
RESIDENTS_ROWS=$(grep -o '"date_of_birth"' <<<"$BODY" | wc -l)
(( RESIDENTS_ROWS > 0 )) || die "GET /api/residents returned no residents: $BODY"
RESIDENTS_BYTES=${#BODY}
HEALTH_BYTES=$(curl -fsS --max-time 10 "$BASE/healthz" | wc -c)
say "/api/residents returns $RESIDENTS_ROWS residents ($RESIDENTS_BYTES bytes of JSON)"

say "building build/bench/bare_mhd from tests/bench/bare_mhd.c"
# shellcheck disable=SC2046 # pkg-config prints several words
gcc -std=c11 -O2 -D_GNU_SOURCE -Wall -Wextra -o "$OUT/bare_mhd" "$HERE/bare_mhd.c" \
  $(pkg-config --cflags --libs libmicrohttpd libpq) -lpthread
BPORT=$(free_port)
BARE=http://127.0.0.1:$BPORT
# the owner's connection: the bare /list reads residents without row-level security
DATABASE_URL=$DATABASE_MIGRATE_URL LIST_TEAM_ID=$CLINICIAN_ORG \
  "$OUT/bare_mhd" "$BPORT" "$WORKERS" >"$OUT/bare_mhd.log" 2>&1 &
PIDS+=("$!")
wait_http "$BARE/" "$!" "$OUT/bare_mhd.log"
curl -fsS --max-time 10 -o /dev/null "$BARE/db" || die "bare_mhd /db cannot reach the database"
BARE_BYTES=$(curl -fsS --max-time 10 "$BARE/" | wc -c)
BARE_LIST_BYTES=$(curl -fsS --max-time 10 "$BARE/list" | wc -c)

# pgbench -S on its own database: private cluster only (never create or drop databases on
# a server named by the caller's DATABASE_URL).
BENCH_URL=""
if [[ -n ${TEST_PGDATA:-} ]]; then
  BENCH_URL=$(url_with_db "$DATABASE_MIGRATE_URL" bench)
  say "pgbench -i -s 10 into database bench"
  PGOPTIONS='-c client_min_messages=warning' psql_owner -c 'DROP DATABASE IF EXISTS bench' -c 'CREATE DATABASE bench'
  timeout 300 "$PGBENCH" -i -s 10 -q "$BENCH_URL" >"$OUT/pgbench-init.txt" 2>&1 ||
    { cat "$OUT/pgbench-init.txt" >&2; die "pgbench -i failed"; }
fi

# What one GET /api/residents sends, as samspil_app (RLS and the audit policy apply). The
# statement texts come from the C sources through the preprocessor, so they are the
# server's prepared statements. pgbench cannot bind SQL NULL, so the parameters that are
# NULL on a plain first page (cursor, filters) are written as literals; the page size and
# the purpose are bound as the server binds them.
say "extracting app_begin and residents_list from server/app.c and server/residents.c"
cpp_stmt() {  # cpp_stmt FILE NAME
  # shellcheck disable=SC2046
  gcc -E -P -I"$ROOT/lib" -I"$ROOT/server" $(pkg-config --cflags libpq libmicrohttpd jansson 2>/dev/null) \
    "$ROOT/$1" | "$PYTHON" "$HERE/extract_stmt.py" --pgbench "$2"
}
BEGIN_SQL=$(cpp_stmt server/app.c app_begin)
LIST_SQL=$(cpp_stmt server/residents.c residents_list)
# shellcheck disable=SC2016 # $n are SQL parameters
BEGIN_SQL=$(sed -E 's/\$1([^0-9]|$)/:uid\1/; s/\$2([^0-9]|$)/:role\1/; s/\$3([^0-9]|$)/:org\1/;
                   s/\$4([^0-9]|$)/:sv\1/; s/\$5([^0-9]|$)/:rid\1/; s/\$6([^0-9]|$)/:client\1/' <<<"$BEGIN_SQL")
# residents_list: $3 is the page size, $4 the purpose; every other parameter (cursor, filters)
# is NULL for a plain GET /api/residents (server/residents.c, list_tx).
# shellcheck disable=SC2016
LIST_SQL=$(sed -E 's/\$3([^0-9]|$)/:lim\1/g; s/\$4([^0-9]|$)/:purpose\1/g; s/\$[0-9]+/NULL/g' <<<"$LIST_SQL")
if grep -q '\$[0-9]' <<<"$BEGIN_SQL$LIST_SQL"; then
  die "unexpected parameters left in the extracted statements"
fi
SV=$(psql_owner -c "SELECT session_version FROM users WHERE id = '$CLINICIAN_ID'")
[[ -n $SV ]] || die "the demo clinician $CLINICIAN_ID is missing"
PGB_VARS=(-D "uid=$CLINICIAN_ID" -D "role=$CLINICIAN_ROLE" -D "org=$CLINICIAN_ORG" -D "sv=$SV"
          -D "client=127.0.0.1" -D "lim=50" -D "purpose=/api/residents")

# Four round trips: BEGIN, app_begin, the list (with its audit insert), COMMIT.
cat >"$OUT/residents_tx.sql" <<EOF
-- generated by tests/bench/run.sh: one GET /api/residents, statement by statement
\\set rid random(1, 2000000000)
BEGIN;
$BEGIN_SQL;
$LIST_SQL;
COMMIT;
EOF
# Two round trips, as lib/db.c does it: BEGIN + app_begin + the list pipelined and
# flushed, then COMMIT + sync. (pgbench 15 has no flush without a sync, so the first batch
# ends with a sync inside the open transaction: the same single round trip.)
cat >"$OUT/residents_pipelined.sql" <<EOF
-- generated by tests/bench/run.sh: one GET /api/residents in lib/db.c's two round trips
\\set rid random(1, 2000000000)
\\startpipeline
BEGIN;
$BEGIN_SQL;
$LIST_SQL;
\\endpipeline
COMMIT;
EOF

# The script must see what the API sees: the same rows, as samspil_app.
CHECK=$("$PSQL" -X -v ON_ERROR_STOP=1 -qtA "$DATABASE_URL" <<EOF
BEGIN;
SELECT app_begin('$CLINICIAN_ID', '$CLINICIAN_ROLE', '$CLINICIAN_ORG', $SV, 'bench-check', '127.0.0.1') \\gset
$(sed -E "s/:lim/'50'/g; s#:purpose#'/api/residents'#g" <<<"$LIST_SQL") \\g /dev/null
\\echo :ROW_COUNT
ROLLBACK;
EOF
) || die "the extracted residents statement does not run as samspil_app"
# the statement reads one row more than the page when there is a next page
EXPECT=$RESIDENTS_ROWS
grep -q '"next":null' <<<"$BODY" || EXPECT=$((RESIDENTS_ROWS + 1))
[[ $CHECK == "$EXPECT" ]] ||
  die "the residents statement returned $CHECK rows to samspil_app, expected $EXPECT (the API showed $RESIDENTS_ROWS)"

# The kept page served again (server/residents.c, the caseload cache): after the first
# request every GET /api/residents of the run runs this transaction instead of the list:
# the version and time check with the page's audit row. Its parameters are those of the
# page the API showed: the organisation's caseload version and the residents' ids, teams
# and facilities, read as samspil_app; the time limit is left open.
HIT_SQL=$(cpp_stmt server/residents.c residents_list_cached)
HIT_PARAMS=$("$PSQL" -X -v ON_ERROR_STOP=1 -qtA -F' ' "$DATABASE_URL" <<EOF
BEGIN;
SELECT app_begin('$CLINICIAN_ID', '$CLINICIAN_ROLE', '$CLINICIAN_ORG', $SV, 'bench-check', '127.0.0.1') \gset
SELECT coalesce((SELECT version FROM caseload_versions WHERE org_id = app_org_id()), 0),
       '{' || string_agg(id::text, ',' ORDER BY name, id) || '}',
       '{' || string_agg(team_id::text, ',' ORDER BY name, id) || '}',
       '{' || string_agg(facility_id::text, ',' ORDER BY name, id) || '}'
  FROM caseload_page(NULL, NULL, $RESIDENTS_ROWS, NULL, NULL, NULL, NULL);
ROLLBACK;
EOF
) || die "could not read the kept page's parameters"
read -r HIT_VERSION HIT_IDS HIT_TEAMS HIT_FACS <<<"$HIT_PARAMS"
[[ -n $HIT_FACS ]] || die "could not read the kept page's parameters ($HIT_PARAMS)"
# shellcheck disable=SC2016 # $n are SQL parameters
HIT_SQL=$(sed -E "s/\\\$1([^0-9]|\$)/$HIT_VERSION\1/g; s/\\\$2([^0-9]|\$)/'infinity'\1/g;
                  s/\\\$3([^0-9]|\$)/'$HIT_IDS'\1/g; s/\\\$4([^0-9]|\$)/'$HIT_TEAMS'\1/g;
                  s/\\\$5([^0-9]|\$)/'$HIT_FACS'\1/g; s/\\\$6([^0-9]|\$)/:purpose\1/g" <<<"$HIT_SQL")
if grep -q '\$[0-9]' <<<"$HIT_SQL"; then
  die "unexpected parameters left in residents_list_cached"
fi
cat >"$OUT/residents_hit.sql" <<EOF
-- generated by tests/bench/run.sh: one GET /api/residents served from the caseload cache
\\set rid random(1, 2000000000)
\\startpipeline
BEGIN;
$BEGIN_SQL;
$HIT_SQL;
\\endpipeline
COMMIT;
EOF
HIT_CHECK=$("$PSQL" -X -v ON_ERROR_STOP=1 -qtA "$DATABASE_URL" <<EOF
BEGIN;
SELECT app_begin('$CLINICIAN_ID', '$CLINICIAN_ROLE', '$CLINICIAN_ORG', $SV, 'bench-check', '127.0.0.1') \gset
$(sed -E "s#:purpose#'/api/residents'#g" <<<"$HIT_SQL");
ROLLBACK;
EOF
) || die "the extracted kept-page statement does not run as samspil_app"
[[ $HIT_CHECK == t ]] || die "the kept-page statement did not find the page current ($HIT_CHECK)"

# With group commit (AUDIT_BATCH_MAX > 0) a kept page costs no transaction of its own: the
# audit writer checks it (identity and caseload version) and writes its rows in one call of
# audit_log_append_shown() for every request then waiting, one batch after the other on its
# one connection (server/audit_batch.c). The replay runs that call for K requests of the page
# on one connection, K the mean batch of the round's caseload run, and counts K requests per
# transaction.
# the page's audit rows as the server makes them: one per team, residents in id order
PAGE_ROWS=$("$PSQL" -X -v ON_ERROR_STOP=1 -qtA -F' ' "$DATABASE_URL" <<EOF
SELECT string_agg(team::text, ',' ORDER BY team),
       string_agg(CASE WHEN nf = 1 THEN f1::text ELSE 'NULL' END, ',' ORDER BY team),
       string_agg(n::text, ',' ORDER BY team),
       string_agg(CASE WHEN n > 1 AND nf > 1 THEN 't' ELSE 'f' END, ',' ORDER BY team),
       string_agg(array_to_string(ids, ','), ',' ORDER BY team),
       string_agg(array_to_string(facs, ','), ',' ORDER BY team), count(*)
  FROM (SELECT x.team, count(*) AS n, count(DISTINCT x.fac) AS nf, (array_agg(x.fac))[1] AS f1,
               array_agg(x.id ORDER BY x.id) AS ids, array_agg(x.fac ORDER BY x.id) AS facs
          FROM unnest('$HIT_IDS'::uuid[], '$HIT_TEAMS'::uuid[], '$HIT_FACS'::uuid[])
               x (id, team, fac)
         GROUP BY x.team) t;
EOF
) || die "could not make the kept page's audit rows"
read -r ROW_TEAMS ROW_FACILITY ROW_SHOWN ROW_WITH ROW_IDS ROW_FACS ROW_COUNT <<<"$PAGE_ROWS"
[[ -n $ROW_COUNT ]] || die "could not make the kept page's audit rows ($PAGE_ROWS)"
# batch_script K: the writer's call for K requests of this page, as $OUT/residents_batch.sql
batch_script() {
  local k=$1 i j req="" teams="" facility="" shown="" with="" ids="" facs=""
  for (( i = 1; i <= k; i++ )); do
    for (( j = 0; j < ROW_COUNT; j++ )); do req+="${req:+,}$i"; done
    teams+="${teams:+,}$ROW_TEAMS" facility+="${facility:+,}$ROW_FACILITY"
    shown+="${shown:+,}$ROW_SHOWN" with+="${with:+,}$ROW_WITH"
    ids+="${ids:+,}$ROW_IDS" facs+="${facs:+,}$ROW_FACS"
  done
  cat >"$OUT/residents_batch.sql" <<EOF
-- generated by tests/bench/run.sh: the audit writer's transaction for $k kept-page reads
\\set rid random(1, 2000000000)
SELECT count(*) FILTER (WHERE current) FROM audit_log_append_shown(
  array_fill(:uid::uuid, ARRAY[$k]),
  array_fill(:role::text, ARRAY[$k]), array_fill(:org::uuid, ARRAY[$k]),
  array_fill(:sv::integer, ARRAY[$k]), array_fill(:rid::text, ARRAY[$k]),
  array_fill(:client::text, ARRAY[$k]), array_fill('search'::text, ARRAY[$k]),
  array_fill('resident'::text, ARRAY[$k]), array_fill(:purpose::text, ARRAY[$k]),
  array_fill($HIT_VERSION::bigint, ARRAY[$k]), array_fill('infinity'::timestamptz, ARRAY[$k]),
  '{$req}'::integer[], '{$teams}'::uuid[], '{$facility}'::uuid[], '{$shown}'::integer[],
  '{$with}'::boolean[], '{$ids}'::uuid[], '{$facs}'::uuid[]);
EOF
}
# the server's batch counters: "batches requests"
batch_counters() {
  curl -fsS --max-time 10 "$BASE/metrics" |
    awk '$1 == "samspil_audit_batches_total" {b = $2}
         $1 == "samspil_audit_batched_requests_total" {r = $2}
         END {printf "%d %d", b, r}'
}

# ---------------------------------------------------------------------------
# Rounds
# ---------------------------------------------------------------------------
bench_register healthz "Samspil GET /healthz" wrk "$CONNECTIONS"
bench_register residents "Samspil GET /api/residents" wrk "$CONNECTIONS"
bench_register bare "bare MHD GET / (no database)" wrk "$CONNECTIONS"
bench_register bare_db "bare MHD+libpq GET /db (SELECT 1)" wrk "$CONNECTIONS"
bench_register bare_list "bare MHD+libpq GET /list (50 rows)" wrk "$CONNECTIONS"
bench_register select_only "pgbench -S (scale 10, prepared)" pgbench "$PGBENCH_CLIENTS"
bench_register residents_tx "pgbench residents tx, 4 round trips" pgbench "$PGBENCH_CLIENTS"
bench_register residents_pipe2 "pgbench residents tx, pipelined (2 trips)" pgbench "$POOL"
bench_register residents_pipe8 "pgbench residents tx, pipelined (2 trips)" pgbench "$PGBENCH_CLIENTS"
bench_register hit_pipe2 "pgbench kept-page tx with its audit row" pgbench "$POOL"
bench_register hit_pipe8 "pgbench kept-page tx with its audit row" pgbench "$PGBENCH_CLIENTS"
if (( AUDIT_BATCH_MAX > 0 )); then
  bench_register hit_gc "pgbench audit writer's batches (check + rows)" pgbench 1
fi

AUDIT_ROWS=0 AUDIT_REQUESTS=0 BATCH_MEAN=""
FOREIGN=()   # per round: share of the machine's CPU used by processes that are not ours
for (( round = 1; round <= ROUNDS; round++ )); do
  warm_note=""
  if (( round == 1 && WARMUP > 0 )); then warm_note="; each after a ${WARMUP}s warm-up"; fi
  say "round $round of $ROUNDS (${DURATION}s per benchmark$warm_note)"
  "$PYTHON" "$HERE/cpu_noise.py" snapshot "$OUT/noise.json" $$ "$POSTMASTER_PID"
  s0=$(steal_ticks) t0=$(date +%s.%N)
  run_wrk healthz "$round" "$BASE/healthz"
  before=$(psql_owner -c 'SELECT count(*) FROM audit_log')
  # the server's resident memory while it serves the caseload, sampled every 0.2 s
  ( while kill -0 "$SAMSPIL_PID" 2>/dev/null; do
      awk '/^VmRSS/ {print $2}' "/proc/$SAMSPIL_PID/status"; sleep 0.2
    done ) >>"$OUT/rss-samples.txt" 2>/dev/null &
  RSS_SAMPLER=$!
  read -r b0 q0 <<<"$(batch_counters)"
  run_wrk residents "$round" "$BASE$RES_PATH" -H "$AUTH"
  read -r b1 q1 <<<"$(batch_counters)"
  kill "$RSS_SAMPLER" 2>/dev/null || true; wait "$RSS_SAMPLER" 2>/dev/null || true
  # requests per audit batch in this round's caseload run (its warm-up included)
  BATCH_K=$(awk -v b=$((b1 - b0)) -v q=$((q1 - q0)) 'BEGIN { k = b ? q / b : 1; printf "%d", k < 1 ? 1 : k + 0.5 }')
  BATCH_MEAN+="$(awk -v b=$((b1 - b0)) -v q=$((q1 - q0)) 'BEGIN { printf "%.1f", b ? q / b : 0 }') "
  after=$(psql_owner -c 'SELECT count(*) FROM audit_log')
  AUDIT_ROWS=$((AUDIT_ROWS + after - before)) AUDIT_REQUESTS=$((AUDIT_REQUESTS + WRK_REQUESTS))
  run_wrk bare "$round" "$BARE/"
  run_wrk bare_db "$round" "$BARE/db"
  run_wrk bare_list "$round" "$BARE/list"
  if [[ -n $BENCH_URL ]]; then
    run_pgbench select_only "$round" "$BENCH_URL" -S -M prepared
  fi
  run_pgbench residents_tx "$round" "$DATABASE_URL" -n -M prepared -f "$OUT/residents_tx.sql" "${PGB_VARS[@]}"
  run_pgbench residents_pipe2 "$round" "$DATABASE_URL" -n -M prepared -f "$OUT/residents_pipelined.sql" "${PGB_VARS[@]}"
  run_pgbench residents_pipe8 "$round" "$DATABASE_URL" -n -M prepared -f "$OUT/residents_pipelined.sql" "${PGB_VARS[@]}"
  run_pgbench hit_pipe2 "$round" "$DATABASE_URL" -n -M prepared -f "$OUT/residents_hit.sql" "${PGB_VARS[@]}"
  run_pgbench hit_pipe8 "$round" "$DATABASE_URL" -n -M prepared -f "$OUT/residents_hit.sql" "${PGB_VARS[@]}"
  if (( AUDIT_BATCH_MAX > 0 )); then
    batch_script "$BATCH_K"
    PGB_TX_REQUESTS=$BATCH_K run_pgbench hit_gc "$round" "$DATABASE_URL" -n -M prepared \
      -f "$OUT/residents_batch.sql" "${PGB_VARS[@]}"
    NOTE[hit_gc]+="K=$BATCH_K; "
  fi
  foreign=$("$PYTHON" "$HERE/cpu_noise.py" share "$OUT/noise.json")
  s1=$(steal_ticks) t1=$(date +%s.%N)
  steal=$(awk -v s=$((s1 - s0)) -v t="$t0" -v u="$t1" -v hz="$CLK_TCK" -v n="$NCPU" \
    'BEGIN { printf "%.0f%%", s / (hz * n * (u - t)) * 100 }')
  FOREIGN+=("$foreign+$steal")
  say "during round $round other processes used $foreign of the machine's CPU, the hypervisor took $steal"
done
[[ -n $BENCH_URL ]] || NOTE[select_only]="skipped: DATABASE_URL is not a private cluster; "
DB_NOTE=$(psql_owner -c "SELECT format('audit_log has %s rows at the end; autovacuum ran %s times and autoanalyze %s times on it',
    (SELECT count(*) FROM audit_log), autovacuum_count, autoanalyze_count)
  FROM pg_stat_user_tables WHERE relid = 'audit_log'::regclass")
RSS_NOTE=$(sort -n "$OUT/rss-samples.txt" 2>/dev/null | awk '{v[NR] = $1} END {
  if (NR) printf "%.1f MiB at most under the caseload load (median %.1f MiB, %d samples)", v[NR] / 1024, v[int((NR + 1) / 2)] / 1024, NR; else printf "not sampled" }')
RSS_NOTE+="; high-water mark $(awk '/^VmHWM/ {printf "%.1f MiB", $2 / 1024}' "/proc/$SAMSPIL_PID/status" 2>/dev/null) (includes a log-in's Argon2id working memory, 64 MiB for a moment)"
say "every page's requests, as the roles that use them (tests/bench/pages.mjs, $SCALE)"
PAGES_TABLE=""
if command -v node >/dev/null 2>&1; then
  PAGES_TABLE=$(node "$HERE/pages.mjs" "$BASE" "$SCALE" "$OUT" 20 3) || die "tests/bench/pages.mjs failed"
else
  PAGES_TABLE="(node is not installed: the per-page benchmark was skipped)"
fi
AUDIT_NOTE=$(awk -v d="$AUDIT_ROWS" -v n="$AUDIT_REQUESTS" \
  'BEGIN { printf "audit_log grew by %d rows over %d /api/residents requests: %.2f per request", d, n, n ? d / n : 0 }')
cleanup

# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
ratio() {  # ratio A B: A / B as "0.42x", or "-"
  awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2fx", a / b; else printf "-" }'
}
report() {
  local k
  printf 'Samspil benchmark, %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  printf 'revision: %s\n' "$REVISION"
  printf 'machine:  %s\n' "$MACHINE"
  printf 'software: %s\n' "$SOFTWARE"
  printf 'load:     %s rounds; each round runs every benchmark for %ss (a %ss warm-up precedes round 1);\n' \
    "$ROUNDS" "$DURATION" "$WARMUP"
  printf '          wrk -t%s -c%s --latency (keep-alive, loopback); pgbench -j up to 2;\n' \
    "$WRK_THREADS" "$CONNECTIONS"
  printf '          servers use an MHD thread pool of %s; load generator, servers and PostgreSQL\n' "$WORKERS"
  printf '          share the same %s cores.\n' "$NCPU"
  printf 'noise:    share of the machine'"'"'s CPU taken by other processes + by the hypervisor (steal),\n'
  printf '          per round: %s\n' "${FOREIGN[*]}"
  printf 'data:     %s\n' "$DATA_NOTE"
  printf 'payloads: /healthz %s B, bare / %s B, bare /list %s B, %s %s B (%s residents)\n' \
    "$HEALTH_BYTES" "$BARE_BYTES" "$BARE_LIST_BYTES" "$RES_PATH" "$RESIDENTS_BYTES" "$RESIDENTS_ROWS"
  printf 'server:   WORKER_THREADS=%s DB_POOL_SIZE=%s KEEP_ALIVE=%s AUDIT_BATCH_MAX=%s; resident memory %s\n' \
    "$WORKERS" "$POOL" "$KEEP" "$AUDIT_BATCH_MAX" "$RSS_NOTE"
  if (( AUDIT_BATCH_MAX > 0 )); then
    printf 'batches:  requests per audit batch in the caseload runs, per round: %s\n' "${BATCH_MEAN% }"
  fi
  printf 'audit:    %s;\n          %s\n\n' "$AUDIT_NOTE" "$DB_NOTE"
  printf 'median of %s rounds\n' "$ROUNDS"
  printf '%-44s %-8s %5s %9s %9s  %-13s %s\n' "endpoint" "tool" "conc" "req/s" "p99 ms" "req/s range" "notes"
  printf '%-44s %-8s %5s %9s %9s  %-13s %s\n' "--------------------------------------------" \
    "--------" "-----" "---------" "---------" "-------------" "-----"
  for k in "${KEYS[@]}"; do
    printf '%-44s %-8s %5s %9s %9s  %-13s %s\n' "${NAME[$k]}" "${TOOL[$k]}" "${CONC[$k]}" \
      "$(median <<<"${RPS[$k]}")" "$(median <<<"${P99[$k]}")" "$(spread <<<"${RPS[$k]}")" \
      "${NOTE[$k]%; }"
  done
  local res bare bdb blist p2 p8 ptx hz h2 h8
  res=$(rps_of residents) bare=$(rps_of bare) bdb=$(rps_of bare_db) hz=$(rps_of healthz)
  blist=$(rps_of bare_list)
  p2=$(rps_of residents_pipe2) p8=$(rps_of residents_pipe8) ptx=$(rps_of residents_tx)
  h2=$(rps_of hit_pipe2) h8=$(rps_of hit_pipe8)
  printf '\nratios of median req/s\n'
  printf '  /healthz       / bare MHD                                   %6s\n' "$(ratio "$hz" "$bare")"
  printf '  /api/residents / bare MHD                                   %6s\n' "$(ratio "$res" "$bare")"
  printf '  /api/residents / bare MHD+libpq (SELECT 1)                  %6s\n' "$(ratio "$res" "$bdb")"
  printf '  /api/residents / bare MHD+libpq 50-row list (stack limit)    %6s\n' "$(ratio "$res" "$blist")"
  if (( AUDIT_BATCH_MAX > 0 )); then
    printf '  /api/residents / pgbench audit writer'"'"'s batches, 1 client     %6s  (its own transactions: the run is served from the cache, checked and audited in batches)\n' \
      "$(ratio "$res" "$(rps_of hit_gc)")"
  fi
  printf '  /api/residents / pgbench kept-page tx with its audit row, %s clients %6s  (%s)\n' \
    "$POOL" "$(ratio "$res" "$h2")" \
    "$(if (( AUDIT_BATCH_MAX > 0 )); then printf 'the same without group commit'; else printf 'its own transaction: the run is served from the cache'; fi)"
  printf '  /api/residents / pgbench kept-page tx with its audit row, %s clients  %6s  (its database ceiling without group commit)\n' \
    "$PGBENCH_CLIENTS" "$(ratio "$res" "$h8")"
  printf '  /api/residents / pgbench residents pipelined, %s clients     %6s  (the page made anew; the server'"'"'s connections)\n' \
    "$POOL" "$(ratio "$res" "$p2")"
  printf '  /api/residents / pgbench residents pipelined, %s clients     %6s  (database ceiling)\n' \
    "$PGBENCH_CLIENTS" "$(ratio "$res" "$p8")"
  printf '  /api/residents / pgbench residents 4 round trips, %s clients %6s\n' \
    "$PGBENCH_CLIENTS" "$(ratio "$res" "$ptx")"
  printf '\nCPU per /api/residents request (median of rounds; the server process, and the PostgreSQL cluster'"'"'s\n'
  printf 'processes%s): server %s ms, PostgreSQL %s ms\n' \
    "$([[ -n $POSTMASTER_PID ]] || printf ': not measured, no private cluster')" \
    "$(median <<<"${CPU_SERVER[residents]:-}")" "$(median <<<"${CPU_PG[residents]:-}")"
  printf '\n%s\n' "$PAGES_TABLE"
  printf '\nraw outputs: build/bench/wrk-*.txt, build/bench/pgbench-*.txt; scripts: build/bench/residents_*.sql\n'
}
report | tee "$RESULTS.tmp"
cp "$RESULTS.tmp" "$RESULTS_SCALE"
mv "$RESULTS.tmp" "$RESULTS"
printf '\nwritten to %s\n' "${RESULTS#"$ROOT"/}"
