#!/usr/bin/env bash
# wagate benchmark: async send acceptance (text, and the po_notification template with per-recipient
# parameters) and signed webhook ingest through the gateway, against a static "return 200" nginx as
# the ceiling, in one run on one machine. See bench/README.md.
#
#   bench/run.sh            full run (BENCH_SECONDS per load, default 10) -> bench/results/latest.json
#   bench/run.sh --quick    smoke test (2 s per load, no warm-up)      -> bench/results/quick.json
#   bench/run.sh --enforce  full run, exit 2 when a ratio is below the 30 % target
#
# Environment: WAGATE_BIN (default build/wagate), BENCH_SECONDS, BENCH_WARMUP, BENCH_THREADS (2),
# BENCH_CONNECTIONS (32), BENCH_TIMEOUT (wrk --timeout seconds, 5), BENCH_BODIES (distinct request
# bodies per load, 1000), BENCH_OUT (result file), BENCH_TMPDIR (parent of the work directory; the
# gateway's data directory lives there, so it must be a real disk for fsync to mean anything).
#
# Exit status: 0 when every step worked; 1 when a step failed; 2 with --enforce and a ratio < 30 %.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
PY="python3 $BENCH_DIR/lib/bench.py"

MODE=full
ENFORCE=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) MODE=quick ;;
    --enforce) ENFORCE=--enforce ;;
    --seconds) BENCH_SECONDS="$2"; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "bench: unknown argument: $1 (try --help)" >&2; exit 1 ;;
  esac
  shift
done

if [ "$MODE" = quick ]; then
  SECONDS_PER_LOAD="${BENCH_SECONDS:-2}"
  WARMUP="${BENCH_WARMUP:-0}"
  OUT="${BENCH_OUT:-$BENCH_DIR/results/quick.json}"
else
  SECONDS_PER_LOAD="${BENCH_SECONDS:-10}"
  WARMUP="${BENCH_WARMUP:-2}"
  OUT="${BENCH_OUT:-$BENCH_DIR/results/latest.json}"
fi
THREADS="${BENCH_THREADS:-2}"
CONNS="${BENCH_CONNECTIONS:-32}"
WRK_TIMEOUT="${BENCH_TIMEOUT:-5}"
BODIES="${BENCH_BODIES:-1000}"
WAGATE_BIN="${WAGATE_BIN:-$REPO_DIR/build/wagate}"
STARTUP_TIMEOUT="${BENCH_STARTUP_TIMEOUT:-60}"

log() { echo "bench: $*" >&2; }
fail() { echo "bench: FAILED: $*" >&2; exit 1; }

# ------------------------------------------------------------------ prerequisites
# shellcheck source=bench/lib/prereqs.sh
. "$BENCH_DIR/lib/prereqs.sh"
bench_prereqs

# ------------------------------------------------------------------ work dir and cleanup
TMP_PARENT="${BENCH_TMPDIR:-${TMPDIR:-/tmp}}"
WORK="$(mktemp -d "$TMP_PARENT/wagate-bench.XXXXXX")"
RUN="$WORK/run"          # wrk outputs, generated data, logs
DATA="$WORK/data"        # gateway data directory (journal, SQLite)
NGX="$WORK/nginx"
mkdir -p "$RUN" "$DATA" "$NGX"
LAST="$BENCH_DIR/results/last-run"

