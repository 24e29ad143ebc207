#!/usr/bin/env bash
# wagate outgoing-events benchmark: events delivered per second to a local receiver (1 endpoint and 100
# endpoints) against wrk loading the same receiver directly in the same run, and the async send rate and
# latency with a pre-send hook in the path against without it (and against the hook's own latency). The
# receiver is tests/integration/receiver (Node, the official standardwebhooks package verifies every
# signature). One run, one machine. See bench/README.md, section "events".
#
#   bench/events.sh            full run (~3 min + waits)     -> bench/results/events.json
#   bench/events.sh --quick    smoke test (< 60 s, small)    -> bench/results/events-quick.json
#   bench/events.sh --enforce  full run; exit 2 when a target is missed
#
# Environment: WAGATE_BIN (default build/wagate), EVENTS_PHASES ("one,many,hook"), EVENTS_DELIVERIES (50000;
# 5000: deliveries per delivery phase), EVENTS_MANY_ENDPOINTS (100), EVENTS_MAX_IN_FLIGHT (16: the gateway's
# events.max_in_flight, and wrk's -c), EVENTS_SECONDS (10; 2), EVENTS_WARMUP (2; 0), EVENTS_THREADS (2),
# EVENTS_BODIES (1000; 200), EVENTS_HOOK_CONCURRENCY ("1,32"), EVENTS_GATEWAY_SET ("KEY=VALUE ..." passed as
# --set to every gateway), EVENTS_PERF (1: perf record the gateway during each delivery drain and hooked
# load), EVENTS_WAIT_ITESTS (seconds to wait for running integration tests in a full run, 1200; 0 = don't
# wait), EVENTS_OUT (result file), BENCH_TMPDIR (parent of the work directory; a real disk).
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
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "events: unknown argument: $1 (try --help)" >&2; exit 1 ;;
  esac
  shift
done

if [ "$MODE" = quick ]; then
  OUT="${EVENTS_OUT:-$BENCH_DIR/results/events-quick.json}"
  TOTAL_LIMIT=240
else
  OUT="${EVENTS_OUT:-$BENCH_DIR/results/events.json}"
  TOTAL_LIMIT=3000
fi
WAGATE_BIN="${WAGATE_BIN:-$REPO_DIR/build/wagate}"

log() { echo "events: $*" >&2; }
fail() { echo "events: FAILED: $*" >&2; exit 1; }

# ------------------------------------------------------------------ prerequisites
# shellcheck source=bench/lib/prereqs.sh
. "$BENCH_DIR/lib/prereqs.sh"
bench_prereqs
bench_node_prereqs

# ------------------------------------------------------------------ work dir and cleanup
TMP_PARENT="${BENCH_TMPDIR:-${TMPDIR:-/tmp}}"
WORK="$(mktemp -d "$TMP_PARENT/wagate-events.XXXXXX")"
LAST="$BENCH_DIR/results/events-last-run"
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
    for f in "$LAST"/gateway-*.log "$LAST"/receiver.log; do
      if [ -s "$f" ]; then echo "---- last lines of $(basename "$f") ----" >&2; tail -n 15 "$f" >&2; fi
    done
    echo "events: logs kept in $LAST" >&2
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
  python3 "$BENCH_DIR/lib/events.py" run --mode "$MODE" --work "$WORK" --out "$OUT" \
  --wagate "$WAGATE_BIN" --nginx "$NGINX_BIN" --repo "$REPO_DIR" $ENFORCE &
DRIVER_PID=$!
set +e
wait "$DRIVER_PID"
RC=$?
set -e
DRIVER_PID=""
[ "$RC" = 124 ] && log "the run took longer than ${TOTAL_LIMIT}s and was stopped"
exit "$RC"
