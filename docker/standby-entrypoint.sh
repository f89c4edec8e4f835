#!/bin/bash
# PostgreSQL hot standby (docker-compose.yml, service standby; the postgres:15 image, as root).
# First start, empty data directory: wait for the primary, copy it with pg_basebackup -R
# (standby.signal and primary_conninfo written; slot samspil_standby, made by
# docker/primary-init.sh). Every start: the image's own entry point runs postgres, which
# streams from the primary and answers read-only queries (DATABASE_REPLICA_URL).
# To rebuild the standby (after a failover, or when it fell too far behind the slot): stop
# it, remove its volume, start it again.
set -euo pipefail
: "${PRIMARY_HOST:=db}" "${PRIMARY_PORT:=5432}"
: "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD must be set}"
export PGDATA=${PGDATA:-/var/lib/postgresql/data}
mkdir -p "$PGDATA"
chown postgres:postgres "$PGDATA"
chmod 700 "$PGDATA"
if [[ ! -s $PGDATA/PG_VERSION ]]; then
  until gosu postgres pg_isready -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U replicator -d postgres; do
    echo "standby: waiting for the primary $PRIMARY_HOST"
    sleep 2
  done
  PGPASSWORD=$REPLICATION_PASSWORD gosu postgres pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" \
    -U replicator -D "$PGDATA" -X stream -c fast -R -S samspil_standby
  # primary_conninfo spelled out (the last line of postgresql.auto.conf wins); the file is
  # the data directory's, mode 0600
  printf "primary_conninfo = 'host=%s port=%s user=replicator password=%s application_name=standby'\n" \
    "$PRIMARY_HOST" "$PRIMARY_PORT" "$REPLICATION_PASSWORD" >>"$PGDATA/postgresql.auto.conf"
  echo "standby: copied from $PRIMARY_HOST"
fi
# hot_standby_feedback: a long report on the standby is not cancelled by the replay of
# vacuum on the primary (the primary keeps those rows a little longer instead)
exec docker-entrypoint.sh postgres -c hot_standby=on -c hot_standby_feedback=on