PIDS=()   # every long-running process this script started
stop_pid() {
  local pid="$1" i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local i
  # stop in reverse start order: nginx, then the gateway (while its upstream, the sandbox, still
  # answers), then the sandbox
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[$i]}"; done
  wait 2>/dev/null || true
  # keep the run's record (wrk outputs, logs) next to the results; drop the data directory
  rm -rf "$LAST"; mkdir -p "$LAST"
  cp -r "$RUN/." "$LAST/" 2>/dev/null || true
  cp "$NGX"/*.log "$NGX/nginx.conf" "$LAST/" 2>/dev/null || true
  if [ "$rc" -ne 0 ]; then
    for f in sandbox.log gateway.log; do
      if [ -s "$RUN/$f" ]; then echo "---- last lines of $f ----" >&2; tail -n 20 "$RUN/$f" >&2; fi
    done
    echo "bench: logs kept in $LAST" >&2
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ sandbox + gateway
APP_SECRET="bench-app-secret-$RANDOM$RANDOM"
ADMIN_KEY="bench-admin-key-$RANDOM$RANDOM$RANDOM"

log "starting sandbox ($WAGATE_BIN sandbox)"
"$WAGATE_BIN" sandbox --listen 127.0.0.1:0 --ready-file "$RUN/sandbox.ready" \
  --app-secret "$APP_SECRET" --mps 0 >"$RUN/sandbox.log" 2>&1 &
SANDBOX_PID=$!; PIDS+=("$SANDBOX_PID")
SANDBOX_ADDR="$($PY wait-ready "$RUN/sandbox.ready" "$SANDBOX_PID" "$STARTUP_TIMEOUT")" \
  || fail "sandbox did not start"

log "starting gateway (data dir $DATA)"
"$WAGATE_BIN" serve --listen 127.0.0.1:0 --data "$DATA" --graph-url "http://$SANDBOX_ADDR" \
  --admin-key "$ADMIN_KEY" --ready-file "$RUN/gateway.ready" >"$RUN/gateway.log" 2>&1 &
GATEWAY_PID=$!; PIDS+=("$GATEWAY_PID")
GATEWAY_ADDR="$($PY wait-ready "$RUN/gateway.ready" "$GATEWAY_PID" "$STARTUP_TIMEOUT")" \
  || fail "gateway did not start"
$PY wait-http "http://$GATEWAY_ADDR/readyz" "$STARTUP_TIMEOUT" || fail "gateway not ready"
log "sandbox at $SANDBOX_ADDR, gateway at $GATEWAY_ADDR (pid $GATEWAY_PID)"

timeout 120 $PY setup --gateway "$GATEWAY_ADDR" --sandbox "$SANDBOX_ADDR" --admin-key "$ADMIN_KEY" \
  --app-secret "$APP_SECRET" --out-dir "$RUN" --bodies "$BODIES" >&2 || fail "setup/preflight"

# ------------------------------------------------------------------ nginx ceiling
NGINX_PORT="$($PY free-port)"
mkdir -p "$NGX/tmp"
cat >"$NGX/nginx.conf" <<EOF
# generated by bench/run.sh: a static "return 200" server, the ceiling of the benchmark
worker_processes 1;
daemon off;
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $NGX/tmp/body;
  proxy_temp_path $NGX/tmp/proxy;
  fastcgi_temp_path $NGX/tmp/fastcgi;
  uwsgi_temp_path $NGX/tmp/uwsgi;
  scgi_temp_path $NGX/tmp/scgi;
  client_body_buffer_size 1m;
  client_max_body_size 4m;
  keepalive_timeout 120s;
  keepalive_requests 100000000;
  default_type application/json;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / { return 200 '{"message_id":"x","status":"queued"}'; }
  }
}
EOF
log "starting nginx (1 worker process) on 127.0.0.1:$NGINX_PORT"
"$NGINX_BIN" -p "$NGX" -c "$NGX/nginx.conf" -e "$NGX/error.log" >"$NGX/stdout.log" 2>&1 &
NGINX_PID=$!; PIDS+=("$NGINX_PID")
$PY wait-http "http://127.0.0.1:$NGINX_PORT/" 20 || { cat "$NGX/error.log" >&2 || true; fail "nginx did not start"; }
timeout 20 $PY check-ceiling "http://127.0.0.1:$NGINX_PORT" || fail "nginx ceiling check"

# ------------------------------------------------------------------ loads
SEND_DATA="$RUN/send_data.lua"
WEBHOOK_DATA="$RUN/webhook_data.lua"
TEMPLATE_DATA="$RUN/template_data.lua"

# CPU seconds of this shell's finished children (wrk, once waited for; the small helper calls count
# too) into the variable CHILDREN_CPU. `times` must run in this shell, not in a $(...) subshell.
children_cpu() {
  times >"$RUN/times.txt"   # 2nd line "XmY.YYYs XmY.YYYs": user and system time of children
  CHILDREN_CPU="$(awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]);
                  t += a[1] * 60 + a[2] }; printf "%.3f\n", t }' "$RUN/times.txt")"
}

# run_load NAME URL SCRIPT: optional warm-up (discarded), then the measured run into $RUN/NAME.txt
run_load() {
  local name="$1" url="$2"
  export BENCH_DATA="$3"  # the requests bench/wrk/replay.lua replays
  local script="$BENCH_DIR/wrk/replay.lua"
  if [ "$WARMUP" != 0 ]; then
    timeout $((WARMUP + WRK_TIMEOUT + 30)) wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" \
      --timeout "${WRK_TIMEOUT}s" -s "$script" "$url" >"$RUN/$name.warmup.txt" 2>&1 \
      || fail "wrk warm-up $name (see $RUN/$name.warmup.txt)"
  fi
  log "load $name: ${SECONDS_PER_LOAD}s, wrk -t$THREADS -c$CONNS --latency"
  local cpu_procs=(gateway="$GATEWAY_PID" sandbox="$SANDBOX_PID" nginx=+"$NGINX_PID")
  children_cpu
  $PY cpu "${cpu_procs[@]}" --extra wrk="$CHILDREN_CPU" >"$RUN/$name.cpu"
  timeout $((SECONDS_PER_LOAD + WRK_TIMEOUT + 30)) wrk -t"$THREADS" -c"$CONNS" \
    -d"${SECONDS_PER_LOAD}s" --timeout "${WRK_TIMEOUT}s" --latency -s "$script" "$url" \
    >"$RUN/$name.txt" 2>&1 || { cat "$RUN/$name.txt" >&2; fail "wrk $name"; }
  children_cpu
  $PY cpu "${cpu_procs[@]}" --extra wrk="$CHILDREN_CPU" >>"$RUN/$name.cpu"
  grep -E 'Requests/sec|Non-2xx|Socket errors' "$RUN/$name.txt" | sed "s/^/bench:   /" >&2 || true
  for p in "$SANDBOX_PID" "$GATEWAY_PID" "$NGINX_PID"; do
    kill -0 "$p" 2>/dev/null || fail "process $p died during load $name"
  done
  sleep 1
}

NGINX_URL="http://127.0.0.1:$NGINX_PORT"
GATEWAY_URL="http://$GATEWAY_ADDR"
# The ceiling first (gateway idle), then webhook ingest, then async sends last: accepted sends are
# sent on to the sandbox in the background and their status webhooks come back, which would
# otherwise disturb the loads after it.
run_load nginx_send_async "$NGINX_URL" "$SEND_DATA"
run_load nginx_webhook "$NGINX_URL" "$WEBHOOK_DATA"
run_load nginx_send_template "$NGINX_URL" "$TEMPLATE_DATA"
run_load gateway_webhook "$GATEWAY_URL" "$WEBHOOK_DATA"
# Text then template sends back to back: both run with the engine sending at the outlet's 1,000
# msg/s (the backlog of the first keeps it busy through the second), so their ratio is the cost of
# typed validation and the templates registry check.
run_load gateway_send_async "$GATEWAY_URL" "$SEND_DATA"
run_load gateway_send_template "$GATEWAY_URL" "$TEMPLATE_DATA"

# ------------------------------------------------------------------ record and summarise
read -r GW_HWM _ < <($PY vm "$GATEWAY_PID") || fail "cannot read gateway VmHWM"
read -r SB_HWM _ < <($PY vm "$SANDBOX_PID") || SB_HWM=0
$PY fetch "$GATEWAY_URL/metrics" "$RUN/gateway_metrics.txt" --key "$ADMIN_KEY" || true
$PY fetch "http://$SANDBOX_ADDR/_sandbox/stats" "$RUN/sandbox_stats.json" || true
DATA_FS="$(df --output=fstype "$DATA" 2>/dev/null | tail -n 1 || echo unknown)"

$PY summarize --run-dir "$RUN" --out "$OUT" --mode "$MODE" --seconds "$SECONDS_PER_LOAD" \
  --warmup "$WARMUP" --threads "$THREADS" --connections "$CONNS" --timeout "$WRK_TIMEOUT" \
  --rss-kb "$GW_HWM" --sandbox-rss-kb "$SB_HWM" --data-fs "$DATA_FS" --wagate-bin "$WAGATE_BIN" \
  --repo "$REPO_DIR" $ENFORCE
