#!/usr/bin/env bash
# Point-in-time recovery, with real processes (issue 12): a private cluster that archives its
# WAL into a directory (archive_command), a base backup of it by `./dev backup`
# (pg_basebackup), conversation A logged through a running Samspil server, the time and LSN
# noted, conversation B logged; then the backup is restored into two new clusters, one with
# recovery_target_time and one with recovery_target_lsn between the two writes: each must
# start, come out of recovery, hold A and not B, and a Samspil server must serve A from it.
# Usage: SAMSPIL_BIN=build-test/samspil tests/ops/pitr.sh (./dev test runs it).
set -euo pipefail
OPS_NAME=pitr
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
trap ops_cleanup EXIT
STARTED=$SECONDS
RESIDENT=40000000-0000-4000-8000-000000000001   # Engen's first demo resident

ops_work_dir
PRIMARY=$OPS_WORK/primary ARCHIVE=$OPS_WORK/archive
ops_pg_dir "$ARCHIVE"
ops_initdb "$PRIMARY" "wal_level = replica" "archive_mode = on" \
  "archive_command = 'test ! -f $ARCHIVE/%f && cp %p $ARCHIVE/%f'" "fsync = off"
ops_pg_start "$PRIMARY"
ops_samspil_db "$PRIMARY"
ops_say "primary with WAL archiving, migrated, demo data ($((SECONDS - STARTED))s)"

# The base backup, as an operator takes it (pg_basebackup over the socket, as the owner).
t0=$SECONDS
DATABASE_URL=$(ops_url "$PRIMARY" samspil_app) DATABASE_MIGRATE_URL=$(ops_url "$PRIMARY" postgres) \
  "$OPS_ROOT/dev" backup "$OPS_WORK/base" >"$OPS_WORK/backup.log" 2>&1 ||
  { cat "$OPS_WORK/backup.log" >&2; ops_die "./dev backup failed"; }
[[ -s $OPS_WORK/base/base.tar.gz ]] || ops_die "./dev backup wrote no base.tar.gz"
ops_say "base backup: $(du -sh "$OPS_WORK/base" | cut -f1) in $((SECONDS - t0))s"

# Two conversations through the server, with the point between them.
OPS_JWT_SECRET=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
PORT=$(ops_free_port)
ops_serve "$PORT" "$(ops_url "$PRIMARY" samspil_app)" "$OPS_WORK/server.log"
SERVER=$OPS_LAST_PID
BASE=http://127.0.0.1:$PORT
TOKEN=$(curl -fsS -H 'Content-Type: application/json' \
  -d '{"email":"clinician@slagelse.demo","password":"demo-password"}' "$BASE/api/auth/login" | ops_json token)
