#!/bin/bash
# Container entry point: check the configuration, apply migrations as the owner role, give
# the application role its password (if APP_DB_PASSWORD is set), then run the server.
#   docker run IMAGE                     -> migrate, set password, samspil serve
#   docker run IMAGE create-admin E N    -> migrate, set password, samspil create-admin E N
#   docker run -i IMAGE hash-password    -> samspil hash-password (no database needed)
set -euo pipefail

if [[ $# -eq 0 ]]; then
  set -- serve
fi

case $1 in
  hash-password | help | --help | -h)
    exec samspil "$@"
    ;;
esac

: "${DATABASE_URL:?DATABASE_URL must be set (libpq URL of the samspil_app role)}"
: "${DATABASE_MIGRATE_URL:?DATABASE_MIGRATE_URL must be set (libpq URL of the owner role)}"
: "${JWT_SECRET:?JWT_SECRET must be set (at least 32 bytes)}"
export DATABASE_URL DATABASE_MIGRATE_URL JWT_SECRET
export MIGRATIONS_DIR="${MIGRATIONS_DIR:-/app/migrations}"
export STATIC_DIR="${STATIC_DIR:-/app/static}"
export BIND_ADDRESS="${BIND_ADDRESS:-0.0.0.0}"

samspil migrate

if [[ -n ${APP_DB_PASSWORD:-} ]]; then
  # The password travels in the environment, never on a command line: psql's \getenv
  # reads it and :'pw' quotes it as a literal (psql does not interpolate variables in -c).
  psql -X -q "$DATABASE_MIGRATE_URL" -v ON_ERROR_STOP=1 <<'SQL'
\getenv pw APP_DB_PASSWORD
ALTER ROLE samspil_app PASSWORD :'pw';
SQL
fi

if [[ $1 == migrate ]]; then
  exit 0   # already done above
fi
exec samspil "$@"
