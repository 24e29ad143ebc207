#!/usr/bin/env bash
# Sets up a Debian 12 machine and runs wagate's whole test suite:
#   1. the Release build with clang, with AddressSanitizer + UndefinedBehaviorSanitizer, and the unit
#      tests on it,
#   2. packaging: the Release build with g++, the installed service layout, and an upgrade from an older
#      release (scripts/check-release.sh),
#   3. style: clang-format and clang-tidy clean on the whole tree (scripts/check-style.sh),
#   4. unit tests, integration tests (real wagate + sandbox processes on loopback) and a quick
#      benchmark smoke run, on the g++ Release build (what packagers ship).
# The last line is ctest's summary of step 4 ("100% tests passed, 0 tests failed out of N").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/install-node-deps.sh  # the events receiver's standardwebhooks and the Cloud API SDK (tests/integration/{receiver,sdk})

echo "== clang Release build with ASan + UBSan: unit tests ($(date -u +%H:%M:%S))"
# One build for two checks: clang builds the Release configuration (packaging: Release with g++ and
# clang, unit tests on both), and the unit tests run under the sanitizers. Building a plain clang Release
# and a g++ sanitizer build as well cost CI about ten minutes of compiling and checked nothing more:
# clang's warnings come from its front end at any optimization level, and the code has no assert().
# For the same reason it optimizes at -O1 (the sanitizers' recommended level), not -O3: the optimizer
# was most of this build's time, and the sanitizers find the same faults at either level.
# (`scripts/build.sh --sanitize` is the g++ Debug sanitizer build, for debugging a finding.)
scripts/build.sh --release-clang-asan --target unit_binaries
# The full log is long (every test's name); on a failure show the failing tests and what the
# sanitizer said (its report's first lines and summary), which the last lines alone would hide.
if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-clang-asan -L unit --output-on-failure -j2 >build-clang-asan/unit-tests.log 2>&1; then
  # (|| true: under set -e a grep that finds nothing would end the script before the other one prints)
  grep -E -A12 '^(==[0-9]+==ERROR|(Direct|Indirect) leak|SUMMARY: |.*runtime error:)' build-clang-asan/unit-tests.log | cut -c1-300 | head -150 || true
  grep -E '(Failed|Subprocess aborted|\*\*\*Exception|tests failed|SIGPIPE|SEGFAULT)' build-clang-asan/unit-tests.log | tail -20 || true
  exit 1
fi
tail -3 build-clang-asan/unit-tests.log

echo "== packaging: release builds, install layout, upgrade ($(date -u +%H:%M:%S))"
scripts/check-release.sh

echo "== style: clang-format, clang-tidy ($(date -u +%H:%M:%S))"
scripts/check-style.sh build-release

echo "== release build: unit + integration tests + benchmark smoke ($(date -u +%H:%M:%S))"
# Two at a time; rate-measuring and load tests are RUN_SERIAL (CMakeLists.txt).
ctest --test-dir build-release --output-on-failure --timeout 900 -j2 "$@"
