#!/usr/bin/env bash
# wagate RabbitMQ benchmark: send commands consumed and durably accepted per second from a private local
# rabbitmq-server, against the HTTP async accept rate (wrk) in the same run, and events published to the
# events exchange per second with confirms. See bench/README.md, section "broker".
#
#   bench/broker.sh            full run (20,000 commands)  -> bench/results/broker.json
#   bench/broker.sh --quick    smoke test (2,000)          -> bench/results/broker-quick.json
#
# Environment: WAGATE_BIN (default build/wagate; wagate-amqp beside it), BROKER_COMMANDS, BROKER_SECONDS
# (the HTTP reference's wrk duration), BENCH_TMPDIR (parent of the work directory).
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
MODE=full
[ "${1:-}" = --quick ] && MODE=quick
export WAGATE_BIN="${WAGATE_BIN:-$REPO_DIR/build/wagate}"
OUT="$BENCH_DIR/results/broker.json"
[ "$MODE" = quick ] && OUT="$BENCH_DIR/results/broker-quick.json"
command -v wrk >/dev/null || { echo "broker: wrk missing (scripts/install-deps.sh)" >&2; exit 1; }
exec python3 "$BENCH_DIR/lib/broker.py" --mode "$MODE" --out "$OUT"
