#!/usr/bin/env bash
# Rolling restarts and a crash under load (issue 12, item 3): deploy/haproxy.cfg in front of
# two servers (DRAIN_SECONDS=3: after SIGTERM a server answers /readyz 503 while it still
# serves, so the proxy takes it out before it stops accepting). tests/ops/load.py keeps four
# clients busy with reads and new conversations (each with an Idempotency-Key) through TLS,
# while (1) both servers are restarted one after the other with SIGTERM: no request may fail,
# not even once; (2) one server is killed with SIGKILL: only the requests it had in flight
# may fail, and sent again with the same key they complete; no conversation exists twice;
# (3) an upgrade with a migration: the next release's (an additive probe migration) applied
# while the old servers serve (their /readyz stays 200, "schema": "newer"), then both
# restarted one after the other on it: no request may fail.
# Usage: SAMSPIL_BIN=build-test/samspil tests/ops/rolling.sh (./dev test runs it).
set -euo pipefail
OPS_NAME=rolling
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
trap 'touch "${OPS_WORK:-/nonexistent}/stop" 2>/dev/null || true; ops_cleanup' EXIT
STARTED=$SECONDS
RESIDENT=40000000-0000-4000-8000-000000000001
command -v haproxy >/dev/null || ops_die "haproxy is not installed (apt-get install haproxy)"

ops_work_dir
DB=$OPS_WORK/pg
ops_initdb "$DB" "fsync = off" "synchronous_commit = off"
ops_pg_start "$DB"
ops_samspil_db "$DB"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$OPS_WORK/key.pem" -out "$OPS_WORK/cert.pem" \
  >/dev/null 2>&1 || ops_die "openssl could not make a certificate"
cat "$OPS_WORK/cert.pem" "$OPS_WORK/key.pem" >"$OPS_WORK/tls.pem"

HTTPS_PORT=$(ops_free_port) HTTP_PORT=$(ops_free_port) METRICS_PORT=$(ops_free_port)
PORTS=("$(ops_free_port)" "$(ops_free_port)")
ORIGIN=https://127.0.0.1:$HTTPS_PORT
OPS_JWT_SECRET=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
APP_URL=$(ops_url "$DB" samspil_app)
PIDS=()
MIG_DIR=$OPS_ROOT/migrations   # the release the servers run (phase 3 moves on to the next)
start_server() {  # start_server N (0 or 1)
  ops_serve "${PORTS[$1]}" "$APP_URL" "$OPS_WORK/app$1.log.$SECONDS" TRUSTED_PROXIES=127.0.0.1 \
    PUBLIC_ORIGIN="$ORIGIN" DRAIN_SECONDS=3 RATE_LIMIT_PER_MINUTE=1000000 MIGRATIONS_DIR="$MIG_DIR"
  PIDS[$1]=$OPS_LAST_PID
}
start_server 0
start_server 1

export SAMSPIL_TLS_CERT=$OPS_WORK/tls.pem SAMSPIL_HTTPS_BIND=127.0.0.1:$HTTPS_PORT SAMSPIL_PUBLIC_ORIGIN=$ORIGIN
export SAMSPIL_HTTP_BIND=127.0.0.1:$HTTP_PORT SAMSPIL_PROXY_METRICS_BIND=127.0.0.1:$METRICS_PORT
export SAMSPIL_SERVER1=127.0.0.1:${PORTS[0]} SAMSPIL_SERVER2=127.0.0.1:${PORTS[1]}
haproxy -db -f "$OPS_ROOT/deploy/haproxy.cfg" >"$OPS_WORK/haproxy.log" 2>&1 &
OPS_PIDS+=("$!")

up_count() {
  curl -fsS "http://127.0.0.1:$METRICS_PORT/stats;csv" 2>/dev/null | grep -c '^samspil,app[12],.*,UP,' || true
}
wait_up() {  # wait_up N: until N servers are UP
  local i
  for (( i = 0; i < 150; i++ )); do
    [[ $(up_count) == "$1" ]] && return 0
    sleep 0.2
  done
  ops_die "not $1 servers up behind the proxy"
}
wait_up 2

TOKEN=$(curl -fsS --cacert "$OPS_WORK/cert.pem" -H 'Content-Type: application/json' \
  -d '{"email":"clinician@slagelse.demo","password":"demo-password"}' "$ORIGIN/api/auth/login" | ops_json token)
[[ -n $TOKEN ]] || ops_die "log-in through the proxy failed"
BEFORE=$(ops_sql "$DB" "SELECT count(*) FROM conversations WHERE resident_id = '$RESIDENT'")

PHASE=$OPS_WORK/phase
echo steady >"$PHASE"
/usr/bin/python3 "$OPS_ROOT/tests/ops/load.py" "$ORIGIN" "$OPS_WORK/cert.pem" "$TOKEN" "$RESIDENT" \
  "$PHASE" "$OPS_WORK/stop" 4 >"$OPS_WORK/load.json" 2>"$OPS_WORK/load.err" &
