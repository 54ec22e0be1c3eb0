#!/usr/bin/env bash
# Runs the Python interop client against a freshly started server (compiled lib/, SQLite in
# memory, heartbeat every 300 ms). Needs Debian's python3-socketio, python3-requests,
# python3-websocket and python3-jsonschema (.ci/run installs them).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
PORT="${INTEROP_PORT:-18123}"
npm run compile >/dev/null
# Test runs' workspaces in a folder of their own, removed at the end.
workspaces="$(mktemp -d)"
PORT="$PORT" HOST=127.0.0.1 DATABASE_URL=sqlite::memory: HEARTBEAT_INTERVAL_MS=300 TEST_WORKSPACE_ROOT="$workspaces" \
  node lib/index.js &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -rf "$workspaces"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/connections" >/dev/null && break; sleep 0.2; done
"$PY" test/interop/seed_flow.py "http://127.0.0.1:$PORT"
