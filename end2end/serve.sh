#!/usr/bin/env bash
# Starts a release `attune` for the browser tests: a fresh SQLite data dir with demo data, on the
# port Playwright waits for. Mail goes to end2end/.e2e-data/mail as .eml files, where the tests
# read the links from. The release binary runs as an operator would run it: copied alone into an
# empty directory, with no ATTUNE_SITE_ROOT — every page, style and island comes from inside it
# (DESIGN §8, one artifact).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
port="${ATTUNE_E2E_PORT:-3100}"
data="$here/.e2e-data"
bin="$here/.e2e-bin"
rm -rf "$data" "$bin"
mkdir -p "$data" "$bin"
cp "$root/target/release/attune" "$bin/attune"
export ATTUNE_DATA_DIR="$data"
export ATTUNE_LISTEN="127.0.0.1:$port"
export ATTUNE_BASE_URL="http://127.0.0.1:$port"
export ATTUNE_LOG="${ATTUNE_LOG:-warn}"
# The organisation every page and mail is branded with (tests/support/org.ts says the same).
export ATTUNE_ORG_NAME="Example Shop"
# Every test signs in from 127.0.0.1; the per-address limit still applies.
export ATTUNE_SIGN_IN_LIMIT_PER_IP=10000
unset DATABASE_URL ATTUNE_MAIL_URL ATTUNE_CONFIG ATTUNE_SITE_ROOT LEPTOS_SITE_ROOT
cd "$data"
"$bin/attune" demo > "$data/demo.txt"
# Staff console users with known passwords (see tests/support/staff.ts); one lockout account per
# Playwright project, so the two runs can't lock each other out.
staff() { printf '%s\n' "$3" | "$bin/attune" staff create "$1" --role "$2" --password-stdin >> "$data/staff.txt"; }
staff admin@staff.example admin "e2e admin password"
staff agent@staff.example agent "e2e agent password"
staff lockout-js-on@staff.example agent "e2e lockout password"
staff lockout-js-off@staff.example agent "e2e lockout password"
exec "$bin/attune" serve
