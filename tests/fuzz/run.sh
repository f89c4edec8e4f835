#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ (clang, -fsanitize=fuzzer,address,undefined) into
# build-fuzz/ and runs each for SECONDS (default 60) from its seed corpus in corpus/NAME/;
# new inputs the fuzzer finds go to build-fuzz/corpus/NAME/, crashes to build-fuzz/crash-*.
# Run through `./dev fuzz [SECONDS]`; `./dev test` runs each for a few seconds so they keep
# building and the seeds keep passing. Exits non-zero on the first target that fails.
set -euo pipefail
SECONDS_EACH=${1:-60}
[[ $SECONDS_EACH =~ ^[0-9]+$ ]] || { echo "run.sh: SECONDS is a number" >&2; exit 2; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${FUZZ_OUT:-$ROOT/build-fuzz}
CC=${FUZZ_CC:-clang}
command -v "$CC" >/dev/null || { echo "run.sh: $CC is not installed (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
mkdir -p "$OUT"
FLAGS=(-std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I"$ROOT/lib")
# target: the lib/ sources it needs, then pkg-config packages
declare -A SRC=(
  [head]="head.c"
  [json]="json.c jsonw.c"
  [router]="router.c arena.c"
  [token]="token.c json.c"
  [csv]="csv.c"
  [ics]="ics.c"
  [cursor]="seal.c"
  [fhir]="fhir.c"
)
declare -A PKG=(
  [head]=""
  [json]="jansson"
  [router]=""
  [token]="libjwt libsodium jansson"
  [csv]=""
  [ics]=""
  [cursor]="libsodium"
  [fhir]="jansson"
)
for t in head json router token csv ics cursor fhir; do
  srcs=()
  for s in ${SRC[$t]}; do srcs+=("$ROOT/lib/$s"); done
  # shellcheck disable=SC2046,SC2086
  "$CC" "${FLAGS[@]}" $( [[ -n ${PKG[$t]} ]] && pkg-config --cflags ${PKG[$t]}) \
    "$HERE/fuzz_$t.c" "${srcs[@]}" -o "$OUT/fuzz_$t" \
    $( [[ -n ${PKG[$t]} ]] && pkg-config --libs ${PKG[$t]}) -lm -lpthread
  mkdir -p "$OUT/corpus/$t"
  printf '  -> fuzz_%s for %ss\n' "$t" "$SECONDS_EACH"
  if ! (cd "$OUT" && ASAN_OPTIONS=detect_leaks=1 "./fuzz_$t" -max_total_time="$SECONDS_EACH" \
          -max_len=16384 -timeout=10 -print_final_stats=0 "$OUT/corpus/$t" "$HERE/corpus/$t" \
          >"$OUT/fuzz_$t.log" 2>&1); then
    tail -40 "$OUT/fuzz_$t.log" >&2
    echo "run.sh: fuzz_$t failed (log: $OUT/fuzz_$t.log)" >&2
    exit 1
  fi
  grep -E "^#[0-9]+.*DONE|Done [0-9]+ runs" "$OUT/fuzz_$t.log" | tail -1 | sed 's/^/     /'
done
echo "fuzz: all targets ran without a finding"
