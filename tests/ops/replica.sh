#!/usr/bin/env bash
# Reports from the standby (issue 12 item 4, docs/OPERATIONS.md "Reports from the standby"): a
# primary and a hot standby made from it with pg_basebackup -R; servers with
# DATABASE_REPLICA_URL naming the standby. Shown with real processes:
# - a report is read on the standby: with the standby's replay paused and a facility renamed
#   on the primary, the report still shows the old name (only the standby has it), while a
#   server without the standby shows the new one; its audit row is on the primary;
# - identity and row-level security hold on the standby: a facility manager's report from
#   the standby equals the one from the primary and shows only that facility;
# - a report whose audit row cannot be written on the primary is not returned;
# - replay further behind than REPLICA_MAX_LAG_SECONDS: the primary serves (the new name),
#   and once replay resumes, the standby again;
# - the standby stopped: the report still 200, from the primary; started again: the standby.
# Usage: SAMSPIL_BIN=build-test/samspil tests/ops/replica.sh
set -euo pipefail
OPS_NAME=replica
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
trap ops_cleanup EXIT
STARTED=$SECONDS
ENGEN=20000000-0000-4000-8000-000000000001

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

streaming() {
  local i
  for (( i = 0; i < 150; i++ )); do
    [[ $(ops_sql "$PRIMARY" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") == 1 ]] && return 0
    sleep 0.2
  done
  ops_die "the standby does not stream from the primary"
}
caught_up() {  # until the standby has replayed what the primary has flushed now
  local lsn i
  lsn=$(ops_sql "$PRIMARY" 'SELECT pg_current_wal_flush_lsn()')
  for (( i = 0; i < 150; i++ )); do
    [[ $(ops_sql "$STANDBY" "SELECT pg_last_wal_replay_lsn() >= '$lsn'") == t ]] && return 0
    sleep 0.1
  done
  ops_die "the standby did not replay up to $lsn"
}
streaming
[[ $(ops_sql "$STANDBY" 'SELECT pg_is_in_recovery()') == t ]] || ops_die "the standby is not in recovery"
ops_say "primary and streaming standby ($((SECONDS - STARTED))s)"

APP_PRIMARY=$(ops_url "$PRIMARY" samspil_app)
APP_STANDBY="$(ops_url "$STANDBY" samspil_app)&connect_timeout=3"
OPS_JWT_SECRET=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
# S: reads the standby however far behind (an hour); L: at most 2 s behind; P: no standby.
S_PORT=$(ops_free_port)
ops_serve "$S_PORT" "$APP_PRIMARY" "$OPS_WORK/server-s.log" DATABASE_REPLICA_URL="$APP_STANDBY" REPLICA_MAX_LAG_SECONDS=3600
L_PORT=$(ops_free_port)
ops_serve "$L_PORT" "$APP_PRIMARY" "$OPS_WORK/server-l.log" DATABASE_REPLICA_URL="$APP_STANDBY" REPLICA_MAX_LAG_SECONDS=2
P_PORT=$(ops_free_port)
ops_serve "$P_PORT" "$APP_PRIMARY" "$OPS_WORK/server-p.log"
S=http://127.0.0.1:$S_PORT L=http://127.0.0.1:$L_PORT P=http://127.0.0.1:$P_PORT

login() {
  curl -fsS -H 'Content-Type: application/json' -d "{\"email\":\"$1\",\"password\":\"demo-password\"}" \
    "$P/api/auth/login" | ops_json token
}
FACILITY=$(login manager@engen.demo)
OTHER=$(login manager@skoven.demo)
[[ -n $FACILITY && -n $OTHER ]] || ops_die "log-in failed"

# report BASE TOKEN [ACCEPT]: GET /api/reports/agreements into $OPS_WORK/body; sets CODE, RID
report() {
  local headers=$OPS_WORK/headers
  CODE=$(curl -sS -o "$OPS_WORK/body" -D "$headers" -w '%{http_code}' --max-time 20 \
    -H "Authorization: Bearer $2" -H "Accept: ${3:-application/json}" "$1/api/reports/agreements") || CODE=000
  RID=$(sed -nE 's/^[Xx]-[Rr]equest-[Ii]d: *([^[:space:]]+).*/\1/p' "$headers" | tail -n1)
}
# metric BASE NAME{labels}: its value
metric() {
  curl -fsS "$1/metrics" | awk -v k="$2" '$1 == k { print $2 }'
}
standby_reads() { metric "$1" 'samspil_replica_reads_total{database="standby"}'; }
# names: the facility names of the report in $OPS_WORK/body, sorted and unique
names() {
  /usr/bin/python3 -c 'import json, sys; print("|".join(sorted({i["facility_name"] for i in json.load(open(sys.argv[1]))["items"]})))' "$OPS_WORK/body"
}
items() {
  /usr/bin/python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["items"], sort_keys=True))' "$OPS_WORK/body"
}
audited() {  # audited REQUEST_ID: report audit rows of that request on the primary
  ops_sql "$PRIMARY" "SELECT count(*) FROM audit_log WHERE request_id = '$1' AND action = 'search' AND resource_type = 'report' AND resource_id = 'agreements' AND outcome = 'allowed'"
}

# ---- served by the standby, with the caller's identity and row-level security ----
before=$(standby_reads "$S")
report "$P" "$FACILITY"
[[ $CODE == 200 ]] || ops_die "the facility manager's report from the primary: $CODE"
primary_items=$(items)
report "$S" "$FACILITY"
[[ $CODE == 200 ]] || ops_die "the facility manager's report via the standby: $CODE"
[[ $(standby_reads "$S") == $((before + 1)) ]] || ops_die "the report was not counted as read on the standby"
[[ $(items) == "$primary_items" ]] || ops_die "the facility manager's report differs between the standby and the primary"
[[ $(names) == "Botilbuddet Engen" ]] || ops_die "the facility manager's report from the standby shows $(names), not only Engen"
[[ $(audited "$RID") == 1 ]] || ops_die "no audit row on the primary for the standby's report $RID"
rows_facility=$(/usr/bin/python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["items"]))' "$OPS_WORK/body")
report "$P" "$OTHER"
other_items=$(items)
report "$S" "$OTHER"
[[ $CODE == 200 ]] || ops_die "the Skoven manager's report via the standby: $CODE"
other_names=$(names)
[[ $(items) == "$other_items" ]] || ops_die "the Skoven manager's report differs between the standby and the primary"
[[ $other_names != *Engen* ]] || ops_die "the Skoven manager's report from the standby shows Engen: $other_names"
for accept in text/csv application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; do
  report "$S" "$FACILITY" "$accept"
  [[ $CODE == 200 && -s $OPS_WORK/body ]] || ops_die "the $accept export via the standby: $CODE"
  [[ $(audited "$RID") == 1 ]] || ops_die "no audit row on the primary for the $accept export $RID"
