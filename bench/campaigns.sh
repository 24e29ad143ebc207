#!/usr/bin/env bash
# wagate campaigns benchmark (issue 12): a 1,000,000-recipient campaign from CSV — wall time of the
# recipients upload until it is accepted and its recipients queued, the gateway's peak RSS — then its
# dispatch against the sandbox (which answers 130429 beyond 1,000 mps) for 60 s: achieved rate / cap,
# 130429 answers, gateway CPU per 1,000 messages. One run, one machine. See bench/README.md, "campaigns".
#
#   bench/campaigns.sh            full run (~2 min + waits)     -> bench/results/campaigns.json
#   bench/campaigns.sh --quick    smoke test (< 60 s, small)    -> bench/results/campaigns-quick.json
#   bench/campaigns.sh --enforce  full run; exit 2 when a target is missed
#
# Environment: WAGATE_BIN (default build/wagate), CAMPAIGNS_RECIPIENTS (1000000; 50000 with --quick),
# CAMPAIGNS_DISPATCH_SECONDS (60; 10), CAMPAIGNS_WARMUP (3), CAMPAIGNS_MPS (1000: the sandbox's --mps and
# the outlet's throughput_mps), CAMPAIGNS_WEBHOOKS (1: the sandbox sends status webhooks to the gateway),
# CAMPAIGNS_WEBHOOK_BATCH (100), CAMPAIGNS_GATEWAY_SET ("KEY=VALUE ..." passed as --set to the gateway),
# CAMPAIGNS_WAIT_ITESTS (seconds to wait for running integration tests in a full run, 1200; 0 = don't
# wait), CAMPAIGNS_OUT (result file), BENCH_TMPDIR (parent of the work directory; a real disk).
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
    *) echo "campaigns: unknown argument: $1 (try --help)" >&2; exit 1 ;;
  esac
  shift
done

if [ "$MODE" = quick ]; then
  OUT="${CAMPAIGNS_OUT:-$BENCH_DIR/results/campaigns-quick.json}"
  TOTAL_LIMIT=240
else
  OUT="${CAMPAIGNS_OUT:-$BENCH_DIR/results/campaigns.json}"
  TOTAL_LIMIT=3000
fi
WAGATE_BIN="${WAGATE_BIN:-$REPO_DIR/build/wagate}"

log() { echo "campaigns: $*" >&2; }
fail() { echo "campaigns: FAILED: $*" >&2; exit 1; }

# ------------------------------------------------------------------ prerequisites (no wrk, no nginx)
# shellcheck source=bench/lib/prereqs.sh
. "$BENCH_DIR/lib/prereqs.sh"
bench_prereqs_core

# ------------------------------------------------------------------ work dir and cleanup
TMP_PARENT="${BENCH_TMPDIR:-${TMPDIR:-/tmp}}"
WORK="$(mktemp -d "$TMP_PARENT/wagate-campaigns.XXXXXX")"
LAST="$BENCH_DIR/results/campaigns-last-run"
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
  if [ "$rc" -ne 0 ]; then
    for f in "$LAST"/gateway-*.log "$LAST"/sandbox.log; do
      if [ -s "$f" ]; then echo "---- last lines of $(basename "$f") ----" >&2; tail -n 15 "$f" >&2; fi
    done
    echo "campaigns: logs kept in $LAST" >&2
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
  python3 "$BENCH_DIR/lib/campaigns.py" run --mode "$MODE" --work "$WORK" --out "$OUT" \
  --wagate "$WAGATE_BIN" --repo "$REPO_DIR" $ENFORCE &
DRIVER_PID=$!
set +e
wait "$DRIVER_PID"
RC=$?
set -e
DRIVER_PID=""
[ "$RC" = 124 ] && log "the run took longer than ${TOTAL_LIMIT}s and was stopped"
exit "$RC"
