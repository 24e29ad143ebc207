#!/usr/bin/env bash
# Installs the npm packages of the integration tests' Node.js tools, exactly as each directory's
# package-lock.json pins them:
#   tests/integration/receiver  the events receiver: the official standardwebhooks package verifies wagate's
#                               outgoing event signatures
#   tests/integration/sdk       a published Cloud API SDK (@kapso/whatsapp-cloud-api) driving the sandbox
# Does nothing for a directory whose node_modules already matches its lock file and the Node.js version (a
# stamp file inside node_modules records both), so test.sh can call it every time.
set -euo pipefail
cd "$(dirname "$0")/../tests/integration"
command -v npm >/dev/null 2>&1 || { echo "npm not found: run scripts/install-deps.sh" >&2; exit 1; }
# directory and the package whose presence shows the install completed
for entry in "receiver standardwebhooks" "sdk @kapso/whatsapp-cloud-api"; do
  read -r dir package <<<"$entry"
  (
    cd "$dir"
    stamp=node_modules/.wagate-stamp
    want="$(sha256sum package-lock.json | cut -d' ' -f1) node $(node --version)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d "node_modules/$package" ]; then
      exit 0
    fi
    echo "installing the npm packages of tests/integration/$dir (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
    echo "$want" > "$stamp"
  )
done
