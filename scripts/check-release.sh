#!/usr/bin/env bash
# Packaging checks (issue 16), run by scripts/test.sh before the main suite:
#   1. the Release build with g++ (the main suite then runs on it; clang's Release build, with the
#      sanitizers, and its unit tests are scripts/test.sh's first step);
#   2. `cmake --install` into a temporary prefix lays out a service that systemd-analyze accepts;
#   3. an upgrade from an older release (built here from git history) loses nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
# The release the upgrade test starts from: the last commit before schema migration 3.
UPGRADE_FROM=${WAGATE_UPGRADE_FROM:-aa065fe}

echo "== release build (g++)"
scripts/build.sh --release

echo "== cmake --install: the service layout"
prefix=$(mktemp -d /tmp/wagate-install.XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cmake -S . -B build-release -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
cmake --build build-release --target wagate_example_config >/dev/null
cmake --install build-release >/dev/null
for f in bin/wagate etc/wagate/wagate.toml.example lib/systemd/system/wagate.service lib/sysusers.d/wagate.conf \
         share/doc/wagate/README.md share/doc/wagate/operations.md; do
  [ -e "$prefix/$f" ] || { echo "missing after install: $f"; exit 1; }
done
"$prefix/bin/wagate" --version | grep -Eq '^wagate [0-9]+\.[0-9]+\.[0-9]+ \(git [0-9a-f]{7,}' \
  || { echo "wagate --version does not name the version and the git revision"; exit 1; }
grep -q "^# engine.pacing_margin_max_ms\|^# pacing_margin_max_ms = " "$prefix/etc/wagate/wagate.toml.example" \
  || { echo "the example configuration lacks a setting"; exit 1; }
systemd-analyze verify "$prefix/lib/systemd/system/wagate.service"
echo "installed layout ok; systemd-analyze verify accepts wagate.service"
cmake -S . -B build-release -DCMAKE_INSTALL_PREFIX=/usr/local >/dev/null

echo "== upgrade from $UPGRADE_FROM"
if git cat-file -e "$UPGRADE_FROM^{commit}" 2>/dev/null; then
  # A fixed source directory, so the build directory's cache stays valid from one run to the next.
  old_src="$PWD/build-upgrade-from/src"
  rm -rf "$old_src" && mkdir -p "$old_src"
  git archive "$UPGRADE_FROM" | tar -x -C "$old_src"
  # Unoptimized and without debug information: it only has to write an old database, quickly built.
  cmake -S "$old_src" -B build-upgrade-from/build -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O0 >/dev/null
  cmake --build build-upgrade-from/build --target wagate -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
  WAGATE_BIN="$PWD/build-release/wagate" WAGATE_OLD_BIN="$PWD/build-upgrade-from/build/wagate" \
    python3 tests/upgrade/test_upgrade.py
else
  echo "WARNING: $UPGRADE_FROM is not in this clone's history (shallow clone?): upgrade test not run"
fi
