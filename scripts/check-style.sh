#!/usr/bin/env bash
# The style the build checks (docs/architecture.md, house-style.md), on every C++ file of the tree:
#   1. clang-format with the committed .clang-format: no file may differ from its formatted self
#      (fix with: clang-format -i $(git ls-files '*.cpp' '*.hpp'));
#   2. clang-tidy with the committed .clang-tidy (bugprone, performance, naming): no finding.
# Usage: scripts/check-style.sh [BUILD_DIR]   (a configured build directory with compile_commands.json;
# default build-release, which scripts/check-release.sh configures).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build-release}
mapfile -t files < <(git ls-files 'src/*.cpp' 'src/*.hpp' 'apps/*.cpp' 'fuzz/*.cpp' 'bench/*.cpp')

echo "== clang-format: ${#files[@]} files"
clang-format --dry-run -Werror "${files[@]}"

echo "== clang-tidy (compile commands of $build_dir)"
[ -f "$build_dir/compile_commands.json" ] || { echo "no $build_dir/compile_commands.json: configure it first" >&2; exit 2; }
# Every translation unit of the project (headers are checked through them: HeaderFilterRegex).
# The compile commands are g++'s: a g++-only flag (-Wno-restrict, see CMakeLists.txt) is not clang's business.
run-clang-tidy -quiet -p "$build_dir" -j "$(nproc)" -extra-arg=-Wno-unknown-warning-option \
  "$PWD/(src|apps|fuzz)/.*\\.cpp\$" > "$build_dir/clang-tidy.log" 2>&1 \
  || { grep -E "(warning|error):" "$build_dir/clang-tidy.log" | sort -u | head -100 >&2; echo "clang-tidy found problems (full log: $build_dir/clang-tidy.log)" >&2; exit 1; }
echo "clang-tidy: clean"