done
[[ $(standby_reads "$S") == $((before + 4)) ]] || ops_die "the standby served $(( $(standby_reads "$S") - before )) of 4 reports, JSON, CSV and xlsx"
ops_say "4 reports (JSON, CSV, xlsx) read on the standby, each audit row on the primary; as on the primary: Engen's manager $rows_facility row(s), Engen only; Skoven's manager: ${other_names:-no rows}, no Engen"

# ---- proof by content: replay paused, a facility renamed on the primary ----
caught_up
sleep 1.1   # a fresh check of S and L, with the standby caught up
report "$S" "$FACILITY"
report "$L" "$FACILITY"
ops_sql "$STANDBY" 'SELECT pg_wal_replay_pause()' >/dev/null
NEW="Botilbuddet Engen (replica-$$)"
ops_sql "$PRIMARY" "UPDATE organizations SET name = '$NEW' WHERE id = '$ENGEN'" >/dev/null
paused_at=$SECONDS
before=$(standby_reads "$S")
report "$S" "$FACILITY"
[[ $CODE == 200 ]] || ops_die "the report via the paused standby: $CODE"
[[ $(names) == "Botilbuddet Engen" ]] || ops_die "with replay paused the report via the standby shows $(names): not read on the standby"
[[ $(standby_reads "$S") == $((before + 1)) ]] || ops_die "the paused standby's read was not counted"
[[ $(audited "$RID") == 1 ]] || ops_die "no audit row on the primary for the paused standby's report"
report "$P" "$FACILITY"
[[ $(names) == "$NEW" ]] || ops_die "the primary shows $(names), not the new name"
ops_say "replay paused: the report via the standby shows the old name, the primary the new one (read on the standby, proven)"

