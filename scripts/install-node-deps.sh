#!/usr/bin/env bash
# Installs the npm packages of the events receiver (tests/integration/receiver: the official
# standardwebhooks package that verifies wagate's outgoing event signatures), exactly as
# package-lock.json pins them. Does nothing when node_modules already matches the lock file and the
# Node.js version (a stamp file inside node_modules records both), so test.sh can call it every time.
set -euo pipefail
cd "$(dirname "$0")/../tests/integration/receiver"
command -v npm >/dev/null 2>&1 || { echo "npm not found: run scripts/install-deps.sh" >&2; exit 1; }
stamp=node_modules/.wagate-stamp
want="$(sha256sum package-lock.json | cut -d' ' -f1) node $(node --version)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d node_modules/standardwebhooks ]; then
  exit 0
fi
echo "installing the events receiver's npm packages (npm ci)"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
echo "$want" > "$stamp"
