#!/usr/bin/env bash
# Phone number validation: the RE2 validator against libphonenumber on the same numbers in the same run
# (µs per number and their ratio), and the resident cost of the plans it compiled. See bench/README.md,
# section "phone".
#
#   bench/phone.sh            full run (~15 s)   -> bench/results/phone.json
#   bench/phone.sh --quick    smoke test (~3 s)  -> bench/results/phone-quick.json
#
# Environment: PHONE_BENCH_BIN (default build/phone_bench; `cmake --build build --target phone_bench`),
# PHONE_NUMBERS (100000; 20000 with --quick), PHONE_SECONDS (seconds per measurement, 3; 0.5),
# PHONE_OUT (result file).
#
# Exit status: 0 when every answer agreed with libphonenumber; 1 otherwise or when a step failed.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"

MODE=full
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) MODE=quick ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "phone: unknown argument: $1 (try --help)" >&2; exit 1 ;;
  esac
  shift
done

if [ "$MODE" = quick ]; then
  NUMBERS="${PHONE_NUMBERS:-20000}"
  SECONDS_PER="${PHONE_SECONDS:-0.5}"
  OUT="${PHONE_OUT:-$BENCH_DIR/results/phone-quick.json}"
else
  NUMBERS="${PHONE_NUMBERS:-100000}"
  SECONDS_PER="${PHONE_SECONDS:-3}"
  OUT="${PHONE_OUT:-$BENCH_DIR/results/phone.json}"
fi
BIN="${PHONE_BENCH_BIN:-$REPO_DIR/build/phone_bench}"
[ -x "$BIN" ] || { echo "phone: no $BIN (build it: cmake --build build --target phone_bench)" >&2; exit 1; }
COMMIT="$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)"

exec "$BIN" --numbers "$NUMBERS" --seconds "$SECONDS_PER" --out "$OUT" --commit "$COMMIT"
