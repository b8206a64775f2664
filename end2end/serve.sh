#!/usr/bin/env bash
# Starts a release `attune` for the browser tests: a fresh SQLite data dir with demo data, on the
# port Playwright waits for. Mail goes to end2end/.e2e-data/mail as .eml files, where the tests
# read the links from. Serves the site built in ../target/site.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
port="${ATTUNE_E2E_PORT:-3100}"
data="$here/.e2e-data"
rm -rf "$data"
mkdir -p "$data"
export ATTUNE_DATA_DIR="$data"
export ATTUNE_LISTEN="127.0.0.1:$port"
export ATTUNE_BASE_URL="http://127.0.0.1:$port"
export ATTUNE_SITE_ROOT="$root/target/site"
export ATTUNE_LOG="${ATTUNE_LOG:-warn}"
# Every test signs in from 127.0.0.1; the per-address limit still applies.
export ATTUNE_SIGN_IN_LIMIT_PER_IP=10000
unset DATABASE_URL ATTUNE_MAIL_URL ATTUNE_CONFIG
cd "$data"
"$root/target/release/attune" demo > "$data/demo.txt"
exec "$root/target/release/attune" serve
