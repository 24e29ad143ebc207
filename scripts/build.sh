#!/usr/bin/env bash
# Configures and builds wagate with one of the presets of CMakePresets.json:
#   scripts/build.sh [--sanitize | --release | --release-clang | --release-clang-asan] [cmake --build options…]
# dev (default) → build/, asan → build-asan/, release → build-release/, release-clang → build-clang/,
# release-clang-asan → build-clang-asan/.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=dev
case "${1:-}" in
  --sanitize) preset=asan; shift ;;
  --release) preset=release; shift ;;
  --release-clang) preset=release-clang; shift ;;
  --release-clang-asan) preset=release-clang-asan; shift ;;
esac
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j"$jobs" "$@"
