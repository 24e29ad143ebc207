#!/usr/bin/env bash
# wagate delivery-engine benchmark: rate accuracy of one lane (80 and 1000 mps), aggregate dispatch of
# 200 lanes against a canned nginx Graph upstream (vs wrk on the same upstream), and memory per queued
# message (1,000,000 queued). One run, one machine. See bench/README.md, section "engine".
#
#   bench/engine.sh            full run (~4 min + waits)     -> bench/results/engine.json
#   bench/engine.sh --quick    smoke test (< 60 s, small)    -> bench/results/engine-quick.json
#   bench/engine.sh --enforce  full run; exit 2 when a target is missed
#
# Environment: WAGATE_BIN (default build/wagate), ENGINE_RATE_SECONDS (60; 5 with --quick),
# ENGINE_RATES ("80,1000"), ENGINE_DISPATCH_MESSAGES (100000; 5000), ENGINE_DISPATCH_OUTLETS (200),
# ENGINE_DISPATCH_MPS (1000), ENGINE_CEILING_SECONDS (10; 3), ENGINE_MEMORY_MESSAGES (1000000; 100000),
# ENGINE_PHASES ("rate,dispatch,memory"), ENGINE_GATEWAY_SET ("KEY=VALUE ..." passed as --set to
# every gateway), ENGINE_PERF (1: perf record the gateway during dispatch), ENGINE_WAIT_ITESTS
# (seconds to wait for running integration tests before a full run, 1200; 0 = don't wait),
# ENGINE_OUT (result file), BENCH_TMPDIR (parent of the work directory; a real disk).
#
# Exit status: 0 every step worked; 1 a step failed; 2 with --enforce and a target missed.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"

MODE=full
ENFORCE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) MODE=quick ;;
    --enforce) ENFORCE=--enforce ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "engine: unknown argument: $1 (try --help)" >&2; exit 1 ;;
  esac
  shift
done

if [ "$MODE" = quick ]; then
  OUT="${ENGINE_OUT:-$BENCH_DIR/results/engine-quick.json}"
  TOTAL_LIMIT=240
else
  OUT="${ENGINE_OUT:-$BENCH_DIR/results/engine.json}"
  TOTAL_LIMIT=3000
fi
WAGATE_BIN="${WAGATE_BIN:-$REPO_DIR/build/wagate}"

log() { echo "engine: $*" >&2; }
fail() { echo "engine: FAILED: $*" >&2; exit 1; }

# ------------------------------------------------------------------ prerequisites
# shellcheck source=bench/lib/prereqs.sh
. "$BENCH_DIR/lib/prereqs.sh"
bench_prereqs

# ------------------------------------------------------------------ a quiet machine for the full run
ITESTS=""
if [ "$MODE" = full ]; then
  WAIT_ITESTS="${ENGINE_WAIT_ITESTS:-1200}"
  waited=0
  while pgrep -f 'python3 .*tests/integration' >/dev/null 2>&1; do
    if [ "$waited" -ge "$WAIT_ITESTS" ]; then
      ITESTS="$(pgrep -fa 'python3 .*tests/integration' | head -3 | cut -c1-120 | tr '\n' ';')"
      log "integration tests still running after ${waited}s; running anyway (the result says so)"
      break
    fi
    [ "$waited" = 0 ] && log "integration tests are running; waiting up to ${WAIT_ITESTS}s for them to finish"
    sleep 10; waited=$((waited + 10))
  done
fi
export ENGINE_ITESTS_RUNNING="$ITESTS"

# ------------------------------------------------------------------ work dir and cleanup
TMP_PARENT="${BENCH_TMPDIR:-${TMPDIR:-/tmp}}"
WORK="$(mktemp -d "$TMP_PARENT/wagate-engine.XXXXXX")"
LAST="$BENCH_DIR/results/engine-last-run"
DRIVER_PID=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$DRIVER_PID" ] && kill -0 "$DRIVER_PID" 2>/dev/null; then
    kill -TERM "$DRIVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$DRIVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$DRIVER_PID" 2>/dev/null || true
  fi
  # whatever the driver started and did not stop (it records every pid it starts)
  if [ -f "$WORK/pids" ]; then
    while read -r pid; do
      [ -n "$pid" ] || continue
      if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
      fi
    done <"$WORK/pids"
  fi
  rm -rf "$LAST"; mkdir -p "$LAST"
  cp -r "$WORK/run/." "$LAST/" 2>/dev/null || true
  cp "$WORK/nginx/error.log" "$LAST/nginx-error.log" 2>/dev/null || true
  if [ "$rc" -ne 0 ]; then
    for f in "$LAST"/gateway-*.log "$LAST"/sandbox.log; do
      if [ -s "$f" ]; then echo "---- last lines of $(basename "$f") ----" >&2; tail -n 15 "$f" >&2; fi
    done
    echo "engine: logs kept in $LAST" >&2
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "mode $MODE; work directory $WORK; binary $WAGATE_BIN"
# the driver runs in the background so that the traps above can act while it runs
timeout --signal=TERM --kill-after=30 "$TOTAL_LIMIT" \
  python3 "$BENCH_DIR/lib/engine.py" run --mode "$MODE" --work "$WORK" --out "$OUT" \
  --wagate "$WAGATE_BIN" --nginx "$NGINX_BIN" --repo "$REPO_DIR" $ENFORCE &
DRIVER_PID=$!
set +e
wait "$DRIVER_PID"
RC=$?
set -e
DRIVER_PID=""
[ "$RC" = 124 ] && log "the run took longer than ${TOTAL_LIMIT}s and was stopped"
exit "$RC"
