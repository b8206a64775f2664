#!/usr/bin/env bash
# Starts a release `attune` for the browser tests: a fresh SQLite data dir with demo data, on the
# port Playwright waits for. Run from anywhere; it serves the site built in ../target/site.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
port="${ATTUNE_E2E_PORT:-3100}"
data="$(mktemp -d -t attune-e2e-XXXXXX)"
export ATTUNE_DATA_DIR="$data"
export ATTUNE_LISTEN="127.0.0.1:$port"
export ATTUNE_BASE_URL="http://127.0.0.1:$port"
export ATTUNE_SITE_ROOT="$root/target/site"
export ATTUNE_LOG="${ATTUNE_LOG:-warn}"
unset DATABASE_URL ATTUNE_MAIL_URL ATTUNE_CONFIG
cd "$data"
"$root/target/release/attune" demo > "$data/demo.txt"
exec "$root/target/release/attune" serve
