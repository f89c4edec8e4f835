#!/usr/bin/env bash
# Failover to a streaming standby (issue 12, docs/OPERATIONS.md "Failover"): a primary and a
# hot standby made from it with pg_basebackup -R (replication slot), a Samspil server whose
# DATABASE_URL lists both (target_session_attrs=read-write). A conversation written through
# the server reaches the standby; the primary is then stopped hard (a crash), the standby
# promoted, and the same server, without a restart or a change of setting, writes to the new
# primary: requests in between fail with 503 and succeed when sent again with the same
# Idempotency-Key, once. Usage: SAMSPIL_BIN=build-test/samspil tests/ops/failover.sh
set -euo pipefail
OPS_NAME=failover
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
trap ops_cleanup EXIT
STARTED=$SECONDS
RESIDENT=40000000-0000-4000-8000-000000000001

ops_work_dir
PRIMARY=$OPS_WORK/primary STANDBY=$OPS_WORK/standby
ops_initdb "$PRIMARY" "wal_level = replica" "fsync = off"
ops_pg_start "$PRIMARY"
ops_samspil_db "$PRIMARY"

ops_pg_dir "$STANDBY"
ops_as_pg "$PGBIN/pg_basebackup" -d "$(ops_url "$PRIMARY" postgres postgres)" -D "$STANDBY" \
  -X stream -c fast -R -C -S samspil_standby >/dev/null 2>&1 || ops_die "pg_basebackup -R failed"
rm -f "$STANDBY/server.log" "$STANDBY"/.s.PGSQL.*
printf "\nunix_socket_directories = '%s'\nhot_standby = on\n" "$STANDBY" >>"$STANDBY/postgresql.conf"
ops_pg_start "$STANDBY" standby.log
for (( i = 0; i < 100; i++ )); do
  [[ $(ops_sql "$PRIMARY" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") == 1 ]] && break
  sleep 0.2
done
[[ $(ops_sql "$STANDBY" 'SELECT pg_is_in_recovery()') == t ]] || ops_die "the standby is not in recovery"
[[ $(ops_sql "$PRIMARY" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") == 1 ]] ||
  ops_die "the standby does not stream from the primary"
ops_say "primary and streaming standby ($((SECONDS - STARTED))s)"

# One server, both hosts in its DATABASE_URL: libpq takes the one that accepts writes.
hosts=$(/usr/bin/python3 -c 'import sys, urllib.parse; print(",".join(urllib.parse.quote(h, safe="") for h in sys.argv[1:]))' "$PRIMARY" "$STANDBY")
URL="postgresql:///samspil?host=$hosts&user=samspil_app&target_session_attrs=read-write"
OPS_JWT_SECRET=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
PORT=$(ops_free_port)
ops_serve "$PORT" "$URL" "$OPS_WORK/server.log"
SERVER=$OPS_LAST_PID
BASE=http://127.0.0.1:$PORT
TOKEN=$(curl -fsS -H 'Content-Type: application/json' \
  -d '{"email":"clinician@slagelse.demo","password":"demo-password"}' "$BASE/api/auth/login" | ops_json token)
[[ -n $TOKEN ]] || ops_die "log-in failed"

# write KEY: POST a conversation with that Idempotency-Key; prints "STATUS ID"
write() {
  local out code
  out=$(curl -sS -w '\n%{http_code}' --max-time 10 -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $TOKEN" -H "Idempotency-Key: $1" \
    -d "{\"resident_id\":\"$RESIDENT\",\"occurred_at\":\"2025-06-04T09:30:00Z\",\"kind\":\"phone\",\"outcome\":\"held\"}" \
    "$BASE/api/conversations" 2>/dev/null) || out=$'\n000'
  code=${out##*$'\n'}
  printf '%s %s\n' "$code" "$(ops_json id <<<"${out%$'\n'*}" 2>/dev/null || true)"
}
BEFORE=$(ops_sql "$PRIMARY" "SELECT count(*) FROM conversations WHERE resident_id = '$RESIDENT'")
read -r code A < <(write "failover-a-$$")
[[ $code == 201 && -n $A ]] || ops_die "conversation A: $code"
for (( i = 0; i < 50; i++ )); do
  [[ $(ops_sql "$STANDBY" "SELECT count(*) FROM conversations WHERE id = '$A'") == 1 ]] && break
  sleep 0.1
done
[[ $(ops_sql "$STANDBY" "SELECT count(*) FROM conversations WHERE id = '$A'") == 1 ]] ||
  ops_die "conversation A did not reach the standby"
LAG=$(ops_sql "$PRIMARY" "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) FROM pg_stat_replication")
ops_say "conversation A on the standby (replay $LAG bytes behind)"

# The crash: the primary stops at once; the standby is promoted.
t0=$(date +%s.%N)
ops_as_pg "$PGBIN/pg_ctl" -D "$PRIMARY" -m immediate -w stop >/dev/null
# before the promotion there is nowhere to write: 503
KEY="failover-b-$$"
read -r code B < <(write "$KEY")
[[ $code == 503 ]] || ops_die "a write with the primary down and the standby not promoted: $code (want 503)"
ops_as_pg "$PGBIN/pg_ctl" -D "$STANDBY" -w promote >/dev/null || ops_die "pg_ctl promote failed"
[[ $(ops_sql "$STANDBY" 'SELECT pg_is_in_recovery()') == f ]] || ops_die "the standby was not promoted"

# The same key until it is written: 503 (or no answer) in between, never two rows.
tries=0 failed=1 B=""
while (( tries < 100 )); do
  tries=$((tries + 1))
  read -r code B < <(write "$KEY")
  [[ $code == 201 ]] && break
  [[ $code == 503 || $code == 000 ]] || ops_die "a write after the failover was answered $code"
  failed=$((failed + 1))
  sleep 0.2
done
[[ $code == 201 && -n $B ]] || ops_die "no write succeeded within $tries tries after the failover"
took=$(/usr/bin/python3 -c "import sys, time; print('%.1f' % (time.time() - float(sys.argv[1])))" "$t0")
read -r code again < <(write "$KEY")
[[ $code == 201 && $again == "$B" ]] || ops_die "the same key again: $code $again (want the replay of $B)"
rows=$(ops_sql "$STANDBY" "SELECT count(*) FROM conversations WHERE id IN ('$A', '$B')")
[[ $rows == 2 ]] || ops_die "the new primary holds $rows of A and B"
AFTER=$(ops_sql "$STANDBY" "SELECT count(*) FROM conversations WHERE resident_id = '$RESIDENT'")
(( AFTER == BEFORE + 2 )) || ops_die "$((AFTER - BEFORE)) new conversations on the new primary, not 2 (A and B once)"
curl -fsS -o /dev/null "$BASE/readyz" || ops_die "/readyz after the failover"
reconnects=$(curl -fsS "$BASE/metrics" | sed -nE 's/^samspil_db_pool_events_total\{event="reconnect"\} ([0-9]+)/\1/p')
ops_say "failover: written on the new primary $took s after the crash, $failed answer(s) 503 before (sent again with the same key); the key replayed once; pool reconnects $reconnects"
ops_stop_pid "$SERVER" || ops_die "the server exited with an error"
ops_say "passed in $((SECONDS - STARTED))s"