# a read whose audit row cannot be written on the primary is not returned
ops_sql "$PRIMARY" 'REVOKE EXECUTE ON FUNCTION audit_write(text, text, text, uuid, text, text) FROM samspil_app' >/dev/null
before=$(standby_reads "$S")
report "$S" "$FACILITY"
refused=$CODE
ops_sql "$PRIMARY" 'GRANT EXECUTE ON FUNCTION audit_write(text, text, text, uuid, text, text) TO samspil_app' >/dev/null
[[ $refused != 200 ]] || ops_die "a report was returned although its audit row could not be written"
grep -q '"items"' "$OPS_WORK/body" && ops_die "the refused report's rows were sent"
[[ $(standby_reads "$S") == $((before + 1)) ]] || ops_die "the refused report was not read on the standby"
[[ $(audited "$RID") == 0 ]] || ops_die "an audit row for the refused report"
ops_say "audit row refused on the primary: the standby's report answered $refused, not sent"

# ---- too far behind: the primary serves ----
while (( SECONDS - paused_at < 4 )); do sleep 0.5; done
before=$(metric "$L" 'samspil_replica_fallbacks_total{reason="lagging"}')
report "$L" "$FACILITY"
[[ $CODE == 200 ]] || ops_die "the report with the standby behind: $CODE"
[[ $(names) == "$NEW" ]] || ops_die "with the standby 4 s behind (limit 2 s) the report shows $(names), not the primary's new name"
[[ $(metric "$L" 'samspil_replica_fallbacks_total{reason="lagging"}') -gt $before ]] ||
  ops_die "the fallback was not counted as lagging"
lag=$(metric "$L" samspil_replica_lag_seconds)
usable=$(metric "$L" samspil_replica_usable)
[[ $usable == 0 ]] || ops_die "L says the standby is usable while 4 s behind"
ops_say "replay paused $((SECONDS - paused_at)) s (limit 2 s): served by the primary (the new name), lag gauge $lag"

ops_sql "$STANDBY" 'SELECT pg_wal_replay_resume()' >/dev/null
caught_up
sleep 1.1
before=$(standby_reads "$L")
report "$L" "$FACILITY"
[[ $CODE == 200 && $(names) == "$NEW" ]] || ops_die "after replay resumed: $CODE $(names)"
[[ $(standby_reads "$L") == $((before + 1)) ]] || ops_die "after replay resumed the standby was not read again"
ops_say "replay resumed: the standby serves again (the new name)"

# ---- the standby stopped, and started again ----
ops_as_pg "$PGBIN/pg_ctl" -D "$STANDBY" -m fast -w stop >/dev/null
before_primary=$(metric "$S" 'samspil_replica_reads_total{database="primary"}')
for n in 1 2 3; do
  report "$S" "$FACILITY"
  [[ $CODE == 200 && $(names) == "$NEW" ]] || ops_die "report $n with the standby stopped: $CODE $(names)"
  [[ $(audited "$RID") == 1 ]] || ops_die "no audit row for report $n with the standby stopped"
done
down=$(metric "$S" 'samspil_replica_fallbacks_total{reason="down"}')
[[ $(metric "$S" 'samspil_replica_reads_total{database="primary"}') == $((before_primary + 3)) ]] ||
  ops_die "the reports with the standby stopped were not counted as read on the primary"
(( down >= 1 )) || ops_die "no fallback counted as down"
ops_pg_start "$STANDBY" standby.log
streaming
caught_up
sleep 1.1
before=$(standby_reads "$S")
report "$S" "$FACILITY"
[[ $CODE == 200 && $(names) == "$NEW" ]] || ops_die "after the standby came back: $CODE $(names)"
[[ $(standby_reads "$S") == $((before + 1)) ]] || ops_die "the standby was not used again after it came back"
ops_say "standby stopped: 3 of 3 reports 200 from the primary (fallbacks down: $down); started again: read on the standby"

for base in "$S" "$L"; do
  ops_say "$(curl -fsS "$base/metrics" | awk '/^samspil_replica_(reads|fallbacks)_total|^samspil_replica_checks_total/ { sub(/^samspil_replica_/, ""); printf "%s ", $0 }')"
done
for pid in ${OPS_PIDS[@]+"${OPS_PIDS[@]}"}; do
  ops_stop_pid "$pid" || ops_die "a server exited with an error"
done
OPS_PIDS=()
ops_say "passed in $((SECONDS - STARTED))s"
