#!/bin/bash
# PostgreSQL primary, first start only (docker-compose.yml mounts this into the postgres:15
# image's /docker-entrypoint-initdb.d): a role that may stream WAL, the replication slot the
# standby uses (so the primary keeps the WAL it still needs; watch it, an abandoned slot fills
# the disk), and a pg_hba line that lets the role connect for replication.
set -euo pipefail
: "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD must be set}"
# The password travels in the environment, never on a command line: \getenv reads it and
# :'pw' quotes it as a literal.
psql -X -q -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
\getenv pw REPLICATION_PASSWORD
CREATE ROLE replicator WITH LOGIN REPLICATION PASSWORD :'pw';
SELECT pg_create_physical_replication_slot('samspil_standby') \g /dev/null
SQL
echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
