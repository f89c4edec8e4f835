#!/usr/bin/env bash
# The operations tests (tests/ops/*.sh but lib.sh and this file), one after the other; exits
# non-zero when one fails. ./dev test runs it after the fuzz targets with SAMSPIL_BIN set;
# they start their own PostgreSQL clusters, servers and proxies on loopback and need
# postgresql-15, haproxy, openssl, curl and python3 (./dev's TEST_PACKAGES).
# Usage: SAMSPIL_BIN=build-test/samspil tests/ops/run.sh [NAME...]
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${SAMSPIL_BIN:?SAMSPIL_BIN must name a built samspil}"
names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
  for f in "$HERE"/*.sh; do
    n=$(basename "$f" .sh)
    [[ $n == lib || $n == run ]] || names+=("$n")
  done
fi
for n in "${names[@]}"; do
  start=$SECONDS
  printf '==> tests/ops/%s.sh\n' "$n"
  bash "$HERE/$n.sh" || { printf 'tests/ops/%s.sh FAILED after %ds\n' "$n" "$((SECONDS - start))" >&2; exit 1; }
  printf '==> tests/ops/%s.sh passed in %ds\n' "$n" "$((SECONDS - start))"
done
