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

target=${CARGO_TARGET_DIR:-target}
if [ -n "${ATTUNE_BIN:-}" ]; then
  bin=$ATTUNE_BIN
elif [ -x "$target/release/attune" ]; then
  bin=$target/release/attune
elif [ -x "$target/debug/attune" ]; then
  bin=$target/debug/attune
else
  cargo build -p server --bin attune
  bin=$target/debug/attune
fi
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
[ -d "$here/node_modules/openapi-typescript" ] || (cd "$here" && npm ci --no-audit --no-fund)

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2> /dev/null || true
    wait "$server_pid" 2> /dev/null || true
  fi
  rm -rf "$here/dist" "$here/schema.d.ts"
  if [ -n "${KEEP:-}" ]; then echo "kept $work (server.log, openapi.json, generate.out, generate.err)"; else rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export ATTUNE_DATA_DIR=$work/data
export ATTUNE_LISTEN=127.0.0.1:$port
export ATTUNE_BASE_URL=http://127.0.0.1:$port
export ATTUNE_LOG=warn
unset DATABASE_URL ATTUNE_CONFIG
mkdir -p "$ATTUNE_DATA_DIR"

# From the data dir, so no attune.toml in the working tree applies.
(cd "$work" && "$bin" demo > /dev/null)
key=$(cd "$work" && "$bin" sender create openapi-client | tail -n1)
(cd "$work" && exec "$bin" serve > "$work/server.log" 2>&1) &
server_pid=$!
for _ in $(seq 100); do
  curl -fs "$ATTUNE_BASE_URL/healthz" > /dev/null 2>&1 && break
  kill -0 "$server_pid" 2> /dev/null || { cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
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
