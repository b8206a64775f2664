#!/usr/bin/env bash
# The OpenAPI document generates a good client: openapi-typescript turns /api/v1/openapi.json into
# TypeScript types without a single warning, tsc type-checks decide.ts against them (strict), and
# decide.ts calls `decide` through openapi-fetch against a real attune and checks the answer.
#
# Starts the built `attune` (ATTUNE_BIN, else the release build, else the debug one, in
# CARGO_TARGET_DIR or target/) on a fresh SQLite data dir and a free port, seeds the demo, creates
# a sender key, and always stops the server.
#
#   bash server/tests/openapi-client/run.sh          # from anywhere
#   ATTUNE_BIN=target/debug/attune KEEP=1 bash server/tests/openapi-client/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../../.."

. server/tests/support/attune.sh
find_attune
[ -d "$here/node_modules/openapi-typescript" ] || (cd "$here" && npm ci --no-audit --no-fund)

work=$(mktemp -d)
server_pid=
cleanup() {
  stop_pids $server_pid
  rm -rf "$here/dist" "$here/schema.d.ts"
  if [ -n "${KEEP:-}" ]; then echo "kept $work (server.log, openapi.json, generate.out, generate.err)"; else rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM

start_attune "$work" openapi-client
curl -fsS "$ATTUNE_BASE_URL/api/v1/openapi.json" -o "$work/openapi.json"

cd "$here"
echo "==> openapi-typescript"
status=0
npx --no-install openapi-typescript "$work/openapi.json" -o schema.d.ts \
  > "$work/generate.out" 2> "$work/generate.err" || status=$?
cat "$work/generate.out" "$work/generate.err"
if [ "$status" -ne 0 ]; then
  echo "openapi-typescript failed" >&2
  exit 1
fi
# Its warnings (" ⚠  …", lint findings among them) go to stderr: any at all fails.
if [ -s "$work/generate.err" ] || grep -q '⚠' "$work/generate.out"; then
  echo "openapi-typescript warned: the document has something to fix" >&2
  exit 1
fi

echo "==> tsc (strict)"
npx --no-install tsc -p tsconfig.json

echo "==> decide through openapi-fetch"
ATTUNE_KEY=$key ATTUNE_CONTACT=demo-ann ATTUNE_TOPIC=offers node dist/decide.js
echo "openapi-client: ok"
