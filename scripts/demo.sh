#!/usr/bin/env bash
# Sets up a Debian 12 machine and runs wagate locally: the gateway (embedded SQLite in ./demo-data)
# with the bundled Cloud API sandbox as its upstream, and a demo tenant, outlet and API key.
# Prints how to send a first message. Ctrl-C stops both processes; run it again to resume.
set -euo pipefail
cd "$(dirname "$0")/.."
GATEWAY_ADDR=${WAGATE_DEMO_LISTEN:-127.0.0.1:8080}
SANDBOX_ADDR=${WAGATE_DEMO_SANDBOX:-127.0.0.1:9090}
DATA=${WAGATE_DEMO_DATA:-$PWD/demo-data}
APP_SECRET=demo-app-secret

scripts/install-deps.sh
# WAGATE_BIN: an already-built binary (the test suite passes the one it tests); else build one.
BIN=${WAGATE_BIN:-}
if [ -z "$BIN" ]; then
  scripts/build.sh --target wagate >/dev/null
  BIN=build/wagate
fi
mkdir -p "$DATA"
if [ ! -f "$DATA/admin.key" ]; then
  (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DATA/admin.key")
fi
ADMIN_KEY=$(cat "$DATA/admin.key")

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

rm -f "$DATA/sandbox.addr" "$DATA/gateway.addr"
"$BIN" sandbox --listen "$SANDBOX_ADDR" --ready-file "$DATA/sandbox.addr" --app-secret "$APP_SECRET" \
  --webhook-url "http://$GATEWAY_ADDR/webhooks/whatsapp" 2>>"$DATA/sandbox.log" &
pids+=($!)
# The admin key through the environment: on the command line it would show in the process list.
WAGATE_ADMIN_KEY="$ADMIN_KEY" "$BIN" serve --listen "$GATEWAY_ADDR" --data "$DATA" \
  --graph-url "http://$SANDBOX_ADDR" --ready-file "$DATA/gateway.addr" 2>>"$DATA/gateway.log" &
pids+=($!)
for _ in $(seq 1 100); do
  [ -f "$DATA/sandbox.addr" ] && [ -f "$DATA/gateway.addr" ] && break
  sleep 0.1
done
if [ ! -f "$DATA/gateway.addr" ]; then
  echo "wagate did not start; see $DATA/gateway.log and $DATA/sandbox.log" >&2
  exit 1
fi

GW="http://$GATEWAY_ADDR"
api() { curl -sS -H "Authorization: Bearer $ADMIN_KEY" -H 'Content-Type: application/json' "$@"; }
json() { python3 -c "import sys, json; print(json.load(sys.stdin)$1)"; }
if [ ! -f "$DATA/demo.env" ]; then
  TENANT=$(api -X POST "$GW/api/v1/tenants" -d '{"name":"Demo shop","monthly_quota":10000}' | json '["id"]')
  OUTLET=$(api -X POST "$GW/api/v1/tenants/$TENANT/outlets" -d "{\"name\":\"Demo number\",
    \"phone_number_id\":\"106540352242922\",\"waba_id\":\"102290129340398\",\"access_token\":\"sandbox-token-$RANDOM$RANDOM\",
    \"app_secret\":\"$APP_SECRET\",\"verify_token\":\"demo-verify-token\",\"display_phone_number\":\"15550783881\"}" | json '["id"]')
  KEY=$(api -X POST "$GW/api/v1/tenants/$TENANT/api-keys" -d '{"name":"demo"}' | json '["key"]')
  (umask 077; printf 'TENANT=%s\nOUTLET=%s\nKEY=%s\n' "$TENANT" "$OUTLET" "$KEY" > "$DATA/demo.env")
fi
# shellcheck disable=SC1091
. "$DATA/demo.env"

cat <<MSG

wagate is running on $GW (sandbox Cloud API on http://$SANDBOX_ADDR); data in $DATA.
Demo tenant $TENANT, outlet $OUTLET. Send a first message:

  curl -s -X POST $GW/api/v1/messages/send \\
    -H 'Authorization: Bearer $KEY' -H 'Content-Type: application/json' \\
    -d '{"tenant_id":"$TENANT","outlet_id":"$OUTLET","to":"+628123456789","message":"Hello from wagate!","message_type":"text"}'

then watch it go sent → delivered → read (use the message_id from the answer):

  curl -s $GW/api/v1/messages/MESSAGE_ID/status -H 'Authorization: Bearer $KEY'

What the sandbox received: curl -s http://$SANDBOX_ADDR/_sandbox/messages
Metrics: curl -s $GW/metrics     Admin key: $DATA/admin.key     Logs: $DATA/*.log
Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
