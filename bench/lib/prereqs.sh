# Sourced by bench/run.sh, engine.sh, inbound.sh, events.sh and campaigns.sh: finds (or, as root,
# installs) wrk and nginx and checks the wagate binary. Expects BENCH_DIR, WAGATE_BIN and the caller's
# log/fail functions; bench_prereqs sets NGINX_BIN. bench_prereqs_core is the part every benchmark needs
# (python3, the binary, the results directory): campaigns.sh uses neither wrk nor nginx.
bench_prereqs_core() {
  mkdir -p "$BENCH_DIR/results"
  command -v python3 >/dev/null 2>&1 || fail "python3 not found"
  [ -x "$WAGATE_BIN" ] || fail "wagate binary not found at $WAGATE_BIN (build it, or set WAGATE_BIN)"
}

bench_prereqs() {
  mkdir -p "$BENCH_DIR/results"
  NGINX_BIN="$(command -v nginx || true)"
  [ -n "$NGINX_BIN" ] || { [ -x /usr/sbin/nginx ] && NGINX_BIN=/usr/sbin/nginx; } || true
  if ! command -v wrk >/dev/null 2>&1 || [ -z "$NGINX_BIN" ]; then
    if [ "$(id -u)" = 0 ]; then
      log "installing wrk and nginx-light (Debian packages)"
      export DEBIAN_FRONTEND=noninteractive
      # (a failing post-install start of the system nginx service is harmless here: only the binary
      # is used, so success is judged by the binaries below)
      if ! timeout 600 apt-get install -y --no-install-recommends nginx-light wrk >"$BENCH_DIR/results/apt.log" 2>&1; then
        timeout 300 apt-get update >>"$BENCH_DIR/results/apt.log" 2>&1 || true
        timeout 600 apt-get install -y --no-install-recommends nginx-light wrk >>"$BENCH_DIR/results/apt.log" 2>&1 || true
      fi
      NGINX_BIN="$(command -v nginx || echo /usr/sbin/nginx)"
    else
      fail "wrk and/or nginx missing; run as root once (apt-get install -y nginx-light wrk)"
    fi
  fi
  command -v wrk >/dev/null 2>&1 || fail "wrk not found after install (see bench/results/apt.log)"
  [ -x "$NGINX_BIN" ] || fail "nginx not found after install"
  bench_prereqs_core
}

# events.sh: Node.js and the events receiver's npm packages (tests/integration/receiver: the official
# standardwebhooks package that verifies every signature). Node and npm come with scripts/install-deps.sh
# (run as root when missing); the packages with scripts/install-node-deps.sh (npm ci from the lock file;
# a no-op when they are already there).
bench_node_prereqs() {
  local scripts="$BENCH_DIR/../scripts"
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      log "installing node and npm (scripts/install-deps.sh)"
      timeout 900 "$scripts/install-deps.sh" >"$BENCH_DIR/results/apt.log" 2>&1 || true
    else
      fail "node and/or npm missing; run scripts/install-deps.sh"
    fi
  fi
  command -v node >/dev/null 2>&1 || fail "node not found after install (see bench/results/apt.log)"
  timeout 600 "$scripts/install-node-deps.sh" >&2 || fail "scripts/install-node-deps.sh failed"
}
