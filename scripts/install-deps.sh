#!/usr/bin/env bash
# Installs the Debian 12 packages wagate needs to build, test and benchmark (only the missing ones).
set -euo pipefail
PACKAGES=(
  build-essential cmake pkg-config git python3 curl ca-certificates
  libboost-dev libboost-system-dev nlohmann-json3-dev libcurl4-openssl-dev libssl-dev libsqlite3-dev
  libphonenumber-dev libprotobuf-dev libre2-dev libtomlplusplus-dev libgtest-dev libgmock-dev libbenchmark-dev
  librabbitmq-dev rabbitmq-server libjemalloc-dev
  nginx-light wrk sqlite3
  clang libclang-rt-14-dev clang-format clang-tidy systemd  # clang's sanitizer runtimes: only recommended by clang
  nodejs npm
)
missing=()
for p in "${PACKAGES[@]}"; do
  # NodeSource's nodejs bundles npm and conflicts with Debian's npm package: any npm on PATH will do.
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian starts the system nginx and rabbitmq-server on install (where it may start services); wagate's
# tests and benchmarks run their own private instances, so the system ones are stopped again.
if command -v service >/dev/null 2>&1; then
  $SUDO service nginx stop >/dev/null 2>&1 || true
  $SUDO service rabbitmq-server stop >/dev/null 2>&1 || true
fi