LOAD=$!
sleep 2

# (1) rolling restart: SIGTERM, the server drains and exits, a new one starts, the proxy
# takes it back; then the other
roll() {
  local n ready live
  for n in 0 1; do
    kill -TERM "${PIDS[$n]}"
    sleep 0.3
    ready=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORTS[$n]}/readyz" || echo 000)
    live=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORTS[$n]}/healthz" || echo 000)
    [[ $ready == 503 && $live == 200 ]] || ops_die "draining server $n: /readyz $ready, /healthz $live (want 503, 200)"
    wait "${PIDS[$n]}" || ops_die "server $n did not stop cleanly (exit $?)"
    start_server "$n"
    wait_up 2
  done
}
echo rolling >"$PHASE"
sleep 0.5
t0=$SECONDS
roll
ops_say "rolling restart of both servers under load in $((SECONDS - t0))s"
echo steady >"$PHASE"
sleep 2

# (2) a crash: SIGKILL, and the server started again
echo kill >"$PHASE"
sleep 0.5   # failures count against the phase their request began in: in-flight ones too
kill -KILL "${PIDS[0]}"
wait "${PIDS[0]}" 2>/dev/null || true
sleep 1
start_server 0
wait_up 2
echo steady >"$PHASE"
sleep 2

# (3) an upgrade with a migration: the next release's migrations (these and an additive one,
# as a release's must be: the previous release's statements keep working) applied under load
# while the old servers serve, which stay ready; then the rolling restart onto the next release
NEXT=$OPS_WORK/migrations-next
cp -r "$OPS_ROOT/migrations" "$NEXT"
cat >"$NEXT/9990_rolling_probe.sql" <<'SQL'
-- tests/ops/rolling.sh: the next release's migration, additive
CREATE TABLE rolling_probe (id integer PRIMARY KEY, note text);
ALTER TABLE residents ADD COLUMN rolling_probe text;
SQL
echo upgrade >"$PHASE"
sleep 0.5
t0=$SECONDS
OWNER_URL=$(ops_url "$DB" postgres)
DATABASE_MIGRATE_URL=$OWNER_URL DATABASE_URL=$OWNER_URL MIGRATIONS_DIR=$NEXT \
  "$SAMSPIL_BIN" migrate >"$OPS_WORK/migrate-next.log" 2>&1 ||
  { cat "$OPS_WORK/migrate-next.log" >&2; ops_die "samspil migrate of the next release failed"; }
sleep 0.5
for n in 0 1; do
  body=$(curl -sS "http://127.0.0.1:${PORTS[$n]}/readyz" || true)
  [[ $body == *'"status":"ready"'*'"schema":"newer"'* ]] ||
    ops_die "server $n of the old release after the migration: /readyz $body (want ready, schema newer)"
done
[[ $(up_count) == 2 ]] || ops_die "the proxy took an old server out after the migration"
MIG_DIR=$NEXT
roll
for n in 0 1; do
  body=$(curl -sS "http://127.0.0.1:${PORTS[$n]}/readyz" || true)
  [[ $body == *'"schema":"current"'* ]] || ops_die "server $n of the next release: /readyz $body"
done
ops_say "upgrade with a migration under load in $((SECONDS - t0))s"
echo steady >"$PHASE"
sleep 2

touch "$OPS_WORK/stop"
wait "$LOAD" || { cat "$OPS_WORK/load.err" >&2; ops_die "the load generator failed"; }
AFTER=$(ops_sql "$DB" "SELECT count(*) FROM conversations WHERE resident_id = '$RESIDENT'")
/usr/bin/python3 - "$OPS_WORK/load.json" "$((AFTER - BEFORE))" <<'PY' || ops_die "see the figures above"
import json, sys
r = json.load(open(sys.argv[1]))
rows = int(sys.argv[2])
ok = True
for name in ("steady", "rolling", "kill", "upgrade"):
    p = r["phases"].get(name, {"requests": 0, "first_failed": 0, "failed": 0, "reasons": {}})
    print("  [rolling] %-8s %5d requests, %d failed on the first attempt %s, %d failed after retries"
          % (name, p["requests"], p["first_failed"], p["reasons"] or "", p["failed"]))
    if p["failed"]:
        ok = False
    if name in ("steady", "rolling", "upgrade") and p["first_failed"]:
        ok = False
    if name == "kill" and p["first_failed"] > 8:
        ok = False  # more than the in-flight requests of 4 clients
ids = r["created"]
print("  [rolling] conversations: %d written, %d distinct ids, %d new rows, %d idempotent replays"
      % (len(ids), len(set(ids)), rows, r["replays"]))
if len(ids) != len(set(ids)) or rows != len(set(ids)):
    ok = False
for name in ("rolling", "upgrade"):
    if r["phases"].get(name, {}).get("requests", 0) < 20:
        print("  [rolling] too few requests during the %s to mean anything" % name)
        ok = False
sys.exit(0 if ok else 1)
PY
ops_say "passed in $((SECONDS - STARTED))s"
