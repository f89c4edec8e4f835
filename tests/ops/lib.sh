# Shared by the operations tests (tests/ops/*.sh): private PostgreSQL clusters and Samspil
# servers as real processes on loopback. Sourced, not run. Needs SAMSPIL_BIN (a built
# samspil); the PostgreSQL 15 server binaries run as the postgres user when we are root.
PGBIN=${TEST_PGBIN:-/usr/lib/postgresql/15/bin}
OPS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${SAMSPIL_BIN:?SAMSPIL_BIN must name a built samspil}"

ops_say() { printf '  [%s] %s\n' "$OPS_NAME" "$*"; }
ops_die() { printf '  [%s] FAILED: %s\n' "$OPS_NAME" "$*" >&2; exit 1; }

ops_as_pg() {
  if [[ $(id -u) -eq 0 ]]; then (cd / && runuser -u postgres -- "$@"); else (cd / && "$@"); fi
}

# A fresh directory under /tmp that the postgres user can enter; sets OPS_WORK.
ops_work_dir() {
  OPS_WORK=$(mktemp -d "/tmp/samspil-$OPS_NAME.XXXXXX")
  chmod 711 "$OPS_WORK"
}

ops_pg_dir() {  # ops_pg_dir DIR: an empty directory owned by the cluster's user
  mkdir -p "$1"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$1"
  chmod 700 "$1"
}

OPS_CLUSTERS=()   # data directories started here, stopped by ops_cleanup
OPS_PIDS=()       # servers and proxies started here

# ops_initdb DIR [postgresql.conf lines...]: a cluster reachable only on its socket in DIR.
ops_initdb() {
  local dir=$1
  shift
  ops_pg_dir "$dir"
  local locale=C
  locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$' && locale=C.UTF-8
  ops_as_pg "$PGBIN/initdb" -D "$dir" -U postgres -A trust --encoding=UTF8 --locale="$locale" \
    --no-instructions >/dev/null
  printf 'local all all trust\nlocal replication all trust\n' >"$dir/pg_hba.conf"
  {
    printf "listen_addresses = ''\nunix_socket_directories = '%s'\ntimezone = 'UTC'\n" "$dir"
    printf '%s\n' "$@"
  } >>"$dir/postgresql.conf"
}

ops_pg_start() {  # ops_pg_start DIR [LOGNAME]: log file inside the data directory
  local dir=$1 log=$1/${2:-server.log}
  if ! ops_as_pg "$PGBIN/pg_ctl" -D "$dir" -l "$log" -w -t 120 start >/dev/null; then
    tail -n 30 "$log" >&2 || true
    ops_die "PostgreSQL did not start in $dir"
  fi
  OPS_CLUSTERS+=("$dir")
}

ops_url() {  # ops_url DIR USER [DB]
  local host
  host=$(/usr/bin/python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1")
  printf 'postgresql:///%s?host=%s&user=%s' "${3:-samspil}" "$host" "$2"
}

ops_sql() {  # ops_sql DIR SQL: one value, as the owner
  "$PGBIN/psql" -X -v ON_ERROR_STOP=1 -qtA "$(ops_url "$1" postgres)" -c "$2"
}

# ops_samspil_db DIR: database samspil with migrations and the demo data (log-ins demo-password).
ops_samspil_db() {
  local dir=$1 owner hash f args=()
  "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 "$(ops_url "$dir" postgres postgres)" -c 'CREATE DATABASE samspil'
  owner=$(ops_url "$dir" postgres)
  DATABASE_MIGRATE_URL=$owner DATABASE_URL=$owner MIGRATIONS_DIR=$OPS_ROOT/migrations \
    "$SAMSPIL_BIN" migrate >"$dir/../migrate.log" 2>&1 ||
    { cat "$dir/../migrate.log" >&2; ops_die "samspil migrate failed"; }
  hash=$(printf 'demo-password' | "$SAMSPIL_BIN" hash-password)
  while IFS= read -r f; do args+=(-f "$f"); done < <(find "$OPS_ROOT/server/demo" -maxdepth 1 -name '*.sql' | LC_ALL=C sort)
  "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 --single-transaction -v demo_password_hash="$hash" \
    "$owner" "${args[@]}" >/dev/null
}

ops_free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ops_serve PORT DATABASE_URL LOG [NAME=value...]: samspil serve in the background; waits for
# /healthz; the pid in OPS_LAST_PID.
ops_serve() {
  local port=$1 url=$2 log=$3 i
  shift 3
  env PORT="$port" BIND_ADDRESS=127.0.0.1 PUBLIC_ORIGIN="http://127.0.0.1:$port" \
    DATABASE_URL="$url" JWT_SECRET="${OPS_JWT_SECRET:?}" MIGRATIONS_DIR="$OPS_ROOT/migrations" \
    STATIC_DIR="$OPS_ROOT/static" "$@" "$SAMSPIL_BIN" serve >"$log" 2>&1 &
  OPS_LAST_PID=$!
  OPS_PIDS+=("$OPS_LAST_PID")
  for (( i = 0; i < 150; i++ )); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && return 0
    kill -0 "$OPS_LAST_PID" 2>/dev/null || { cat "$log" >&2; ops_die "samspil exited during start-up"; }
    sleep 0.2
  done
  cat "$log" >&2
  ops_die "samspil did not answer /healthz on port $port"
}

ops_stop_pid() {  # SIGTERM and wait; returns the exit status
  local rc=0
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || rc=$?
  return "$rc"
}

ops_json() {  # ops_json KEY < JSON: a top-level string member
  /usr/bin/python3 -c 'import json, sys; v = json.load(sys.stdin).get(sys.argv[1]); print(v if v is not None else "")' "$1"
}

ops_cleanup() {
  local p d
  for p in ${OPS_PIDS[@]+"${OPS_PIDS[@]}"}; do
    kill -TERM "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  for d in ${OPS_CLUSTERS[@]+"${OPS_CLUSTERS[@]}"}; do
    ops_as_pg "$PGBIN/pg_ctl" -D "$d" -m immediate -w stop >/dev/null 2>&1 || true
  done
  if [[ -n ${OPS_WORK:-} && -d $OPS_WORK && -z ${OPS_KEEP:-} ]]; then
    rm -rf "$OPS_WORK"
  fi
}
