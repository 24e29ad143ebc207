#!/usr/bin/env bash
# wagate inbound benchmark: signed webhook ingest (1 status, 10 statuses, 10 messages per payload) against
# a static "return 200" nginx in the same run, the processor's apply rate on a 100,000-event journal, and
# the conversation list of an outlet with 100,000 conversations. One run, one machine. See bench/README.md,
# section "inbound".
#
#   bench/inbound.sh            full run (~3 min + waits)     -> bench/results/inbound.json
#   bench/inbound.sh --quick    smoke test (< 60 s, small)    -> bench/results/inbound-quick.json
#   bench/inbound.sh --enforce  full run; exit 2 when a target is missed
#
# Environment: WAGATE_BIN (default build/wagate), INBOUND_PHASES ("apply,ingest,list"), INBOUND_APPLY_EVENTS
# (100000; 10000), INBOUND_SECONDS (10; 2), INBOUND_WARMUP (2; 0), INBOUND_THREADS (2), INBOUND_CONNECTIONS (32),
# INBOUND_BODIES (10000; 1000), INBOUND_LIST_CONVERSATIONS (100000; 10000), INBOUND_LIST_SECONDS (10; 2),
# INBOUND_LIST_CONCURRENCY ("1,8"), INBOUND_GATEWAY_SET ("KEY=VALUE ..." passed as --set to every gateway),
# INBOUND_PERF (1: perf record the gateway during apply and each gateway ingest load), INBOUND_WAIT_ITESTS
# (seconds to wait for running integration tests in a full run, 1200; 0 = don't wait), INBOUND_OUT (result
# file), BENCH_TMPDIR (parent of the work directory; a real disk).
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
    *) echo "inbound: unknown argument: $1 (try --help)" >&2; exit 1 ;;
  esac
  shift
done

if [ "$MODE" = quick ]; then
  OUT="${INBOUND_OUT:-$BENCH_DIR/results/inbound-quick.json}"
  TOTAL_LIMIT=240
else
  OUT="${INBOUND_OUT:-$BENCH_DIR/results/inbound.json}"
  TOTAL_LIMIT=3000
fi
WAGATE_BIN="${WAGATE_BIN:-$REPO_DIR/build/wagate}"

log() { echo "inbound: $*" >&2; }
fail() { echo "inbound: FAILED: $*" >&2; exit 1; }

# ------------------------------------------------------------------ prerequisites
# shellcheck source=bench/lib/prereqs.sh
. "$BENCH_DIR/lib/prereqs.sh"
bench_prereqs

# ------------------------------------------------------------------ work dir and cleanup
TMP_PARENT="${BENCH_TMPDIR:-${TMPDIR:-/tmp}}"
WORK="$(mktemp -d "$TMP_PARENT/wagate-inbound.XXXXXX")"
LAST="$BENCH_DIR/results/inbound-last-run"
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
    for f in "$LAST"/gateway-*.log; do
      if [ -s "$f" ]; then echo "---- last lines of $(basename "$f") ----" >&2; tail -n 15 "$f" >&2; fi
    done
    echo "inbound: logs kept in $LAST" >&2
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
  python3 "$BENCH_DIR/lib/inbound.py" run --mode "$MODE" --work "$WORK" --out "$OUT" \
  --wagate "$WAGATE_BIN" --nginx "$NGINX_BIN" --repo "$REPO_DIR" $ENFORCE &
DRIVER_PID=$!
set +e
wait "$DRIVER_PID"
RC=$?
set -e
DRIVER_PID=""
[ "$RC" = 124 ] && log "the run took longer than ${TOTAL_LIMIT}s and was stopped"
exit "$RC"