[[ -n $TOKEN ]] || ops_die "the clinician could not log in"
log_conversation() {  # log_conversation DAY: prints the new conversation's id
  curl -fsS -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" \
    -d "{\"resident_id\":\"$RESIDENT\",\"occurred_at\":\"2025-06-${1}T09:30:00Z\",\"kind\":\"phone\",\"outcome\":\"held\"}" \
    "$BASE/api/conversations" | ops_json id
}
A=$(log_conversation 04)
[[ -n $A ]] || ops_die "conversation A was not created"
sleep 1.2
TARGET_TIME=$(ops_sql "$PRIMARY" "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
TARGET_LSN=$(ops_sql "$PRIMARY" "SELECT pg_current_wal_lsn()")
sleep 1.2
B=$(log_conversation 05)
[[ -n $B ]] || ops_die "conversation B was not created"
ops_say "conversation A $A, then the target ($TARGET_TIME, LSN $TARGET_LSN), then B $B"
[[ $(ops_sql "$PRIMARY" "SELECT count(*) FROM conversations WHERE id IN ('$A', '$B')") == 2 ]] ||
  ops_die "the primary does not hold both conversations"
ops_stop_pid "$SERVER" || ops_die "the server exited with an error (sanitizer report in $OPS_WORK/server.log?)"

# Everything up to B in the archive: close the segment and wait for archive_command.
SEGMENT=$(ops_sql "$PRIMARY" "SELECT pg_walfile_name(pg_switch_wal())")
for (( i = 0; i < 100; i++ )); do
  [[ -f $ARCHIVE/$SEGMENT ]] && break
  sleep 0.2
done
[[ -f $ARCHIVE/$SEGMENT ]] || ops_die "WAL segment $SEGMENT was not archived"
ops_say "WAL archived up to $SEGMENT ($(ls "$ARCHIVE" | wc -l) files)"

# restore NAME SETTING: the base backup into a new cluster, recovering from the archive up to
# SETTING (recovery_target_... = '...'), then promoted.
restore() {
  local name=$1 setting=$2 dir=$OPS_WORK/restore-$1 t=$SECONDS i
  ops_pg_dir "$dir"
  tar -xzf "$OPS_WORK/base/base.tar.gz" -C "$dir"
  tar -xzf "$OPS_WORK/base/pg_wal.tar.gz" -C "$dir/pg_wal"
  # the primary's log and socket lock lived in its data directory, so the backup has them
  rm -f "$dir/server.log" "$dir/postmaster.pid" "$dir"/.s.PGSQL.*
  {
    printf '\n# --- restored by tests/ops/pitr.sh ---\n'
    printf "unix_socket_directories = '%s'\narchive_mode = off\n" "$dir"
    printf "restore_command = 'cp %s/%%f %%p'\n" "$ARCHIVE"
    printf "%s\nrecovery_target_action = 'promote'\n" "$setting"
  } >>"$dir/postgresql.conf"
  touch "$dir/recovery.signal"
  [[ $(id -u) -eq 0 ]] && chown -R postgres: "$dir"
  chmod 700 "$dir"
  ops_pg_start "$dir" restore.log
  for (( i = 0; i < 300; i++ )); do
    [[ $(ops_sql "$dir" 'SELECT pg_is_in_recovery()' 2>/dev/null || echo t) == f ]] && break
    sleep 0.2
  done
  [[ $(ops_sql "$dir" 'SELECT pg_is_in_recovery()') == f ]] ||
    { tail -n 20 "$dir/restore.log" >&2; ops_die "$name: still in recovery after 60 s"; }
  local has_a has_b
  has_a=$(ops_sql "$dir" "SELECT count(*) FROM conversations WHERE id = '$A'")
  has_b=$(ops_sql "$dir" "SELECT count(*) FROM conversations WHERE id = '$B'")
  ops_say "$name: restored and promoted in $((SECONDS - t))s: A $has_a row, B $has_b rows ($(grep -m1 -o 'recovery stopping [^,]*' "$dir/restore.log" || echo 'no stop line'))"
  [[ $has_a == 1 ]] || ops_die "$name: conversation A is missing"
  [[ $has_b == 0 ]] || ops_die "$name: conversation B, written after the target, is there"
  RESTORED=$dir
}

restore time "recovery_target_time = '$TARGET_TIME'"
# A server runs on the restored database and shows A, not B.
PORT=$(ops_free_port)
ops_serve "$PORT" "$(ops_url "$RESTORED" samspil_app)" "$OPS_WORK/server-restored.log"
SERVER=$OPS_LAST_PID
BASE=http://127.0.0.1:$PORT
curl -fsS -o /dev/null "$BASE/readyz" || ops_die "the server on the restored database is not ready"
TOKEN=$(curl -fsS -H 'Content-Type: application/json' \
  -d '{"email":"clinician@slagelse.demo","password":"demo-password"}' "$BASE/api/auth/login" | ops_json token)
LIST=$(curl -fsS -H "Authorization: Bearer $TOKEN" "$BASE/api/residents/$RESIDENT/conversations?limit=200")
grep -q "$A" <<<"$LIST" || ops_die "the server on the restored database does not list A"
! grep -q "$B" <<<"$LIST" || ops_die "the server on the restored database lists B"
ops_stop_pid "$SERVER" || ops_die "the server on the restored database exited with an error"
ops_as_pg "$PGBIN/pg_ctl" -D "$RESTORED" -m fast -w stop >/dev/null

restore lsn "recovery_target_lsn = '$TARGET_LSN'"
ops_say "passed in $((SECONDS - STARTED))s"
